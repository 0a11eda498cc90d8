"""Metering servers going offline and coming back (Q226827), and which servers are up.

An outage ``(server, start_h, minutes)`` takes a server offline from ``start_h``
hours for ``minutes``. Outages of one server may overlap: it is down while any
of them lasts. A server going offline stops its services, and they start
again when it comes back. A server hung by Remodbc.exe (Q245271,
:mod:`kbsim.model.remodbc`) is down here too, from its hang to its reboot: clients
fail over from it and License Metering cannot read it, as for an outage. The
other mechanisms read :class:`ServersUp`: which servers answer now, how many, and
when that may next change.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Sequence
from typing import Protocol

from .events import STATE, Scheduler
from .record import EventLog


class ServersUp(Protocol):
    """Which metering servers are up: what clients, balancing and sampling see of the outages."""

    @property
    def up(self) -> list[bool]:
        """Per server, whether it answers now (one list, changed in place)."""
        ...

    @property
    def n_up(self) -> int:
        """How many servers answer now."""
        ...

    def next_state_change(self, now: float) -> float:
        """The first minute after ``now`` at which a server may go down or come back (inf if none)."""
        ...


class ServerServices(Protocol):
    """What an outage stops and restarts on a server: its services (:class:`kbsim.model.service.ServiceMonitor`)."""

    def server_down(self, server: int) -> None: ...

    def server_up(self, server: int) -> None: ...


class Outages:
    """The outages of a run, and which servers are up because of them."""

    def __init__(
        self,
        n_servers: int,
        outages: Sequence[Sequence[float]],
        scheduler: Scheduler,
        log: EventLog,
        services: ServerServices,
    ) -> None:
        self.outages = [(int(server), float(start_h), float(minutes)) for server, start_h, minutes in outages]
        self.scheduler = scheduler
        self.log = log
        self.services = services
        self.up = [True] * n_servers
        self.n_up = n_servers
        self._down_depth = [0] * n_servers
        #: The spans (minutes) when no server at all was up, complete once the run is closed.
        self.all_down: list[tuple[float, float]] = []
        self._all_down_since = 0.0
        # Every minute at which a server may go down or come back, for clients that wait for one.
        self.state_changes = sorted(
            {t for _, start_h, minutes in self.outages for t in (start_h * 60, start_h * 60 + minutes)}
        )
        #: Minutes between the moments a server may hang (the manager's checks of Remodbc.exe, Q245271); inf: never.
        self.may_hang_every = float("inf")

    def start(self) -> None:
        """Put every outage's start and end on the calendar."""
        for server, start_h, minutes in self.outages:
            self.scheduler.schedule(start_h * 60, self.outage_start, server, STATE)
            self.scheduler.schedule(start_h * 60 + minutes, self.outage_end, server, STATE)

    def outage_start(self, server: int) -> None:
        if self._down(server):
            self.log.add(self.scheduler.now, "outage_start", -1, server, -1)
            self.services.server_down(server)

    def outage_end(self, server: int) -> None:
        if self._up(server):
            self.log.add(self.scheduler.now, "outage_end", -1, server, -1)
            self.services.server_up(server)

    def hang(self, server: int, minutes: float) -> None:
        """Q245271: ``server``, up now, hangs (its service state is set by the caller) and answers nobody until its
        reboot ``minutes`` from now."""
        reboot = self.scheduler.now + minutes
        self._down(server)
        insort(self.state_changes, reboot)
        self.scheduler.schedule(reboot, self.reboot, server, STATE)

    def reboot(self, server: int) -> None:
        """Q245271: the hung server is rebooted: it answers again unless an outage still holds it down, and then its
        hang is over but its service stays stopped until the outage ends."""
        self.log.add(self.scheduler.now, "reboot", -1, server, -1)
        if self._up(server):
            self.services.server_up(server)
        else:
            self.services.server_down(server)

    def _down(self, server: int) -> bool:
        """One more reason for ``server`` to be down; whether it went down now."""
        self._down_depth[server] += 1
        if self._down_depth[server] != 1:
            return False
        self.up[server] = False
        self.n_up -= 1
        if self.n_up == 0:
            self._all_down_since = self.scheduler.now
        return True

    def _up(self, server: int) -> bool:
        """One reason fewer for ``server`` to be down; whether it came back now."""
        self._down_depth[server] -= 1
        if self._down_depth[server] != 0:
            return False
        if self.n_up == 0:
            self.all_down.append((self._all_down_since, self.scheduler.now))
        self.up[server] = True
        self.n_up += 1
        return True

    def next_state_change(self, now: float) -> float:
        """The first minute after ``now`` at which a server may go down or come back (inf if none): an outage's
        start or end, a hung server's reboot, or a check of Remodbc.exe that may hang a server (Q245271)."""
        i = bisect_right(self.state_changes, now)
        change = self.state_changes[i] if i < len(self.state_changes) else float("inf")
        every = self.may_hang_every
        if every != float("inf") and self.n_up > 0:  # a server that is down cannot hang: none up, none to check
            change = min(change, (now // every + 1) * every)
        return change

    def close(self, until: float) -> None:
        """At the run's end: a span with no server up that is still going ends with the run."""
        if self.n_up == 0:
            self.all_down.append((self._all_down_since, until))
