"""The licence levels sampled every 15 minutes: ``Result.licenses`` and the licences idle while others refused.

A sample is taken after everything else due at its minute (priority OBSERVE):
every server's free and in-use licences, the reserve pool, which servers are
up and how many clients are bound to each. The last sample is at the run's end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .events import OBSERVE, Scheduler
from .licenses import LicenseLedger
from .outages import ServersUp
from .record import clock

#: How often the licence levels are sampled into ``Result.licenses``.
LICENSE_SAMPLE_MIN = 15.0
#: Server number of the site server's reserve pool in ``Result.licenses``.
SITE_RESERVE = -1

#: One sample: (minute, free, in use, reserve, up, clients bound, phantoms), the lists as the ledger and servers hold
#: them; the phantoms are the in-use licences no running program holds (Q226838).
Sample = tuple[float, list[int], list[int], list[int], list[bool], list[int], list[int]]


class LicenceSamples:
    """Samples of the ledger, the servers up and the clients bound to each, every ``LICENSE_SAMPLE_MIN``."""

    def __init__(
        self, scheduler: Scheduler, ledger: LicenseLedger, servers: ServersUp, bound: list[int], until: float
    ) -> None:
        self.scheduler = scheduler
        self.ledger = ledger
        self.servers = servers
        self.bound = bound  # clients per current server, as the agents keep it
        self.until = until
        self.samples: list[Sample] = []

    def start(self) -> None:
        self.scheduler.schedule(0.0, self.sample, priority=OBSERVE)

    def sample(self, _: object = None) -> None:
        ledger, now = self.ledger, self.scheduler.now
        self.samples.append(
            (
                now,
                ledger.free[:],
                ledger.in_use[:],
                ledger.reserve[:],
                self.servers.up[:],
                self.bound[:],
                ledger.phantom[:],
            )
        )
        nxt = now + LICENSE_SAMPLE_MIN
        if nxt <= self.until:
            self.scheduler.schedule(nxt, self.sample, priority=OBSERVE)

    def close(self) -> None:
        """At the run's end: a last sample, unless one was taken at that minute."""
        if not self.samples or self.samples[-1][0] < self.until:
            self.sample()

    def record(self) -> SampledLicences:
        """Every sample taken, handed over once the run has ended (after :meth:`close`)."""
        return SampledLicences(self.ledger.n_servers, self.ledger.n_products, tuple(self.samples))


@dataclass(frozen=True)
class SampledLicences:
    """The samples of a finished run, and the tables read from them: ``n_servers`` metering servers,
    ``n_products`` products, one :data:`Sample` per ``LICENSE_SAMPLE_MIN`` and one at the run's end."""

    n_servers: int
    n_products: int
    samples: tuple[Sample, ...]

    def table(self, start: pd.Timestamp) -> pd.DataFrame:
        """``Result.licenses``: time, hours, server (``SITE_RESERVE`` for the reserve pool), product, up, in_use,
        free, phantom (of the in-use licences, those no running program holds: Q226838) and running (in_use -
        phantom: the programs really running on the server's licences), one row per sample, holder and product."""
        samples = self.samples
        n_s, n_p = self.n_servers, self.n_products
        minutes = np.array([s[0] for s in samples])
        free = np.array([s[1] for s in samples]).reshape(len(minutes), n_s, n_p)
        in_use = np.array([s[2] for s in samples]).reshape(len(minutes), n_s, n_p)
        reserve = np.array([s[3] for s in samples]).reshape(len(minutes), 1, n_p)
        phantom = np.array([s[6] for s in samples]).reshape(len(minutes), n_s, n_p)
        phantom = np.concatenate([phantom, np.zeros_like(reserve)], axis=1)
        up = np.array([s[4] for s in samples]).reshape(len(minutes), n_s, 1)
        free = np.concatenate([free, reserve], axis=1)
        in_use = np.concatenate([in_use, np.zeros_like(reserve)], axis=1)
        up = np.broadcast_to(np.concatenate([up, np.ones((len(minutes), 1, 1), dtype=bool)], axis=1), free.shape)
        server = np.broadcast_to(np.array([*list(range(n_s)), SITE_RESERVE])[None, :, None], free.shape)
        product = np.broadcast_to(np.arange(n_p)[None, None, :], free.shape)
        minute = np.broadcast_to(minutes[:, None, None], free.shape)
        return pd.DataFrame(
            {
                "time": clock(start, minute.ravel()),
                "hours": minute.ravel() / 60.0,
                "server": server.ravel(),
                "product": product.ravel(),
                "up": up.ravel(),
                "in_use": in_use.ravel(),
                "free": free.ravel(),
                "phantom": phantom.ravel(),
                "running": (in_use - phantom).ravel(),
            }
        )

    def idle_while_refused(
        self, refused_time: np.ndarray, refused_server: np.ndarray, refused_product: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Licences left idle on one server while another refused them: per sample interval and product.

        Q226827, Q210202: an imbalance is licences on the wrong server. Interval ``j`` runs from
        sample ``j`` (after everything due at its minute) to sample ``j + 1``. For each product, the
        licences idle at sample ``j`` (free, or phantoms: in use with no program behind them, Q226838) on servers
        that are up and refused none of that product in the
        interval were idle while the refusals elsewhere (``refused_*``: each refused request's minute,
        server and product) went unserved; the misplaced licences are the smaller of the two counts.
        Zero wherever no request was refused. Returns (misplaced licences, shape intervals x products;
        each interval's length in hours); no intervals without two samples.
        """
        samples, n_s, n_p = self.samples, self.n_servers, self.n_products
        n = len(samples) - 1
        if n < 1:
            return np.zeros((0, n_p)), np.zeros(0)
        minutes = np.array([x[0] for x in samples])
        free = np.array([x[1] for x in samples[:-1]], dtype=np.int64).reshape(n, n_s, n_p)
        free += np.array([x[6] for x in samples[:-1]], dtype=np.int64).reshape(n, n_s, n_p)  # phantoms idle too
        up = np.array([x[4] for x in samples[:-1]], dtype=bool).reshape(n, n_s, 1)
        interval = np.clip(np.searchsorted(minutes, refused_time, side="left") - 1, 0, n - 1)
        key = (interval * n_s + refused_server) * n_p + refused_product
        refusals = np.bincount(key, minlength=n * n_s * n_p).reshape(n, n_s, n_p)
        idle = np.where(up & (refusals == 0), free, 0).sum(axis=1)
        misplaced = np.minimum(idle, refusals.sum(axis=1))
        return misplaced, np.diff(minutes) / 60.0
