"""Callbacks: a refused user asks to be told when a licence is free (Q210202, Q226823).

When a metering server has no free licence for a product, the program is
refused and the user is offered a callback. A share of users
(``callback_share`` [assumed]) accept; their callback waits in the server's
queue for that product. License Metering answers callbacks at its cycle
(every ``metering_cycle_min``, once it has done the on-demand moves queued
before) and, with ``callback_priority`` "callbacks_first" [assumed], as soon as
licences arrive by balancing, before any new launch can take them: while the
server has a free licence, the oldest callback is granted and the user starts
the program then. A callback not answered within
``callback_duration_min`` [assumed; SMS's "callback request duration", whose
default the sources do not give] lapses. Answering only at License Metering's
cycle is how the model keeps Q226823's rule that a callback before that cycle
brings no licence.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .events import Scheduler
from .licenses import LicenseLedger
from .parameters import Params
from .record import EventLog

_BATCH = 4096


class CalledBack(Protocol):
    """What answers a callback: the user starts launch ``launch`` of ``client`` now on ``server``, with a
    licence of ``product`` it holds free (:meth:`kbsim.model.clients.ClientAgents.start_called_back`)."""

    def __call__(self, launch: int, client: int, server: int, product: int) -> None: ...


@dataclass(frozen=True)
class CallbackCounts:
    """What the callbacks hand over when the run has ended: callbacks ``asked``, ``granted`` (the program
    started then), ``lapsed`` and still ``waiting`` (asked = granted + lapsed + waiting), and each granted
    one's minutes from refusal to licence (``waits_min``)."""

    asked: int
    granted: int
    lapsed: int
    waiting: int
    waits_min: tuple[float, ...]


class Callbacks:
    """Every server's queue of callbacks, per product, and what became of them."""

    def __init__(
        self,
        params: Params,
        rng: np.random.Generator,
        scheduler: Scheduler,
        log: EventLog,
        ledger: LicenseLedger,
        start: CalledBack,
    ) -> None:
        self.scheduler = scheduler
        self.log = log
        self.ledger = ledger
        self.start = start
        self.share = params.callback_share
        self.duration_min = params.callback_duration_min
        self.rng = rng
        self._draws: list[float] = []
        self.queues: dict[int, deque[tuple[float, int, int]]] = {}  # key -> (refused at, client, launch)
        self.asked = 0
        self.granted = 0
        self.lapsed = 0
        self.waiting = 0  # still waiting at the run's end, counted by close()
        self.waits_min: list[float] = []

    def refused(self, launch: int, client: int, key: int) -> None:
        """A request refused at ``key`` (server, product): the user may ask for a callback."""
        if not self._draws:
            self._draws = self.rng.random(_BATCH).tolist()
        if self._draws.pop() >= self.share:
            return
        now = self.scheduler.now
        self.queues.setdefault(key, deque()).append((now, client, launch))
        self.asked += 1
        server, product = divmod(key, self.ledger.n_products)
        self.log.add(now, "callback", client, server, product)

    def serve(self, now: float, key: int) -> None:
        """Answer the callbacks waiting at ``key`` while it has free licences; drop those that lapsed."""
        queue = self.queues.get(key)
        if not queue:
            return
        ledger = self.ledger
        server, product = divmod(key, ledger.n_products)
        while queue and (ledger.free[key] > 0 or now - queue[0][0] > self.duration_min):
            refused_at, client, launch = queue.popleft()
            if now - refused_at > self.duration_min:
                self.lapsed += 1
                self.log.add(
                    refused_at + self.duration_min,
                    "callback_lapsed",
                    client,
                    server,
                    product,
                    minutes=self.duration_min,
                )
                continue
            self.granted += 1
            self.waits_min.append(now - refused_at)
            self.start(launch, client, server, product)

    def serve_all(self, now: float) -> None:
        for key in self.queues:
            self.serve(now, key)

    def close(self, until: float) -> int:
        """At the run's end: callbacks still waiting (they neither lapsed nor were granted)."""
        waiting = 0
        n_p = self.ledger.n_products
        for key, queue in self.queues.items():
            for refused_at, client, _ in queue:
                if until - refused_at > self.duration_min:
                    self.lapsed += 1
                    self.log.add(
                        refused_at + self.duration_min,
                        "callback_lapsed",
                        client,
                        key // n_p,
                        key % n_p,
                        minutes=self.duration_min,
                    )
                else:
                    waiting += 1
        self.waiting = waiting
        return waiting

    def counts(self) -> CallbackCounts:
        """The callbacks' final counts, once :meth:`close` has run."""
        return CallbackCounts(self.asked, self.granted, self.lapsed, self.waiting, tuple(self.waits_min))
