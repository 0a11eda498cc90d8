"""The client configuration a site sends its agents, and when it reaches them (Q244906, Q263023, Q245271).

A client agent holds no settings of its own: it downloads its configuration (the
excluded-programs list, the list of forbidden programs) from a metering server's
SMS_LICENSE_SERVER (Remodbc.exe) each time the computer starts and at every
configuration poll, every ``config_poll_min`` (Q263023: "every time the client boots
up and every 4 hours by default"). A change an administrator makes at the site
therefore reaches a client only at its next download that finds a server answering;
while no server answers, no client gets it (Q245271: with every metering server
hung, clients get no configuration updates).

The setting modelled is the one a student can see act: a forbidden program
(Q244906). At ``forbid_at_h`` the administrator removes the access times of product
``forbidden_product``; a client that has downloaded that configuration stops the
program itself at every later launch, online or offline, with no server asked
(a ``launch_stopped`` row); a client that has not yet downloaded it runs the program as
before. The downloads run on each client's poll grid (its phase, every
``config_poll_min``: the same polls that upload its offline log, :mod:`kbsim.model.usage`),
at its start (a Q212894 restart, or its install or reinstall), and need one server
up, not the client's own (as the uploads, [assumed]). A poll that finds no server
records one ``configuration_failed`` event; the client then downloads at its first
poll after a server comes back (the polls between fail alike and are not recorded
one by one). Setting a clock right or wrong moves no poll (the poll timer counts
elapsed time, as for the uploads), and the upload's NextOfflineSyncTime gates only
the upload, not the download (Q263023 puts the download on the polling interval).

Nothing here costs a run that forbids nothing: the launch handler is wrapped only
when the change falls inside the run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .events import NORMAL, STATE, Scheduler
from .launches import Launches
from .outages import ServersUp
from .parameters import Params
from .record import FORBIDDEN, EventLog, launch_outcome

NEVER = float("inf")


@dataclass(frozen=True)
class ConfigurationCounts:
    """What the configuration mechanism hands over at the run's end (Q244906).

    ``changed_at``: the minute the product was forbidden (inf: not in the run); ``downloaded_at``: per client, the
    minute it downloaded the change (inf: not within the run); ``installed``: per client, whether its software was
    installed by the run's end (a client not yet installed has nothing to download); ``stopped``: launches of the
    product its agents stopped; ``let_through``: launches of the product after the change that their agents let
    start, not having downloaded it yet.
    """

    changed_at: float
    downloaded_at: np.ndarray
    installed: np.ndarray
    stopped: int
    let_through: int

    def reach_h(self) -> float:
        """Hours from the change until the last installed client had downloaded it, to the hundredth; NaN (one
        object, so that runs without it compare equal) when a client still lacked it at the run's end, or nothing
        was changed."""
        have = self.downloaded_at[self.installed]
        if not np.isfinite(self.changed_at) or not np.isfinite(have).all():
            return math.nan
        return round(float((have.max(initial=self.changed_at) - self.changed_at) / 60.0), 2)


class ClientConfiguration:
    """The site's client configuration, each client's copy of it, and the downloads that bring it (Q244906).

    Reaches the rest of the site through the ``scheduler``, the event ``log`` and which ``servers`` are up;
    :meth:`guard` wraps the launch handler, :meth:`server_up` is told when a server comes back and
    :meth:`client_started` when a client starts (a restart, a reinstall).
    """

    def __init__(
        self,
        params: Params,
        scheduler: Scheduler,
        log: EventLog,
        servers: ServersUp,
        launches: Launches,
        poll_phase_min: np.ndarray,
        install_min: np.ndarray,
        until: float,
    ) -> None:
        self.scheduler = scheduler
        self.log = log
        self.servers = servers
        self.launches = launches
        self.until = until
        self.changed_at = params.forbid_at_h * 60 if params.forbid_at_h * 60 < until else NEVER
        #: Whether a change falls inside the run: otherwise nothing here runs.
        self.applies = self.changed_at < NEVER
        self.product = params.forbidden_product
        self.interval = params.config_poll_min
        self.poll_phase = poll_phase_min.tolist()
        self.install = install_min.tolist()
        n = params.n_clients
        self.has_change = [False] * n
        self.downloaded_at = [NEVER] * n
        self.waiting: set[int] = set()  # clients whose last download found no server
        self.pending = [NEVER] * n  # each client's next download on the calendar (inf: none)
        self.changed = False

    def start(self) -> None:
        """Put the administrator's change on the calendar, if it falls inside the run."""
        if self.applies:
            self.scheduler.schedule(self.changed_at, self._change, None, STATE)

    def guard(self, on_launch: Callable[[int], None]) -> Callable[[int], None]:
        """The launch handler with the ban in front: a client that has the change stops the forbidden program
        itself (Q244906), online or offline; every other launch goes to ``on_launch`` as before."""
        if not self.applies:
            return on_launch
        product, has_change = self.product, self.has_change
        launch_client, launch_product = self.launches.client, self.launches.product
        record, stopped = self.log.outcomes.append, launch_outcome(FORBIDDEN, -1)

        def launch(i: int) -> None:
            if launch_product[i] == product and has_change[launch_client[i]]:
                record(stopped)
                return
            on_launch(i)

        return launch

    def _change(self, _: None) -> None:
        """The administrator forbids the product: each client will download the change at its next poll, or at its
        install if that comes later."""
        now = self.scheduler.now
        self.changed = True
        self.log.add(now, "configuration_changed", -1, -1, self.product)
        for c in range(len(self.has_change)):
            at = self.install[c] if self.install[c] > now else self._next_poll(c, now)
            self._plan(c, at)

    def _next_poll(self, c: int, now: float) -> float:
        """Client ``c``'s first configuration poll at or after ``now``."""
        phase, every = self.poll_phase[c], self.interval
        return phase + max(0.0, np.ceil((now - phase) / every)) * every

    def _plan(self, c: int, at: float) -> None:
        if at < self.until and at < self.pending[c]:
            self.pending[c] = at
            self.scheduler.schedule(at, self._download, (c, at), NORMAL)

    def _download(self, argument: tuple[int, float]) -> None:
        """Client ``c`` asks a server for its configuration (a poll, or its start)."""
        c, at = argument
        if self.pending[c] != at or self.has_change[c]:
            return  # planned again since (a start came first, or it failed and waits for a server)
        self.pending[c] = NEVER
        now = self.scheduler.now
        if self.servers.n_up > 0:
            self.has_change[c] = True
            self.downloaded_at[c] = now
            self.waiting.discard(c)
            self.log.add(now, "configuration_downloaded", c, -1, self.product)
            return
        if c not in self.waiting:
            self.waiting.add(c)
            self.log.add(now, "configuration_failed", c, -1, self.product)

    def server_down(self, server: int) -> None:
        """Nothing to do: a download finds out at its poll whether any server answers."""

    def server_up(self, server: int) -> None:
        """A server answers again: each client waiting for one downloads at its next poll."""
        if not self.waiting:
            return
        now = self.scheduler.now
        for c in sorted(self.waiting):
            self._plan(c, self._next_poll(c, now))

    def client_started(self, c: int) -> None:
        """Client ``c`` starts (a restart, or its reinstall): it downloads its configuration now (Q263023)."""
        if self.changed and not self.has_change[c]:
            self._plan(c, self.scheduler.now)

    def counts(self) -> ConfigurationCounts:
        """The final record, read from the event record once the run has ended."""
        log = self.log
        kinds = log.launch_kinds()
        n = len(kinds)
        after = (log.launch_product[:n] == self.product) & (log.launch_time[:n] >= self.changed_at)
        stopped = int(np.count_nonzero(kinds == FORBIDDEN))
        return ConfigurationCounts(
            changed_at=self.changed_at,
            downloaded_at=np.asarray(self.downloaded_at, dtype=float),
            installed=np.asarray(self.install, dtype=float) < self.until,
            stopped=stopped,
            let_through=int(np.count_nonzero(after)) - stopped,
        )
