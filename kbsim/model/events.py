"""The event loop: a calendar of callbacks in simulated minutes.

Small and domain-free, in the manner of SimPy's core: a heap of
``(time, priority, order, callback, argument)`` and a loop that pops one at a
time. Same-time entries run by priority, then first in, first out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from heapq import heappop, heappush
from itertools import count
from typing import Any

# Named priorities for entries due at the same minute.
STATE = 0  # a server goes down or comes back before anything else sees it
RELEASE = 1  # a program that ends frees its licence before the next launch asks
NORMAL = 2
OBSERVE = 3  # samples and the manager's poll see the minute's final state


class Scheduler:
    """Runs callbacks in time order; ``now`` is the current simulated minute."""

    __slots__ = ("_heap", "_order", "now", "processed")

    def __init__(self) -> None:
        self.now = 0.0
        self._heap: list[tuple[float, int, int, Callable[[Any], None], Any]] = []
        self._order = count()
        self.processed = 0  # calendar entries run and stream items handled: the events of this run

    def schedule(
        self, time: float, callback: Callable[[Any], None], argument: Any = None, priority: int = NORMAL
    ) -> None:
        """Call ``callback(argument)`` at ``time`` (minutes); never in the past."""
        if time < self.now:
            raise ValueError(f"cannot schedule at {time} min, before now ({self.now} min)")
        heappush(self._heap, (time, priority, next(self._order), callback, argument))

    def calendar(self) -> tuple[list, Iterator[int]]:
        """The heap and its order counter, for a hot path that pushes ``(time, priority, next(order),
        callback, argument)`` itself, as :meth:`schedule` does (and, like it, never in the past)."""
        return self._heap, self._order

    def run(self, until: float, stream: Sequence[float] = (), on_stream: Callable[[int], None] | None = None) -> None:
        """Run every entry due before ``until``.

        ``stream`` is an optional sorted sequence of times known in advance (the
        launches); ``on_stream(i)`` runs at ``stream[i]``, after calendar entries
        due at or before that time. Merging it here costs no heap entry per item.
        """
        if on_stream is None:
            if len(stream):
                raise ValueError("a stream needs its on_stream handler")
            on_stream = _nothing
        heap = self._heap
        popped = handled = 0
        for i, time in enumerate(stream):
            if time >= until:
                break
            while heap and heap[0][0] <= time:
                self.now, _, _, callback, argument = heappop(heap)
                callback(argument)
                popped += 1
            self.now = time
            on_stream(i)
            handled += 1
        while heap and heap[0][0] < until:
            self.now, _, _, callback, argument = heappop(heap)
            callback(argument)
            popped += 1
        self.now = until
        self.processed += popped + handled


def _nothing(_: int) -> None:
    """The handler of an empty stream."""
