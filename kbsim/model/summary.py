"""The summary numbers of a run, each declared once: its name, what it means and how it is computed.

:data:`SUMMARY_NUMBERS` is the one table. ``kbsim.SUMMARY`` (name -> meaning), :data:`LABELS`
(name -> label in words, for tables and axes) and ``Result.summary`` (name -> value, by
:func:`summarize`) are all read from it, in its order, so a number is added, renamed or
removed with one edit. Each number is
computed from :class:`Finished`: what the mechanisms counted and the tables built
at the end of the run.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .balancing import BalancingCounts
    from .callbacks import CallbackCounts
    from .clients import AgentCounts
    from .configuration import ConfigurationCounts
    from .phantoms import PhantomCounts
    from .remodbc import RemodbcCounts


@dataclass(frozen=True)
class Finished:
    """What a finished run leaves for its summary: the mechanisms' frozen final counts and the tables built from them.

    ``agents``, ``balancer``, ``callbacks`` and ``phantoms`` are the records the client agents, License Metering and the
    callbacks hand over at the run's end (:class:`~kbsim.model.clients.AgentCounts`,
    :class:`~kbsim.model.balancing.BalancingCounts`, :class:`~kbsim.model.callbacks.CallbackCounts`,
    :class:`~kbsim.model.phantoms.PhantomCounts`); ``until`` is
    the run's length in minutes; ``misplaced`` is the licences idle on one server while another refused them, per
    sample interval and product, and ``interval_h`` each interval's hours
    (:meth:`~kbsim.model.sampling.SampledLicences.idle_while_refused`); ``win9x`` marks the Windows 95/98 clients.
    """

    agents: AgentCounts
    balancer: BalancingCounts
    callbacks: CallbackCounts
    remodbc: RemodbcCounts
    configuration: ConfigurationCounts
    phantoms: PhantomCounts
    until: float
    usage: pd.DataFrame
    status: pd.DataFrame
    misplaced: np.ndarray
    interval_h: np.ndarray
    win9x: np.ndarray

    @property
    def grants(self) -> int:
        """Requests granted at once (online)."""
        return self.agents.grants

    @property
    def denials(self) -> int:
        """Requests refused at once (online)."""
        return self.agents.denials

    @property
    def never_served(self) -> int:
        """Requests refused whose program never ran: refused with no callback, or the callback lapsed or waits."""
        return self.denials - self.callbacks.granted

    def median_recovery_h(self, win9x: bool) -> float:
        """Median hours to recover over the losses of the Windows 95/98 (``win9x``) or Windows NT clients."""
        agents = self.agents
        hours = agents.loss_h[np.asarray(self.win9x, dtype=bool)[agents.loss_client] == win9x]
        return float(np.median(hours)) if len(hours) else float("nan")


@dataclass(frozen=True)
class SummaryNumber:
    """One summary number: its label in words, what it means, and how it is computed from a finished run."""

    label: str
    description: str
    compute: Callable[[Finished], float]


def _mean(values: Sequence[float], none: float) -> float:
    return float(np.mean(values)) if values else none


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


#: Every summary number: its label, its meaning and how it is computed. The only place a summary number is declared.
SUMMARY_NUMBERS: dict[str, SummaryNumber] = {
    "requests": SummaryNumber(
        "licence requests",
        "licence requests that reached a server (online mode): granted at once or refused",
        lambda r: r.grants + r.denials,
    ),
    "grants": SummaryNumber("requests granted at once", "requests a server granted at once", lambda r: r.grants),
    "denials": SummaryNumber(
        "requests refused",
        "requests refused at once because the server had no free licence (a callback may serve some later)",
        lambda r: r.denials,
    ),
    "denial_rate": SummaryNumber(
        "share of requests refused",
        "denials / requests (0 when there were no requests)",
        lambda r: _share(r.denials, r.grants + r.denials),
    ),
    "launches": SummaryNumber(
        "programs started by users",
        "every start of a metered program: asked of a server (online), metered locally, or stopped by its agent as a "
        "forbidden program (launches = runs served + runs never served + runs metered locally + launches stopped by "
        "the ban)",
        lambda r: r.grants + r.denials + r.agents.logged_locally + r.configuration.stopped,
    ),
    "runs_served": SummaryNumber(
        "runs served by a server",
        "requests that got a licence: granted at once, or refused and then served by a callback",
        lambda r: r.grants + r.callbacks.granted,
    ),
    "runs_never_served": SummaryNumber(
        "runs refused and never served",
        "requests refused whose program never ran: no callback asked, or the callback lapsed or was still "
        "waiting at the end (denials - callbacks_granted)",
        lambda r: r.never_served,
    ),
    "never_served_rate": SummaryNumber(
        "share of requests never served",
        "runs never served / requests (0 when there were no requests)",
        lambda r: _share(r.never_served, r.grants + r.denials),
    ),
    "runs_metered_locally": SummaryNumber(
        "runs metered locally",
        "runs no server was asked for (offline mode, or a client cut off from its server): written to the "
        "client's offline log",
        lambda r: r.agents.logged_locally,
    ),
    "failovers": SummaryNumber(
        "moves to another server",
        "times a client moved to another server after failing to reach its own (failover, or a Windows 95/98 rebind)",
        lambda r: r.agents.failovers,
    ),
    "connection_attempts": SummaryNumber(
        "connection attempts",
        "every attempt a client made to reach a server: at launches, when failing over and when retrying",
        lambda r: r.agents.attempts,
    ),
    "attempts_no_server": SummaryNumber(
        "attempts with no server up",
        "connection attempts made while no metering server at all was up",
        lambda r: r.agents.attempts_no_server,
    ),
    "balancing_cycles": SummaryNumber(
        "scheduled balancing cycles", "scheduled licence balancing cycles that ran", lambda r: r.balancer.cycles
    ),
    "instant_balancings": SummaryNumber(
        "on-demand moves",
        "on-demand moves that brought licences to a server that had refused a request (each ordered at a License "
        "Metering cycle; Q210202)",
        lambda r: r.balancer.instant_balancings,
    ),
    "instant_balancings_failed": SummaryNumber(
        "on-demand moves that found no licence",
        "on-demand moves License Metering worked on but found no licence free to bring: each took its time all "
        "the same (Q210202)",
        lambda r: r.balancer.instant_balancings_failed,
    ),
    "metering_busy_pct": SummaryNumber(
        "License Metering busy (%)",
        "share of the run License Metering spent on on-demand moves, one at a time (never above 100)",
        lambda r: round(100 * r.balancer.busy_min / r.until, 1),
    ),
    "balancing_delay_min": SummaryNumber(
        "minutes scheduled cycles ran late",
        "the mean, over the scheduled cycles that ran, of how long each waited behind on-demand moves (0 when none "
        "waited; Q210202)",
        lambda r: _mean(r.balancer.cycle_delays, 0.0),
    ),
    "balancing_delay_max_min": SummaryNumber(
        "worst minutes a cycle ran late",
        "most minutes one scheduled cycle ran late behind on-demand moves (0 when none waited)",
        lambda r: max(r.balancer.cycle_delays, default=0.0),
    ),
    "instant_balancing_wait_min": SummaryNumber(
        "minutes a move's licences took to arrive",
        "mean minutes from the License Metering cycle that ordered an on-demand move to the licences' arrival: the "
        "move's own time and the moves queued before it, while the refused users wait (NaN if none)",
        lambda r: _mean(r.balancer.move_waits, math.nan),  # one NaN object: runs without moves compare equal
    ),
    "licenses_moved": SummaryNumber(
        "licences moved",
        "licences that changed holder in balancing, scheduled and on demand",
        lambda r: r.balancer.licenses_moved,
    ),
    "callbacks": SummaryNumber(
        "callbacks asked",
        "refused users who asked to be called back when a licence is free",
        lambda r: r.callbacks.asked,
    ),
    "callbacks_granted": SummaryNumber(
        "runs served late by a callback",
        "callbacks answered with a licence: the program started then",
        lambda r: r.callbacks.granted,
    ),
    "callbacks_lapsed": SummaryNumber(
        "callbacks lapsed",
        "callbacks that waited beyond the callback request duration without a licence",
        lambda r: r.callbacks.lapsed,
    ),
    "callbacks_waiting": SummaryNumber(
        "callbacks waiting at the end",
        "callbacks still waiting when the run ended (callbacks = granted + lapsed + waiting)",
        lambda r: r.callbacks.waiting,
    ),
    "callback_wait_min": SummaryNumber(
        "callbacks' wait (min)",
        "mean minutes from refusal to licence for the callbacks granted (NaN if none)",
        lambda r: _mean(r.callbacks.waits_min, float("nan")),
    ),
    "max_imbalance": SummaryNumber(
        "most licences idle while another server refused",
        "most licences of one product idle at once (free, or phantoms in use with no program: Q226838) on servers "
        "that were up and refused none of it, while "
        "other servers refused requests for it (15-minute samples; at most the refusals): licences in the "
        "wrong place (0 when nothing was refused)",
        lambda r: float(r.misplaced.max(initial=0)),
    ),
    "imbalance_licence_h": SummaryNumber(
        "licence-hours idle while another server refused",
        "those idle licences summed over products and time: licence-hours spent on servers that did not need "
        "them while others refused",
        lambda r: round(float((r.misplaced.sum(axis=1) * r.interval_h).sum()), 1),
    ),
    "phantom_licences": SummaryNumber(
        "phantom licences made",
        "licences left in use on the server a client moved from while a program ran on them, with no program behind "
        "them (Q226838): one per such program and move, counted when made, whether freed later or not",
        lambda r: len(r.phantoms.start),
    ),
    "phantom_licence_h": SummaryNumber(
        "phantom licence-hours",
        "hours the phantom licences were held in use, summed over them, from the move to their freeing or the run's "
        "end (Q226838)",
        lambda r: round(r.phantoms.licence_h, 1),
    ),
    "phantom_peak": SummaryNumber(
        "most phantom licences at once",
        "most phantom licences held in use at once, site-wide: the most by which the servers' in-use counts exceeded "
        "the programs really running on a licence (Q226838)",
        lambda r: r.phantoms.peak,
    ),
    "second_licences": SummaryNumber(
        "second licences for running programs",
        "licences the server a client moved to granted to programs already running on a licence of the server it "
        "left (Q226838)",
        lambda r: r.phantoms.second_licences,
    ),
    "sessions": SummaryNumber(
        "runs that ran (served or metered locally)",
        "program runs: served online (at once or by callback), or metered locally into the client's log",
        lambda r: int(r.usage["sessions"].sum()),
    ),
    "sessions_reported": SummaryNumber(
        "runs reported to the site",
        "runs that reached the site: granted online, or uploaded from a log",
        lambda r: int(r.usage["reported"].sum()),
    ),
    "sessions_pending": SummaryNumber(
        "runs waiting for upload",
        "runs still in a client's log at the end, waiting for its next configuration poll",
        lambda r: int(r.usage["pending"].sum()),
    ),
    "sessions_unreported": SummaryNumber(
        "runs never uploaded",
        "runs a client will never upload because its clock lagged the site server when its client software was "
        "installed (Q213261)",
        lambda r: int(r.usage["unreported"].sum()),
    ),
    "sessions_stalled": SummaryNumber(
        "runs stalled by NextOfflineSyncTime",
        "runs still in a client's log at the end because its last poll skipped the upload: the NextOfflineSyncTime it "
        "stored while its clock ran ahead still lay ahead of its clock set right (Q311764, Q226832)",
        lambda r: int(r.usage["stalled"].sum()),
    ),
    "upload_stall_h": SummaryNumber(
        "longest upload stall (h)",
        "the longest time, over clients, that a client's polls skipped the offline upload because the "
        "NextOfflineSyncTime it stored while its clock ran ahead lay ahead of its clock set right: from its first "
        "skipped poll to the poll that uploaded again, or the run's end (Q311764, Q226832); 0 if none",
        lambda r: round(float(r.usage["upload_stall_h"].to_numpy(dtype=float).max(initial=0.0)), 2),
    ),
    "sessions_lost_at_reinstall": SummaryNumber(
        "runs deleted at reinstall",
        "runs still in a client's offline log when its client software was removed to be reinstalled (Q213261's "
        "workaround): deleted with it",
        lambda r: int(r.usage["lost_at_reinstall"].sum()),
    ),
    "status_9406": SummaryNumber(
        "status messages 9406",
        "status messages 9406 raised by SMS_LICENSE_SERVER_MANAGER",
        lambda r: len(r.status),
    ),
    "remodbc_restarts": SummaryNumber(
        "Remodbc.exe restarts",
        "restarts of Remodbc.exe the License Server Manager made because its leaked memory passed the threshold, "
        "the failed ones included (Q245271; up to SP2, online)",
        lambda r: r.remodbc.restarts,
    ),
    "server_hangs": SummaryNumber(
        "server hangs",
        "restarts of Remodbc.exe whose stop failed, each leaving its server answering nobody until a reboot (Q245271)",
        lambda r: len(r.remodbc.hung),
    ),
    "hours_hung": SummaryNumber(
        "server-hours hung",
        "hours the metering servers spent hung by a failed Remodbc.exe restart within the run, summed over the "
        "servers (Q245271)",
        lambda r: r.remodbc.hours_hung(r.until),
    ),
    "launches_stopped": SummaryNumber(
        "launches stopped by the ban",
        "launches of the forbidden product its clients' agents stopped themselves, having downloaded the ban, with no "
        "server asked (Q244906)",
        lambda r: r.configuration.stopped,
    ),
    "launches_let_through": SummaryNumber(
        "forbidden launches let through",
        "launches of the forbidden product after the ban that their agents let start because they had not yet "
        "downloaded it (asked of a server, or metered locally; Q244906, Q263023)",
        lambda r: r.configuration.let_through,
    ),
    "clients_without_ban": SummaryNumber(
        "clients still without the ban",
        "clients installed by the run's end that had not downloaded the ban by then: no poll or start of theirs found "
        "a server answering after it (Q245271); 0 when nothing was forbidden",
        lambda r: (
            int(np.count_nonzero(r.configuration.installed & ~np.isfinite(r.configuration.downloaded_at)))
            if np.isfinite(r.configuration.changed_at)
            else 0
        ),
    ),
    "ban_reach_h": SummaryNumber(
        "hours until every client had the ban",
        "hours from the ban to the download that brought it to the last installed client; NaN when a client still "
        "lacked it at the run's end (clients_without_ban counts them) or nothing was forbidden",
        lambda r: r.configuration.reach_h(),
    ),
    "recovery_h_win9x": SummaryNumber(
        "Windows 95/98 clients' recovery (h)",
        "median hours, over the times a Windows 95/98 client could not reach its server, until it was connected "
        "to one that answers (failover, rebind at a CCIM cycle or restart, or reconnect); NaN if none; a client "
        "still cut off counts up to the run's end",
        lambda r: r.median_recovery_h(True),
    ),
    "recovery_h_nt": SummaryNumber(
        "Windows NT clients' recovery (h)",
        "the same median for Windows NT clients: 0 when they fail over at once to a server that answers",
        lambda r: r.median_recovery_h(False),
    ),
}

#: Every summary number, and how it is defined. ``Result.summary`` has exactly these keys, in this order.
SUMMARY: dict[str, str] = {name: number.description for name, number in SUMMARY_NUMBERS.items()}
#: Every summary number's label in words, as tables and axes show it.
LABELS: dict[str, str] = {name: number.label for name, number in SUMMARY_NUMBERS.items()}
#: Where a user reads every summary number, named by the unknown-summary-number error.
SUMMARY_LISTING = "kbsim.SUMMARY"


def summarize(finished: Finished) -> dict[str, float]:
    """Every summary number of a finished run, in the order of :data:`SUMMARY_NUMBERS`."""
    return {name: number.compute(finished) for name, number in SUMMARY_NUMBERS.items()}
