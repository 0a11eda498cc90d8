"""Remodbc.exe's memory leak, the License Server Manager's restarts and the hang they can bring (Q245271).

Up to SMS 2.0 SP2 the License Metering service on a metering server (Remodbc.exe,
SMS_LICENSE_SERVER) leaks memory as it works. The service watches its own memory,
and above a threshold (50 MB by default) the License Server Manager restarts it.
When that restart's stop fails, the service cannot be started again and the server
hangs: it answers nobody until it is rebooted. Clients go on while another server
answers, the load moved onto the survivors; with none, they get no updates.

The model: each licence request a server answers (a grant or a refusal, online
mode) adds ``remodbc_leak_kb`` [assumed] to its Remodbc.exe's memory. At each of
the manager's polls (every ``poll_interval_min``) a server whose memory is at or
above ``remodbc_restart_mb`` is restarted; the stop fails with chance
``remodbc_stop_fail_pct`` [assumed], and the hung server is down for clients and
for License Metering (:class:`kbsim.model.outages.Outages`, the one record of which
servers answer) until its reboot ``hang_reboot_h`` [assumed] later. A restart,
a reboot or the end of an outage starts Remodbc.exe afresh, its leak at zero.
The post-SP2 hotfix of Q245271 cures the leak but brings Q299261's hang at the
weekly pack (:mod:`kbsim.model.service`); SP3 and SP4 carry the cure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .events import STATE, Scheduler
from .parameters import Params
from .record import LOGGED_LOCALLY, EventLog
from .service import HUNG

#: Service packs whose Remodbc.exe leaks (Q245271: 2.0, SP1 and SP2; the model's earliest level is SP2).
LEAKS = frozenset({"SP2"})


class HangingServers(Protocol):
    """What a hang reaches of which servers are up (:class:`kbsim.model.outages.Outages`)."""

    up: list[bool]
    may_hang_every: float

    def hang(self, server: int, minutes: float) -> None: ...


class ServiceStates(Protocol):
    """What a hang reaches of the services' states (:class:`kbsim.model.service.ServiceMonitor`)."""

    def set_state(self, server: int, state: str, reason: str) -> None: ...


@dataclass(frozen=True)
class RemodbcCounts:
    """What Remodbc.exe's mechanism hands over at the run's end (Q245271).

    ``restarts``: restarts the License Server Manager made at the memory threshold, the failed ones included;
    ``hung``: per hang, (server, minute it hung, minute of its reboot, which may lie past the run's end).
    """

    restarts: int
    hung: tuple[tuple[int, float, float], ...]

    def hours_hung(self, until: float) -> float:
        """Server-hours spent hung within the run (minutes ``until`` its end), summed over the servers."""
        return sum(min(reboot, until) - start for _, start, reboot in self.hung) / 60.0


class Remodbc:
    """Each metering server's Remodbc.exe: its leaked memory, restarts at the threshold and hangs (Q245271)."""

    def __init__(
        self,
        params: Params,
        scheduler: Scheduler,
        log: EventLog,
        rng: np.random.Generator,
        servers: HangingServers,
        services: ServiceStates,
    ) -> None:
        self.scheduler = scheduler
        self.log = log
        self.rng = rng
        self.servers = servers
        self.services = services
        self.n_servers = params.n_servers
        #: Whether anything leaks: online mode (the requests are the work) at a service pack with the leak.
        self.leaks = params.service_pack in LEAKS and params.mode == "online" and params.remodbc_leak_kb > 0
        self.leak_mb = params.remodbc_leak_kb / 1024.0
        self.threshold_mb = params.remodbc_restart_mb
        self.stop_fails = params.remodbc_stop_fail_pct / 100.0
        self.reboot_min = params.hang_reboot_h * 60.0
        self.check_min = params.poll_interval_min
        self.memory_mb = [0.0] * params.n_servers
        self._read = 0  # launches whose requests are counted in memory_mb
        self._checks = 0
        self.restarts = 0
        self.hung: list[tuple[int, float, float]] = []

    def start(self) -> None:
        """Put the manager's first check on the calendar; a stop that can fail may hang a server at any check."""
        if not self.leaks:
            return
        if self.stop_fails > 0:
            self.servers.may_hang_every = self.check_min
        self._checks = 1
        self.scheduler.schedule(self.check_min, self.check, priority=STATE)

    def started(self, server: int) -> None:
        """``server``'s service started afresh (a reboot or the end of an outage): its leak is gone."""
        self._count_work()
        self.memory_mb[server] = 0.0

    def _count_work(self) -> None:
        """Add the requests answered since the last count to each server's leaked memory."""
        outcomes = self.log.outcomes
        if len(outcomes) == self._read:
            return
        new = np.array(outcomes[self._read :], dtype=np.int8)
        self._read = len(outcomes)
        answered = new[(new & 3) != LOGGED_LOCALLY] >> 2  # the answering server + 1
        work = np.bincount(answered, minlength=self.n_servers + 1)[1:]
        for s, requests in enumerate(work.tolist()):
            self.memory_mb[s] += requests * self.leak_mb

    def check(self, _: object = None) -> None:
        """The License Server Manager's poll: restart every running Remodbc.exe at or above the threshold."""
        self._count_work()
        now = self.scheduler.now
        for s in range(self.n_servers):
            if self.servers.up[s] and self.memory_mb[s] >= self.threshold_mb:
                self._restart(s, now)
        self._checks += 1
        self.scheduler.schedule(self._checks * self.check_min, self.check, priority=STATE)

    def _restart(self, server: int, now: float) -> None:
        megabytes = int(self.memory_mb[server])
        self.restarts += 1
        if self.stop_fails > 0 and self.rng.random() < self.stop_fails:
            self.log.add(now, "remodbc_hang", -1, server, -1, megabytes=megabytes, minutes=self.reboot_min)
            self.services.set_state(server, HUNG, "stop failed")
            self.servers.hang(server, self.reboot_min)
            self.hung.append((server, now, now + self.reboot_min))
        else:
            self.log.add(now, "remodbc_restart", -1, server, -1, megabytes=megabytes)
        self.memory_mb[server] = 0.0

    def counts(self) -> RemodbcCounts:
        """The final record: the restarts made and the hangs."""
        return RemodbcCounts(self.restarts, tuple(self.hung))
