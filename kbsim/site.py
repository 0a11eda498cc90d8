"""One SMS 2.0 site: site server, metering servers, products and licences, clients.

:class:`Site` owns the clock (a :class:`~kbsim.events.Scheduler` in minutes
since ``start``) and the state; each mechanism lives in its own module and
is wired here: the agents (:mod:`kbsim.clients`), balancing
(:mod:`kbsim.balancing`), service health (:mod:`kbsim.service`) and offline
uploads (:mod:`kbsim.usage`). :func:`simulate` runs one site and returns a
:class:`~kbsim.result.Result`.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right

import numpy as np
import pandas as pd

from .balancing import Balancer
from .callbacks import Callbacks
from .clients import ClientAgents
from .events import OBSERVE, STATE, Scheduler
from .licenses import LicenseLedger
from .parameters import Params
from .record import EventLog, clock
from .result import Result
from .service import RUNNING, STOPPED, ServiceMonitor
from .usage import NEVER, settle_uploads, upload_blocked_until

#: How often the licence levels are sampled into ``Result.licenses``.
LICENSE_SAMPLE_MIN = 15.0
#: Server number of the site server's reserve pool in ``Result.licenses``.
SITE_RESERVE = -1
#: Random streams, one per mechanism, so a change in one does not shift the others.
STREAMS = ("clients", "launches", "products", "durations", "phases", "server_lists", "callbacks")


def home_servers(params: Params, rng: np.random.Generator) -> np.ndarray:
    """Each client's home server: ``demand_skew`` of them on server 0, the rest evenly on the others."""
    n, servers = params.n_clients, params.n_servers
    if servers == 1:
        return np.zeros(n, dtype=np.int64)
    on_zero = round(params.demand_skew * n)
    rest = np.arange(n - on_zero) % (servers - 1) + 1
    return rng.permutation(np.concatenate([np.zeros(on_zero, dtype=np.int64), rest]))


def server_lists(home: np.ndarray, n_servers: int, rng: np.random.Generator) -> list[list[int]]:
    """Each client's list of servers: its home first, then the others in an order of its own (Q198706)."""
    others = np.argsort(rng.random((len(home), n_servers)), axis=1)
    return [[h] + [s for s in row if s != h] for h, row in zip(home.tolist(), others.tolist())]


def chosen(n: int, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """A mask of exactly ``round(fraction * n)`` clients, picked at random."""
    mask = np.zeros(n, dtype=bool)
    mask[rng.permutation(n)[: round(fraction * n)]] = True
    return mask


def launch_times(params: Params, home: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Every launch in the run: (minutes since start, client), sorted by time.

    Each client launches ``launches_per_day`` times a day on average (Poisson).
    With ``office_hours`` the launches fall between 08:00 and 18:00 of the
    client's office, which opens ``timezone_shift_h`` later per server number.
    """
    until = params.days * 1440.0
    start_of_day = params.start.hour * 60 + params.start.minute + params.start.second / 60
    n_days = params.days + (1 if start_of_day else 0)
    counts = rng.poisson(params.launches_per_day, size=(params.n_clients, n_days))
    client = np.repeat(np.arange(params.n_clients), counts.sum(axis=1))
    day = np.repeat(np.tile(np.arange(n_days), params.n_clients), counts.ravel())  # client by client, day by day
    if params.office_hours:
        opens = 8 * 60 + params.timezone_shift_h * 60 * home[client]
        in_day = (opens + rng.random(len(client)) * 600) % 1440
    else:
        in_day = rng.random(len(client)) * 1440
    minutes = day * 1440.0 - start_of_day + in_day
    keep = (minutes >= 0) & (minutes < until)
    minutes, client = minutes[keep], client[keep]
    order = np.argsort(minutes, kind="stable")
    return minutes[order], client[order]


def _typed(code: str, values: np.ndarray) -> array:
    """``values`` as an array of type ``code``: indexed like a list, at the size of its numbers."""
    column = array(code)
    column.frombytes(np.ascontiguousarray(values, dtype=np.dtype(code)).data.cast("B"))
    return column


class Site:
    """The state of one site during a run, and the wiring between its mechanisms."""

    def __init__(self, params: Params) -> None:
        self.params = params
        self.until = params.days * 1440.0
        self.scheduler = Scheduler()
        self.log = EventLog()
        seeds = np.random.SeedSequence(params.seed).spawn(len(STREAMS))
        rng = {name: np.random.default_rng(s) for name, s in zip(STREAMS, seeds)}

        n = params.n_clients
        home = home_servers(params, rng["clients"])
        self.win9x = chosen(n, params.win9x_fraction, rng["clients"])
        self.skewed = chosen(n, params.skewed_fraction, rng["clients"])
        self.clock_lag_min = np.where(self.skewed, params.clock_offset_min, 0.0)
        self.poll_phase_min = rng["phases"].random(n) * params.config_poll_min
        self.install_min = (params.install_h + rng["phases"].random(n) * params.install_spread_h) * 60
        # Q213261's workaround, on the skewed clients: remove and reinstall the client software.
        self.reinstall_at = params.reinstall_h * 60 if params.reinstall_h * 60 < self.until else NEVER
        self.reinstall_min = np.where(self.skewed & (self.install_min < self.reinstall_at), self.reinstall_at, NEVER)

        times, clients = launch_times(params, home, rng["launches"])
        products = rng["products"].integers(0, params.n_products, len(times))
        durations = rng["durations"].exponential(params.mean_session_min, len(times))
        installed = times >= self.install_min[clients]  # a client meters nothing before its install
        if not installed.all():  # (no copy of every launch when all are kept)
            times, clients, products, durations = (x[installed] for x in (times, clients, products, durations))
        self.set_launches(times, clients, products, durations)

        self.up = [True] * params.n_servers
        # Every minute at which a server may go down or come back, for clients that wait for one.
        self.state_changes = sorted(
            {t for _, start_h, minutes in params.outages for t in (start_h * 60, start_h * 60 + minutes)}
        )
        self.servers_up = params.n_servers
        self._down_depth = [0] * params.n_servers
        self.all_down: list[tuple[float, float]] = []
        self._all_down_since = 0.0
        self.odbc_reachable = [s not in params.unreachable_servers for s in range(params.n_servers)]

        clients_per_server = np.bincount(home, minlength=params.n_servers).astype(float)
        self.ledger = LicenseLedger(
            params.n_servers, params.n_products, params.licenses, params.reserve_pct, clients_per_server.tolist()
        )
        self.agents = ClientAgents(
            self, home, self.win9x, self.install_min, server_lists(home, params.n_servers, rng["server_lists"])
        )
        self.balancer = Balancer(self)
        self.callbacks = Callbacks(self, rng["callbacks"])
        self.service = ServiceMonitor(self)
        self.samples: list[tuple[float, list[int], list[int], list[int], list[bool], list[int]]] = []

    def set_launches(self, times: np.ndarray, clients: np.ndarray, products: np.ndarray, durations: np.ndarray) -> None:
        """Every launch of the run, sorted by time: minutes, client, product and run time (minutes).

        Each column is a typed array (a launch holds 22 bytes, not four Python objects); the
        event record reads the same memory to build each launch's own row.
        """
        self.launch_time = _typed("d", times)
        self.launch_client = _typed("i", clients)
        self.launch_product = _typed("h", products)
        self.launch_duration = _typed("d", durations)
        self.log.set_launches(
            np.frombuffer(self.launch_time, dtype=np.float64),
            np.frombuffer(self.launch_client, dtype=np.int32),
            np.frombuffer(self.launch_product, dtype=np.int16),
        )
        if hasattr(self, "agents"):
            self.agents.read_launches()

    # --- outages (Q226827) ----------------------------------------------------------------------

    def _outage_start(self, server: int) -> None:
        now = self.scheduler.now
        self._down_depth[server] += 1
        if self._down_depth[server] == 1:
            self.up[server] = False
            self.servers_up -= 1
            if self.servers_up == 0:
                self._all_down_since = now
            self.log.add(now, "outage_start", -1, server, -1)
            self.service.set_state(server, STOPPED, "offline")

    def _outage_end(self, server: int) -> None:
        now = self.scheduler.now
        self._down_depth[server] -= 1
        if self._down_depth[server] == 0:
            if self.servers_up == 0:
                self.all_down.append((self._all_down_since, now))
            self.up[server] = True
            self.servers_up += 1
            self.log.add(now, "outage_end", -1, server, -1)
            self.service.set_state(server, RUNNING, "back online")

    def next_state_change(self, now: float) -> float:
        """The first minute after ``now`` at which a server may go down or come back (inf if none)."""
        i = bisect_right(self.state_changes, now)
        return self.state_changes[i] if i < len(self.state_changes) else float("inf")

    def next_reinstall(self, now: float) -> float:
        """The minute of the skewed clients' reinstall if it is still to come after ``now`` (inf if not)."""
        return self.reinstall_at if now < self.reinstall_at else NEVER

    def _sample(self, _: object = None) -> None:
        ledger = self.ledger
        self.samples.append(
            (self.scheduler.now, ledger.free[:], ledger.in_use[:], ledger.reserve[:], self.up[:], self.agents.bound[:])
        )
        nxt = self.scheduler.now + LICENSE_SAMPLE_MIN
        if nxt <= self.until:
            self.scheduler.schedule(nxt, self._sample, priority=OBSERVE)

    # --- the run --------------------------------------------------------------------------------

    def run(self) -> None:
        scheduler, params = self.scheduler, self.params
        for server, start_h, minutes in params.outages:
            scheduler.schedule(start_h * 60, self._outage_start, server, STATE)
            scheduler.schedule(start_h * 60 + minutes, self._outage_end, server, STATE)
        if self.reinstall_at < self.until:
            for c in np.flatnonzero(self.reinstall_min < self.until).tolist():
                scheduler.schedule(self.reinstall_at, self.agents.reinstall, c, STATE)
        self.balancer.start()
        self.service.start()
        scheduler.schedule(0.0, self._sample, priority=OBSERVE)
        on_launch = self.agents.online_launches() if params.mode == "online" else self.agents.launch_offline
        scheduler.run(self.until, self.launch_time, on_launch)
        if self.servers_up == 0:
            self.all_down.append((self._all_down_since, self.until))
        self.callbacks_waiting = self.callbacks.close(self.until)
        if not self.samples or self.samples[-1][0] < self.until:
            self._sample()


def simulate(params: Params) -> Result:
    """Run one site for ``params.days`` days and return its Result."""
    site = Site(params)
    site.run()
    return _result(site)


def _result(site: Site) -> Result:
    params, agents = site.params, site.agents
    start = pd.Timestamp(params.start)
    blocked_until = upload_blocked_until(
        site.install_min,
        site.clock_lag_min,
        params.clock_threshold_min,
        params.service_pack,
        params.clock_sync_h * 60,
        site.reinstall_min,
    )
    logged_time, logged_client = agents.local_log()
    uploads = settle_uploads(
        logged_time,
        logged_client,
        params.n_clients,
        site.poll_phase_min,
        params.config_poll_min,
        site.until,
        blocked_until,
        site.reinstall_min,
        site.all_down,
    )
    _log_clock_workaround(site, uploads.lost)
    site.log.extend(uploads.upload_time, "upload", uploads.upload_client, -1, -1, runs=uploads.upload_count)
    site.log.extend(
        uploads.refused_time,
        "upload_refused",
        uploads.refused_client,
        -1,
        -1,
        runs=uploads.refused_count,
        minutes=site.clock_lag_min[uploads.refused_client],
    )

    granted = np.asarray(agents.granted)
    usage = pd.DataFrame(
        {
            "client": np.arange(params.n_clients),
            "os": np.where(site.win9x, "Windows 95/98", "Windows NT"),
            "home_server": np.asarray(agents.home),
            "clock_offset_min": site.clock_lag_min,
            "sessions": granted + uploads.logged,
            "reported": granted + uploads.reported,
            "pending": uploads.pending,
            "unreported": uploads.unreported,
            "lost_at_reinstall": uploads.lost,
            "first_ccim_h": np.where(site.win9x, np.asarray(agents.knows_all_at) / 60.0, np.nan),
        }
    )
    licenses = _license_table(site, start)
    status = pd.DataFrame(site.service.status, columns=["minutes", "server", "message_id", "text"])
    minutes = status.pop("minutes").to_numpy(dtype=float)
    status.insert(0, "time", clock(start, minutes))
    status.insert(1, "hours", minutes / 60.0)

    imbalance = _imbalance(site)
    grants, denials = agents.grants, agents.denials
    summary = {
        "requests": grants + denials,
        "grants": grants,
        "denials": denials,
        "denial_rate": denials / (grants + denials) if grants + denials else 0.0,
        "failovers": agents.failovers,
        "connection_attempts": agents.attempts,
        "attempts_no_server": agents.attempts_no_server,
        "balancing_cycles": site.balancer.cycles,
        "instant_balancings": site.balancer.instant_balancings,
        "metering_busy_pct": round(100 * site.balancer.busy_min / site.until, 1),
        "balancing_delay_min": float(np.mean(site.balancer.cycle_delays)) if site.balancer.cycle_delays else 0.0,
        "licenses_moved": site.balancer.licenses_moved,
        "callbacks": site.callbacks.asked,
        "callbacks_granted": site.callbacks.granted,
        "callbacks_lapsed": site.callbacks.lapsed,
        "callback_wait_min": float(np.mean(site.callbacks.waits_min)) if site.callbacks.waits_min else float("nan"),
        "callbacks_waiting": site.callbacks_waiting,
        "max_imbalance": round(float(imbalance.max(initial=0.0)), 2),
        "imbalance_licence_h": round(float(imbalance.sum()) * LICENSE_SAMPLE_MIN / 60, 1),
        "sessions": int(usage["sessions"].sum()),
        "sessions_reported": int(usage["reported"].sum()),
        "sessions_pending": int(usage["pending"].sum()),
        "sessions_unreported": int(usage["unreported"].sum()),
        "sessions_lost_at_reinstall": int(usage["lost_at_reinstall"].sum()),
        "status_9406": len(status),
        "recovery_h_win9x": _median_recovery(site, site.win9x),
        "recovery_h_nt": _median_recovery(site, ~site.win9x),
    }
    return Result(
        params=params,
        summary=summary,
        events=site.log.to_frame(start),
        licenses=licenses,
        usage=usage,
        status=status,
        notes=_notes(usage, summary, params),
    )


def _log_clock_workaround(site: Site, lost: np.ndarray) -> None:
    """The skewed clients' clock correction and reinstall (Q213261), as events."""
    params, skewed = site.params, np.flatnonzero(site.skewed)
    if params.clock_sync_h * 60 < site.until and len(skewed):
        site.log.extend(
            np.full(len(skewed), params.clock_sync_h * 60),
            "clock_sync",
            skewed,
            -1,
            -1,
            minutes=params.clock_offset_min,
        )
    again = np.flatnonzero(site.reinstall_min < site.until)
    if len(again):
        site.log.extend(site.reinstall_min[again], "reinstall", again, -1, -1, runs=lost[again])


def _license_table(site: Site, start: pd.Timestamp) -> pd.DataFrame:
    ledger = site.ledger
    n_s, n_p = ledger.n_servers, ledger.n_products
    minutes = np.array([s[0] for s in site.samples])
    free = np.array([s[1] for s in site.samples]).reshape(len(minutes), n_s, n_p)
    in_use = np.array([s[2] for s in site.samples]).reshape(len(minutes), n_s, n_p)
    reserve = np.array([s[3] for s in site.samples]).reshape(len(minutes), 1, n_p)
    up = np.array([s[4] for s in site.samples]).reshape(len(minutes), n_s, 1)
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


def _imbalance(site: Site) -> np.ndarray:
    """At each licence sample, the licences held by servers beyond their share of the clients bound to them.

    For each product, the licences on the servers that are up (free or in use)
    are compared with an allocation in proportion to the clients currently
    bound to each of those servers; the imbalance is the sum of the excesses,
    i.e. how many licences would have to move to match (the worst product counts).
    """
    n_p, n_s, samples = site.ledger.n_products, site.ledger.n_servers, site.samples
    if not samples:
        return np.zeros(0)
    n = len(samples)
    held = (np.array([x[1] for x in samples], dtype=float) + np.array([x[2] for x in samples], dtype=float)).reshape(
        n, n_s, n_p
    )
    up = np.array([x[4] for x in samples], dtype=bool).reshape(n, n_s)
    bound = np.array([x[5] for x in samples], dtype=float).reshape(n, n_s)
    clients = (bound * up).sum(axis=1)  # whole numbers: exact in any order
    counted = (up.sum(axis=1) >= 2) & (clients > 0)
    share = (held * up[:, :, None]).sum(axis=1) / np.where(counted, clients, 1.0)[:, None]  # per licence, per client
    excess = np.zeros((n, n_p))
    for s in range(n_s):  # server by server, in order, as a sum over the servers up would add them
        more = excess + np.maximum(0.0, held[:, s, :] - share * bound[:, s, None])
        excess = np.where(up[:, s, None], more, excess)
    return np.where(counted, np.maximum(excess.max(axis=1), 0.0), 0.0)


def _median_recovery(site: Site, clients: np.ndarray) -> float:
    failed = np.asarray(site.agents.first_failure)[clients]
    recovered = np.asarray(site.agents.recovered)[clients]
    hit = ~np.isnan(failed)
    if not hit.any():
        return float("nan")
    waited = np.where(np.isnan(recovered[hit]), site.until, recovered[hit]) - failed[hit]
    return float(np.median(waited) / 60.0)


def _notes(usage: pd.DataFrame, summary: dict, params: Params) -> list[str]:
    notes = []
    held = usage[usage["unreported"] > 0]
    if len(held):
        synced = ""
        if params.reinstall_h < min(params.clock_sync_h, params.days * 24):
            synced = (
                f" The reinstall at {params.reinstall_h:g} h came before their clocks were set right, "
                "so it installed the same fault again."
            )
        elif params.clock_sync_h < params.days * 24:
            synced = (
                f" Setting their clocks right at {params.clock_sync_h:g} h did not help: the state was set "
                "at install, and the clients were not reinstalled after it."
            )
        notes.append(
            f"{int(held['unreported'].sum())} runs on {len(held)} clients were never uploaded: their clocks lagged the "
            f"site server by {params.clock_offset_min:g} min when their client software was installed, beyond the "
            f"{params.clock_threshold_min:g}-minute threshold (Q213261). They are still in those clients' logs.{synced}"
        )
    lost = usage[usage["lost_at_reinstall"] > 0]
    if len(lost):
        notes.append(
            f"{int(lost['lost_at_reinstall'].sum())} runs held in the offline logs of {len(lost)} clients were deleted "
            f"when their client software was removed at {params.reinstall_h:g} h (Q213261's workaround; the logs live "
            "in the client's own folder, which the removal deletes). They are counted as lost at reinstall."
        )
    if summary["sessions_pending"]:
        notes.append(
            f"{summary['sessions_pending']} runs were logged after their client's last poll and wait for the next one."
        )
    if summary["attempts_no_server"]:
        notes.append(
            f"Clients made {summary['attempts_no_server']} connection attempts while no server was up (Q226827)."
        )
    return notes
