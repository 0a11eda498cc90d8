"""The licence levels sampled every 15 minutes: ``Result.licenses`` and the imbalance measured from them.

A sample is taken after everything else due at its minute (priority OBSERVE):
every server's free and in-use licences, the reserve pool, which servers are
up and how many clients are bound to each. The last sample is at the run's end.
"""

from __future__ import annotations

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

#: One sample: (minute, free, in use, reserve, up, clients bound), the lists as the ledger and servers hold them.
Sample = tuple[float, list[int], list[int], list[int], list[bool], list[int]]


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
            (now, ledger.free[:], ledger.in_use[:], ledger.reserve[:], self.servers.up[:], self.bound[:])
        )
        nxt = now + LICENSE_SAMPLE_MIN
        if nxt <= self.until:
            self.scheduler.schedule(nxt, self.sample, priority=OBSERVE)

    def close(self) -> None:
        """At the run's end: a last sample, unless one was taken at that minute."""
        if not self.samples or self.samples[-1][0] < self.until:
            self.sample()

    def table(self, start: pd.Timestamp) -> pd.DataFrame:
        """``Result.licenses``: time, hours, server (``SITE_RESERVE`` for the reserve pool), product, up, in_use,
        free, one row per sample, holder and product."""
        samples = self.samples
        n_s, n_p = self.ledger.n_servers, self.ledger.n_products
        minutes = np.array([s[0] for s in samples])
        free = np.array([s[1] for s in samples]).reshape(len(minutes), n_s, n_p)
        in_use = np.array([s[2] for s in samples]).reshape(len(minutes), n_s, n_p)
        reserve = np.array([s[3] for s in samples]).reshape(len(minutes), 1, n_p)
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
            }
        )

    def imbalance(self) -> np.ndarray:
        """At each sample, the licences held by servers beyond their share of the clients bound to them.

        For each product, the licences on the servers that are up (free or in use)
        are compared with an allocation in proportion to the clients currently
        bound to each of those servers; the imbalance is the sum of the excesses,
        i.e. how many licences would have to move to match (the worst product counts).
        """
        n_p, n_s, samples = self.ledger.n_products, self.ledger.n_servers, self.samples
        if not samples:
            return np.zeros(0)
        n = len(samples)
        held = (
            np.array([x[1] for x in samples], dtype=float) + np.array([x[2] for x in samples], dtype=float)
        ).reshape(n, n_s, n_p)
        up = np.array([x[4] for x in samples], dtype=bool).reshape(n, n_s)
        bound = np.array([x[5] for x in samples], dtype=float).reshape(n, n_s)
        clients = (bound * up).sum(axis=1)  # whole numbers: exact in any order
        counted = (up.sum(axis=1) >= 2) & (clients > 0)
        share = (held * up[:, :, None]).sum(axis=1) / np.where(counted, clients, 1.0)[
            :, None
        ]  # per licence, per client
        excess = np.zeros((n, n_p))
        for s in range(n_s):  # server by server, in order, as a sum over the servers up would add them
            more = excess + np.maximum(0.0, held[:, s, :] - share * bound[:, s, None])
            excess = np.where(up[:, s, None], more, excess)
        return np.where(counted, np.maximum(excess.max(axis=1), 0.0), 0.0)
