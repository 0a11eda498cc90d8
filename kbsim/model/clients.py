"""The clients and their metering agents: launches, licence requests, retries, failover.

Every client has an operating system, a home server (Q198706: picked at
random from the site's list), a current server and a clock offset. Its agent
launches metered programs (Poisson arrivals, exponential run times).

* **Offline mode** (the product's default): the agent never asks for a
  licence; it writes each run to its local log and uploads the log at its
  configuration polls (see :mod:`kbsim.model.usage`).
* **Online mode**: the agent asks its current server for a licence at every
  launch; the server grants it or denies it.

When the current server does not answer (Q226827):

* ``failover="immediate"`` (SMS 2.0 as shipped): the client moves at once to
  the next server in its list that answers, whatever its retry settings; that
  server may hold no licence to spare, so denials follow until balancing.
* ``failover="after_retries"`` (as configured): the client meters locally
  (its programs run and go into the offline log) and retries its own server
  ``retries`` times, ``retry_delay_min`` apart; only then does it move on.
* If no server answers at all, the client keeps trying without end: every
  ``retry_delay_min`` as configured, or every ``no_server_retry_s`` under the
  immediate-failover bug. Every attempt is counted.
* A Windows 95/98 client installed less than one CCIM cycle ago knows only the
  server it first bound to (Q212894). Its CCIM clock starts at its install
  (``install_h``, ``install_spread_h``) and runs every ``ccim_interval_h``; a
  restart runs a cycle at once and the clock counts from it. Until its first
  cycle or restart, a client whose server fails keeps retrying that one server
  every ``win9x_retry_s`` (its own cadence, whatever ``failover`` says); its
  user restarts ``restart_after_h`` after the failure if ``users_restart``.
  The cycle (or restart) re-reads the server list and rebinds it to one that
  answers. From then on it knows every server and fails over like Windows NT.
  A reinstall (Q213261's workaround) is an install: the client is bound again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from heapq import heappush
from typing import Any, Protocol

import numpy as np

from .events import RELEASE, Scheduler
from .launches import Launches
from .licenses import LicenseLedger
from .outages import ServersUp
from .parameters import Params
from .record import DENY, EVENT_KINDS, GRANT, LOGGED_LOCALLY, EventLog, launch_outcome

#: A launch's row when it runs unmetered by any server (offline mode, or stranded): logged locally, no server.
NO_SERVER_LOGGED = launch_outcome(LOGGED_LOCALLY, -1)


class ClientMoves(Protocol):
    """What must know of a client's moves and its callback runs: Q226838's phantoms
    (:class:`kbsim.model.phantoms.PhantomLicences`); ``applies`` says whether it needs to be told."""

    applies: bool

    def client_moved(self, c: int, old: int, new: int, release: Callable[[int], None]) -> None: ...

    def callback_run(self, c: int, key: int, end: float) -> None: ...


class CallbackRequests(Protocol):
    """Where a refused user may ask for a callback (:meth:`kbsim.model.callbacks.Callbacks.refused`)."""

    def refused(self, launch: int, client: int, key: int) -> None: ...


@dataclass(frozen=True)
class AgentCounts:
    """What the client agents hand over when the run has ended: their counts, and the per-client and
    per-event arrays the report reads (minutes since the start). Q226827, Q212894, Q213261.

    ``granted`` is per client the sessions reported to a server at once (online grants and answered
    callbacks); ``home`` each client's home server; ``knows_all_at`` each client's first CCIM cycle or
    restart since its last install (-inf for Windows NT); ``logged_*`` the runs written to offline logs
    and ``refused_*`` the requests refused at once, in time order; ``loss_client`` and ``loss_h`` each
    loss of a client's server and its recovery in hours (:meth:`ClientAgents.recovery_h`).
    """

    grants: int
    denials: int
    logged_locally: int
    failovers: int
    attempts: int
    attempts_no_server: int
    granted: np.ndarray
    home: np.ndarray
    knows_all_at: np.ndarray
    logged_time: np.ndarray
    logged_client: np.ndarray
    refused_time: np.ndarray
    refused_server: np.ndarray
    refused_product: np.ndarray
    loss_client: np.ndarray
    loss_h: np.ndarray


class ClientAgents:
    """Every client's agent, as columns (lists indexed by client) for speed.

    The agents reach the rest of the site through what they are given: the ``scheduler`` (clock and
    calendar), the event ``log``, the licence ``ledger`` (where a server's refusals are counted for
    License Metering), which ``servers`` are up and the ``callbacks`` a refused user may ask for.
    ``reinstall_at`` is the minute of the skewed clients' reinstall (inf: none), ``until`` the run's end;
    ``started(c)``, if given, is called when client ``c`` starts again (a restart or a reinstall: Q263023's download
    of the configuration at boot, :class:`kbsim.model.configuration.ClientConfiguration`).
    """

    #: Whether a stranded client's failing retries are recorded in one go (:meth:`_fail_retries`); False runs
    #: each from the calendar, one at a time, which must give the same run (tests compare the two).
    batch_retries = True
    #: Whether the common launch is handled by the inlined closure of :meth:`online_launches`; False sends every
    #: launch through :meth:`launch_online`, which must give the same run (tests compare the two).
    inline_launches = True

    def __init__(
        self,
        params: Params,
        launches: Launches,
        home: np.ndarray,
        win9x: np.ndarray,
        install_min: np.ndarray,
        server_order: list[list[int]],
        *,
        scheduler: Scheduler,
        log: EventLog,
        ledger: LicenseLedger,
        servers: ServersUp,
        callbacks: CallbackRequests,
        phantoms: ClientMoves | None = None,
        started: Callable[[int], None] | None = None,
        reinstall_at: float,
        until: float,
    ) -> None:
        self.scheduler = scheduler
        self.started = started  # told when a client starts again (a restart, a reinstall): it fetches its configuration
        self.log = log
        self.servers = servers
        self.callbacks = callbacks
        self.phantoms = phantoms if phantoms is not None and phantoms.applies else None
        self.reinstall_at = reinstall_at
        self.until = until
        n = params.n_clients
        self.n_servers = params.n_servers
        self.immediate = params.failover == "immediate"
        self.retries = params.retries
        self.retry_every_min = params.retry_every_min
        self.win9x_retry_min = params.win9x_retry_s / 60
        self.ccim_interval_min = params.ccim_interval_h * 60
        self.restart_after_min = params.restart_after_h * 60 if params.users_restart else float("inf")
        self.home = home.tolist()
        self.server = home.tolist()
        self.server_order = server_order  # each client's list of servers, home first (Q198706)
        self.bound = np.bincount(home, minlength=params.n_servers).tolist()  # clients per current server
        self.win9x = win9x.tolist()
        # Q212894: the CCIM clock counts from the install or the last restart (minutes since the run's start).
        self.ccim_anchor = install_min.tolist()
        # From this minute the client knows every server: its first CCIM cycle or restart (NT: always).
        self.knows_all_at = np.where(win9x, install_min + self.ccim_interval_min, -np.inf).tolist()
        self.restarts = 0
        self.stranded = [False] * n  # metering locally while it retries
        self.episode = [0] * n  # bumps at each reconnection, so stale retries lapse
        self.ccim_at = [float("inf")] * n  # when a stranded bound client's CCIM cycle or restart is due (inf: none)
        self.called_back = [0] * n  # sessions started when a callback was answered
        self.failovers = 0
        self.contacts = 0  # connection attempts other than a launch's ask of its own server when that answers
        self.requests_elsewhere = 0  # requests made to another server after a failover at the launch
        self.attempts_no_server = 0
        # The hot path's state, held here so that a launch costs few lookups: the launches' columns,
        # the servers' state and the ledger's lists (all mutated in place, never replaced).
        self.launch_client = launches.client
        self.launch_product = launches.product
        self.launch_duration = launches.duration
        self.up = servers.up
        self.n_products = ledger.n_products
        self.free = ledger.free
        self.in_use = ledger.in_use
        self.refusals = ledger.refusals
        self.outcomes = log.outcomes
        self.callbacks_asked = params.callback_share > 0

    # --- what the launches did, counted from the event record --------------------------------------

    @property
    def attempts(self) -> int:
        """Every connection attempt: each launch's ask of its own server when it answered (a request that
        was not made after a failover), and every other attempt, counted as it was made."""
        return self.contacts + self.requests - self.requests_elsewhere

    @property
    def granted(self) -> np.ndarray:
        """Per client, the sessions reported to a server at once: online grants and answered callbacks."""
        log = self.log
        kinds = log.launch_kinds()
        clients = log.launch_client[: len(kinds)][kinds == GRANT]
        return np.bincount(clients, minlength=len(self.called_back)) + np.asarray(self.called_back, dtype=np.int64)

    @property
    def grants(self) -> int:
        """Requests granted at once (online)."""
        return int(self.log.launch_counts()[GRANT])

    @property
    def denials(self) -> int:
        """Requests refused (online)."""
        return int(self.log.launch_counts()[DENY])

    @property
    def logged_locally(self) -> int:
        """Launches no server was asked for: metered locally into the client's offline log."""
        return int(self.log.launch_counts()[LOGGED_LOCALLY])

    @property
    def requests(self) -> int:
        """Licence requests a server answered (online): grants and refusals."""
        counts = self.log.launch_counts()
        return int(counts[GRANT] + counts[DENY])

    def local_log(self) -> tuple[np.ndarray, np.ndarray]:
        """The runs written to clients' offline logs: (minutes, client), in time order."""
        log = self.log
        logged = np.flatnonzero(log.launch_kinds() == LOGGED_LOCALLY)
        return log.launch_time[logged], log.launch_client[logged]

    def refused_requests(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The requests refused at once (online): (minutes, server, product) of each, in time order."""
        log = self.log
        outcomes = np.frombuffer(log.outcomes, dtype=np.int8) if len(log.outcomes) else np.zeros(0, dtype=np.int8)
        refused = np.flatnonzero(outcomes & 3 == DENY)
        return log.launch_time[refused], (outcomes[refused] >> 2).astype(np.int64) - 1, log.launch_product[refused]

    def recovery_h(self) -> tuple[np.ndarray, np.ndarray]:
        """Every loss of a client's server and how long the client took to recover from it, from the event record.

        Q226827, Q212894: a loss starts at a launch whose server does not answer (``contact_failed``)
        and ends when the client is connected to a server that answers: its failover (at once when
        another server answers, 0 h), its rebind at a CCIM cycle or restart, or its reconnect after
        retries. A client still cut off at the run's end counts up to the end. Returns (client, hours)
        per loss, in the order the losses began.
        """
        log = self.log
        codes = {kind: code for code, kind in enumerate(EVENT_KINDS)}
        kind = np.frombuffer(log.kind, dtype=np.int8) if len(log.kind) else np.zeros(0, dtype=np.int8)
        time = np.frombuffer(log.time, dtype=np.float64) if len(log.time) else np.zeros(0)
        client = np.array(log.client, dtype=np.int64)
        lost = kind == codes["contact_failed"]
        back = np.isin(kind, [codes["failover"], codes["rebind"], codes["reconnect"]])
        rows = np.flatnonzero(lost | back)
        # By client, then time, then the order recorded (a failover at the launch follows its failed contact).
        rows = rows[np.lexsort((rows, time[rows], client[rows]))]
        is_back = back[rows]
        starts = np.flatnonzero(~is_back)
        ends = np.flatnonzero(is_back)
        # Losses never overlap (a client cut off asks no server at its launches), so each ends at the
        # first recovery after it of the same client, if there is one.
        nxt = np.searchsorted(ends, starts)
        end_at = np.full(len(starts), self.until)
        has = nxt < len(ends)
        same = np.zeros(len(starts), dtype=bool)
        same[has] = client[rows[ends[nxt[has]]]] == client[rows[starts[has]]]
        end_at[same] = time[rows[ends[nxt[same]]]]
        start_rows = rows[starts]
        order = np.argsort(time[start_rows], kind="stable")
        hours = (end_at - time[start_rows]) / 60.0
        return client[start_rows][order], hours[order]

    def counts(self) -> AgentCounts:
        """The agents' final counts and arrays, read from the event record once the run has ended."""
        logged_time, logged_client = self.local_log()
        refused_time, refused_server, refused_product = self.refused_requests()
        loss_client, loss_h = self.recovery_h()
        return AgentCounts(
            grants=self.grants,
            denials=self.denials,
            logged_locally=self.logged_locally,
            failovers=self.failovers,
            attempts=self.attempts,
            attempts_no_server=self.attempts_no_server,
            granted=self.granted,
            home=np.asarray(self.home),
            knows_all_at=np.asarray(self.knows_all_at),
            logged_time=logged_time,
            logged_client=logged_client,
            refused_time=refused_time,
            refused_server=refused_server,
            refused_product=refused_product,
            loss_client=loss_client,
            loss_h=loss_h,
        )

    # --- launches -------------------------------------------------------------------------------

    def launch_offline(self, i: int) -> None:
        """Offline mode: the run goes into the local log; no server is asked."""
        self.outcomes.append(NO_SERVER_LOGGED)

    def online_launches(self) -> Callable[[int], None]:
        """The handler of every launch in online mode: ``handler(i)`` asks for launch ``i``'s licence.

        The common launch (its server answers and the client is not stranded) is handled here,
        inline, with the state it needs held in the closure: a launch is most of a run's work.
        Anything else goes to :meth:`launch_online`, which does what a launch does in full.
        """
        if not self.inline_launches:
            return self.launch_online
        launch_client, launch_product, launch_duration = self.launch_client, self.launch_product, self.launch_duration
        server, up, stranded = self.server, self.up, self.stranded
        free, in_use, n_p = self.free, self.in_use, self.n_products
        record = self.outcomes.append
        granted = [launch_outcome(GRANT, s) for s in range(self.n_servers)]
        refused = [launch_outcome(DENY, s) for s in range(self.n_servers)]
        scheduler = self.scheduler
        heap, order = scheduler.calendar()
        release, refusals = self._release, self.refusals
        callbacks = self.callbacks if self.callbacks_asked else None
        slow = self.launch_online

        def launch(i: int) -> None:
            c = launch_client[i]
            s = server[c]
            if not up[s] or stranded[c]:
                slow(i)
                return
            k = s * n_p + launch_product[i]
            if free[k] > 0:
                free[k] -= 1
                in_use[k] += 1
                record(granted[s])
                now = scheduler.now
                heappush(heap, (now + launch_duration[i], RELEASE, next(order), release, k))  # Scheduler.schedule
            else:
                record(refused[s])
                refusals[k] += 1  # what LicenseLedger.refuse records, inline
                if callbacks is not None:
                    callbacks.refused(i, c, k)

        return launch

    def launch_online(self, i: int) -> None:
        """Online mode: ask the current server for a licence, failing over as the policy says.

        In a run the inlined closure of :meth:`online_launches` handles the common launch itself, so the
        first branch below (the client's own server answers) runs only with ``inline_launches`` False: it is
        the readable path the closure is checked against (tests/test_fast_paths.py)."""
        c = self.launch_client[i]
        if self.stranded[c]:
            self._log_locally()
            return
        s = self.server[c]
        if self._contact(s):
            self.contacts -= 1  # an answered ask of its own server is counted with the requests
            self._request(i, c, s)
            return
        now = self.scheduler.now
        other = self._first_answering(c) if self.immediate and not self.knows_one_server(c, now) else -1
        if other >= 0:
            self.log.add(now, "contact_failed", c, s, self.launch_product[i])
            self._move(c, other, "failover", reason="first failure", from_server=s)
            self.requests_elsewhere += 1
            self._request(i, c, other)
            return
        delay = self.retry_every(c, now)
        # the cadence it will retry at, recorded where the retry is scheduled (Liccli.log's "Will try again")
        self.log.add(now, "contact_failed", c, s, self.launch_product[i], minutes=delay)
        self._strand(c, delay)
        self._log_locally()

    def _request(self, i: int, c: int, s: int) -> None:
        """Ask server ``s`` for a licence: granted if it holds a free one, else refused (and perhaps a callback)."""
        k = s * self.n_products + self.launch_product[i]
        if self.free[k] > 0:
            self._start(i, c, k, self.scheduler.now)
            self.outcomes.append((s + 1) * 4 + GRANT)
        else:
            self._refuse(i, c, s, k)

    def _refuse(self, i: int, c: int, s: int, k: int) -> None:
        """Server ``s`` has no free licence at key ``k``: the request is refused; License Metering sees it at its
        next cycle, and the user may ask for a callback."""
        self.outcomes.append((s + 1) * 4 + DENY)
        self.refusals[k] += 1  # LicenseLedger.refuse
        if self.callbacks_asked:
            self.callbacks.refused(i, c, k)

    def start_called_back(self, i: int, c: int, s: int, p: int) -> None:
        """A callback answered: the user starts launch ``i`` now on server ``s``, with a licence it holds free."""
        now = self.scheduler.now
        self.log.add(now, "callback_granted", c, s, p)
        self._start(i, c, s * self.n_products + p, now)
        self.called_back[c] += 1
        if self.phantoms is not None:
            self.phantoms.callback_run(c, s * self.n_products + p, now + self.launch_duration[i])

    def _start(self, i: int, c: int, k: int, now: float) -> None:
        self.free[k] -= 1
        self.in_use[k] += 1
        self.scheduler.schedule(now + self.launch_duration[i], self._release, k, RELEASE)

    def _release(self, k: int) -> None:
        self.free[k] += 1
        self.in_use[k] -= 1

    def _log_locally(self) -> None:
        """The launch under way runs unmetered by any server: it goes into its client's offline log."""
        self.outcomes.append(NO_SERVER_LOGGED)

    # --- which servers a client knows (Q212894) ---------------------------------------------------

    def knows_one_server(self, c: int, now: float) -> bool:
        """Whether client ``c`` knows only one server at minute ``now``: Windows 95/98 before its first
        CCIM cycle or restart since install (Q212894)."""
        return now < self.knows_all_at[c]

    def next_ccim_min(self, c: int, now: float) -> float:
        """Client ``c``'s next CCIM cycle after minute ``now``: every ``ccim_interval_h`` from its install
        or its last restart, whichever came later."""
        anchor, interval = self.ccim_anchor[c], self.ccim_interval_min
        return anchor + (np.floor((now - anchor) / interval) + 1) * interval

    def retry_every(self, c: int, now: float) -> float:
        """Minutes between client ``c``'s retries at ``now``: its own Windows 95/98 cadence while bound,
        else the Windows NT one (``Params.retry_every_min``)."""
        return self.win9x_retry_min if self.knows_one_server(c, now) else self.retry_every_min

    def reinstall(self, c: int) -> None:
        """The client software removed and installed again now (Q213261's workaround): the CCIM clock
        starts again, and a Windows 95/98 client knows one server until its next cycle."""
        now = self.scheduler.now
        self.ccim_anchor[c] = now
        if self.win9x[c]:
            self.knows_all_at[c] = now + self.ccim_interval_min
            if self.stranded[c]:
                self._schedule_wake(c)
        if self.started is not None:
            self.started(c)

    def _schedule_wake(self, c: int) -> None:
        """A stranded bound client: its next CCIM cycle, or its user's restart if that comes first."""
        now = self.scheduler.now
        restart = now + self.restart_after_min
        ccim = self.next_ccim_min(c, now)
        self.ccim_at[c] = min(ccim, restart)
        self.scheduler.schedule(self.ccim_at[c], self._wake, (c, self.episode[c], restart < ccim))

    def _wake(self, argument: tuple[int, int, bool]) -> None:
        """A stranded bound client's CCIM cycle or restart: it re-reads the server list (Q212894)."""
        c, episode, restart = argument
        now = self.scheduler.now
        if episode != self.episode[c] or not self.stranded[c] or now != self.ccim_at[c]:
            return  # it reconnected, or a reinstall moved its cycle
        self.ccim_at[c] = float("inf")
        if restart:
            self.restarts += 1
            self.ccim_anchor[c] = now  # a restart runs a cycle; the next one is counted from it
            self.log.add(now, "restart", c, self.server[c], -1)
            if self.started is not None:
                self.started(c)
        self.knows_all_at[c] = now
        s = self.server[c]
        if self._contact(s):
            self._reconnect(c, s)
            return
        other = self._first_answering(c)
        if other >= 0:
            self._move(c, other, "rebind", reason="restart" if restart else "CCIM cycle")
            self._reconnect(c, other)
        # else: nobody answers; its retries go on, now as a client that knows every server

    # --- contact, retries, failover -------------------------------------------------------------

    def _contact(self, s: int) -> bool:
        """One connection attempt to server ``s``: counted, and whether it answered."""
        self.contacts += 1
        if self.servers.n_up == 0:
            self.attempts_no_server += 1
        return self.up[s]

    def _first_answering(self, c: int) -> int:
        """The next server after the current one in the client's own list that answers; -1 if none does.

        Each client holds the site's servers in an order it picked at random (Q198706), so
        clients that fail over from one server spread over the others.
        """
        order = self.server_order[c]
        at = order.index(self.server[c])
        for step in range(1, self.n_servers):
            s = order[(at + step) % self.n_servers]
            if self._contact(s):
                return s
        return -1

    def _move(self, c: int, s: int, kind: str, **facts: Any) -> None:
        old = self.server[c]
        self.failovers += 1
        self.bound[old] -= 1
        self.bound[s] += 1
        self.server[c] = s
        self.log.add(self.scheduler.now, kind, c, s, -1, **facts)
        if self.phantoms is not None:  # Q226838: the programs it has running leave their licences on ``old``
            self.phantoms.client_moved(c, old, s, self._release)

    def _strand(self, c: int, delay: float) -> None:
        """The client meters locally from now and retries ``delay`` minutes on (:meth:`retry_every`)."""
        self.stranded[c] = True
        now = self.scheduler.now
        self.scheduler.schedule(now + delay, self._retry, (c, 1, self.episode[c]))
        if self.knows_one_server(c, now):
            self._schedule_wake(c)

    def _retry(self, argument: tuple[int, int, int]) -> None:
        c, attempt, episode = argument
        if episode != self.episode[c]:
            return
        s = self.server[c]
        if self._contact(s):
            self._reconnect(c, s)
            return
        if not self.knows_one_server(c, self.scheduler.now) and (self.immediate or attempt >= self.retries):
            other = self._first_answering(c)
            if other >= 0:
                self._move(c, other, "failover", reason="retries", from_server=s, attempt=attempt)
                self._reconnect(c, other)
                return
        self._fail_retries(c, s, attempt, episode)

    def _fail_retries(self, c: int, s: int, attempt: int, episode: int) -> None:
        """Record this failed retry and every later one that must fail alike; schedule the next real one.

        Until the next outage boundary (any server), this client's CCIM cycle or restart, or the
        run's end, nothing this client meets can change: its server stays down, the others stay
        as they are, it stays stranded and bound (or not). Each retry in that window fails exactly as this one did, so
        they are recorded here, attempts counted as ``_contact`` would, instead of one
        calendar entry each: a Windows 95/98 client retrying every minute for a day (Q212894)
        costs a few appends. A retry that could move the client to another server that is up
        (an NT client once its retries are spent) ends the window, and the calendar takes over.
        The result is the same, event for event, as running each retry from the calendar.
        """
        now = self.scheduler.now
        reinstall = self.reinstall_at if now < self.reinstall_at else float("inf")  # the skewed clients' reinstall
        horizon = min(self.servers.next_state_change(now), self.ccim_at[c], reinstall, self.until)
        delay = self.retry_every(c, now)
        stays = self.knows_one_server(c, now)
        nobody_up = self.servers.n_up == 0
        self.log.add(now, "retry", c, s, -1, attempt=attempt, minutes=delay)
        first = attempt + 1
        # The later retries' times, each the one before plus the delay (a running sum, as the calendar adds
        # them), enough of them to pass the horizon; those before it fail alike.
        steps = np.full(int((horizon - now) // delay) + 3, delay)
        steps[0] = now + delay
        times = np.cumsum(steps)
        count = int(np.searchsorted(times, horizon, side="left"))
        # From the attempt that tries the other servers on, an NT client's retry could fail over to one that
        # is up: the window ends there, and that retry is a real calendar entry.
        others_from = first if self.immediate else max(first, self.retries)  # first attempt trying others
        if not stays and not nobody_up:
            count = min(count, others_from - first)
        if not self.batch_retries:
            count = 0  # every later retry from the calendar, one at a time
        trying_others = 0 if stays else max(0, first + count - others_from)
        contacts = count + trying_others * (self.n_servers - 1)
        self.contacts += contacts
        if nobody_up:
            self.attempts_no_server += contacts
        self.log.extend(
            times[:count],
            "retry",
            np.full(count, c),
            s,
            -1,
            attempt=np.arange(first, first + count),
            minutes=delay,
        )
        self.scheduler.schedule(float(times[count]), self._retry, (c, first + count, episode))

    def _reconnect(self, c: int, s: int) -> None:
        self.stranded[c] = False
        self.episode[c] += 1
        # The episode's CCIM cycle or restart will not come: a later episode must not read it as its own.
        self.ccim_at[c] = float("inf")
        self.log.add(self.scheduler.now, "reconnect", c, s, -1)
