"""Phantom licences: a running program's licence left in use on the server its client failed over from (Q226838).

# Q226838: when an online client moves to another metering server because its own does not
answer, each program it has running keeps the licence the first server granted: that server
goes on counting it in use. The new server grants the program a second licence, and it is
that one that the program's end releases. The first server's licence is a phantom: in use,
with no program behind it, long after the client can reach that server again.

What the model does, at every move of a client (a failover, or a Windows 95/98 rebind) while
the fault applies (``phantom_fault_fixed_in`` against ``service_pack``, [assumed]: no source
names a fix):

* each of its programs still running on a licence of the server it left leaves that licence in
  use there, counted in ``LicenseLedger.phantom`` (in use, not lost: the ledger's total is
  unchanged);
* the new server grants the program a second licence of the product if it holds a free one,
  and the program's end releases that one; if it holds none, the program runs on with no
  licence of its own and its end releases nothing [assumed: the article does not say];
* the phantom stays in use until the run's end (``phantom_freed = "never"``, [assumed]: the
  article says only "long after" contact is back), or until the first server's
  SMS_LICENSE_SERVER service next starts (``"service_restart"`` [assumed]; in the model the
  end of an outage of that server).

Nothing here is on a launch's path: the agents call :meth:`PhantomLicences.client_moved` only
when a client moves, and the run's release of each affected program is found on the calendar
and pointed at the new server there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .events import RELEASE, Scheduler
from .launches import Launches
from .licenses import LicenseLedger
from .parameters import Params
from .record import GRANT, EventLog, launch_outcome
from .usage import SERVICE_PACK_ORDER


def phantom_fault_applies(service_pack: str, fixed_in: str) -> bool:
    """Whether Q226838's fault applies at ``service_pack`` when it was fixed in ``fixed_in``.

    ``fixed_in`` "none" (no source names a fix): at every pack; otherwise [assumed] before that pack only.
    """
    if fixed_in == "none":
        return True
    return SERVICE_PACK_ORDER.index(service_pack) < SERVICE_PACK_ORDER.index(fixed_in)


@dataclass(frozen=True)
class PhantomCounts:
    """What the phantoms hand over when the run has ended (Q226838): each phantom's ``server``, ``product``,
    the minute it was left (``start``) and the minute it was freed (``end``; the run's end if never), and
    ``second_licences``, the second licences the new servers granted to programs already running."""

    server: np.ndarray
    product: np.ndarray
    start: np.ndarray
    end: np.ndarray
    second_licences: int

    @property
    def licence_h(self) -> float:
        """Licence-hours the phantoms were held in use, summed over them."""
        return float((self.end - self.start).sum() / 60.0)

    @property
    def peak(self) -> int:
        """Most phantoms held at once, site-wide (one freed at the minute another is left is counted freed first)."""
        if not len(self.start):
            return 0
        times = np.concatenate([self.start, self.end])
        steps = np.concatenate([np.ones(len(self.start)), -np.ones(len(self.end))])
        order = np.lexsort((steps, times))  # at one minute, frees before new phantoms
        return int(np.cumsum(steps[order]).max())


class PhantomLicences:
    """The phantom licences of a run (Q226838): made when a client moves, freed (or not) when a server restarts."""

    def __init__(
        self, params: Params, scheduler: Scheduler, log: EventLog, ledger: LicenseLedger, launches: Launches
    ) -> None:
        self.scheduler = scheduler
        self.log = log
        self.ledger = ledger
        self.launches = launches
        self.until = params.days * 1440.0
        self.applies = params.mode == "online" and phantom_fault_applies(
            params.service_pack, params.phantom_fault_fixed_in
        )
        self.freed_at_restart = params.phantom_freed == "service_restart"
        self.n_products = params.n_products
        self.n_clients = params.n_clients
        self._by_client: list[np.ndarray] | None = None  # each client's launches, built at the first move
        # client -> (end minute, key) of its programs started by a callback or moved to a second licence
        self.other_runs: dict[int, list[tuple[float, int]]] = {}
        self.held: list[list[int]] = [[] for _ in range(params.n_servers)]  # per server: its phantoms' numbers
        self.server: list[int] = []
        self.product: list[int] = []
        self.start: list[float] = []
        self.end: list[float] = []
        self.second_licences = 0

    # --- what the agents tell ---------------------------------------------------------------------

    def callback_run(self, c: int, key: int, end: float) -> None:
        """Client ``c`` started a program by an answered callback, on a licence at ``key``, ending at ``end``."""
        if self.applies:
            self.other_runs.setdefault(c, []).append((end, key))

    def client_moved(self, c: int, old: int, new: int, release: Callable[[int], None]) -> None:
        """Client ``c`` moved from server ``old`` to ``new`` now: each program it has running on a licence of
        ``old`` leaves that licence there as a phantom and asks ``new`` for a second one (Q226838).
        ``release`` is the agents' release callback, whose calendar entries hold the programs' ends."""
        if not self.applies:
            return
        now = self.scheduler.now
        running = self._running_on(c, old, now)
        if not running:
            return
        heap, _ = self.scheduler.calendar()
        wanted = Counter(running)
        found: list[int] = []  # the calendar entries of the programs' ends
        for j, (time, priority, _order, callback, key) in enumerate(heap):
            if priority == RELEASE and wanted.get((time, key)) and callback == release:
                wanted[(time, key)] -= 1  # one program per entry
                found.append(j)
        ledger, n_p = self.ledger, self.n_products
        for j in sorted(found, key=lambda j: heap[j][:3]):  # the programs that end first are served first
            time, priority, order, callback, key = heap[j]
            product = key - old * n_p
            self._leave(old, product, now, c)
            second = new * n_p + product
            if ledger.free[second] > 0:
                ledger.free[second] -= 1
                ledger.in_use[second] += 1
                self.second_licences += 1
                heap[j] = (time, priority, order, callback, second)  # same place on the calendar: its end frees this
                self.other_runs.setdefault(c, []).append((time, second))
                self.log.add(now, "second_licence", c, new, product)
            else:
                heap[j] = (time, priority, order, _ends_unlicensed, None)

    def _running_on(self, c: int, server: int, now: float) -> list[tuple[float, int]]:
        """(end minute, key) of each program of client ``c`` running now on a licence of ``server``."""
        if self._by_client is None:
            client = np.frombuffer(self.launches.client, dtype=np.int32)
            order = np.argsort(client, kind="stable")
            bounds = np.searchsorted(client[order], np.arange(self.n_clients + 1))
            self._by_client = [order[bounds[i] : bounds[i + 1]] for i in range(self.n_clients)]
        launches, outcomes, n_p = self.launches, self.log.outcomes, self.n_products
        granted_here = launch_outcome(GRANT, server)
        found: list[tuple[float, int]] = []
        if c < len(self._by_client):
            handled = len(outcomes)
            for i in self._by_client[c].tolist():
                if i >= handled:
                    break
                if outcomes[i] != granted_here:
                    continue
                end = launches.time[i] + launches.duration[i]  # as the launch scheduled it
                if end > now:
                    found.append((end, server * n_p + launches.product[i]))
        for end, key in self.other_runs.get(c, ()):
            if end > now and key // n_p == server:
                found.append((end, key))
        return found

    def _leave(self, server: int, product: int, now: float, c: int) -> None:
        k = server * self.n_products + product
        self.ledger.phantom[k] += 1
        self.held[server].append(len(self.start))
        self.server.append(server)
        self.product.append(product)
        self.start.append(now)
        self.end.append(self.until)
        self.log.add(now, "phantom", c, server, product)

    # --- what the servers' services do --------------------------------------------------------------

    def server_down(self, server: int) -> None:
        """A server went offline: its phantoms stay (its licence database keeps them)."""

    def server_up(self, server: int) -> None:
        """The server's service started again: with ``phantom_freed = "service_restart"`` its phantoms are freed."""
        if not self.freed_at_restart or not self.held[server]:
            return
        now, ledger, n_p = self.scheduler.now, self.ledger, self.n_products
        for n in self.held[server]:
            k = server * n_p + self.product[n]
            ledger.phantom[k] -= 1
            ledger.in_use[k] -= 1
            ledger.free[k] += 1
            self.end[n] = now
            self.log.add(now, "phantom_freed", -1, server, self.product[n])
        self.held[server] = []

    def counts(self) -> PhantomCounts:
        """The phantoms of the finished run."""
        return PhantomCounts(
            server=np.asarray(self.server, dtype=np.int64),
            product=np.asarray(self.product, dtype=np.int64),
            start=np.asarray(self.start, dtype=float),
            end=np.asarray(self.end, dtype=float),
            second_licences=self.second_licences,
        )


def _ends_unlicensed(_: object) -> None:
    """A program that lost its licence to a phantom and got no second one ends: nothing to release (Q226838)."""
