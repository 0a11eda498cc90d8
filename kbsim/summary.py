"""The summary numbers of a run, each declared once: its name, what it means and how it is computed.

:data:`SUMMARY_NUMBERS` is the one table. ``kbsim.SUMMARY`` (name -> meaning) and
``Result.summary`` (name -> value, by :func:`summarize`) are both read from it, in
its order, so a number is added, renamed or removed with one edit. Each number is
computed from :class:`Finished`: what the mechanisms counted and the tables built
at the end of the run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .sampling import LICENSE_SAMPLE_MIN

if TYPE_CHECKING:
    from .balancing import Balancer
    from .callbacks import Callbacks
    from .clients import ClientAgents


@dataclass(frozen=True)
class Finished:
    """What a finished run leaves for its summary: the mechanisms' counters and the tables built from them."""

    agents: ClientAgents
    balancer: Balancer
    callbacks: Callbacks
    callbacks_waiting: int
    grants: int
    denials: int
    until: float
    usage: pd.DataFrame
    status: pd.DataFrame
    imbalance: np.ndarray
    win9x: np.ndarray

    def median_recovery_h(self, clients: np.ndarray) -> float:
        """Median hours, over ``clients`` (a mask) that failed, from the first failure to the next licence."""
        failed = np.asarray(self.agents.first_failure)[clients]
        recovered = np.asarray(self.agents.recovered)[clients]
        hit = ~np.isnan(failed)
        if not hit.any():
            return float("nan")
        waited = np.where(np.isnan(recovered[hit]), self.until, recovered[hit]) - failed[hit]
        return float(np.median(waited) / 60.0)


@dataclass(frozen=True)
class SummaryNumber:
    """One summary number: what it means, and how it is computed from a finished run."""

    description: str
    compute: Callable[[Finished], float]


def _mean(values: list[float], none: float) -> float:
    return float(np.mean(values)) if values else none


#: Every summary number: its meaning and how it is computed. The only place a summary number is declared.
SUMMARY_NUMBERS: dict[str, SummaryNumber] = {
    "requests": SummaryNumber(
        "licence requests that reached a server (online mode)",
        lambda r: r.grants + r.denials,
    ),
    "grants": SummaryNumber("requests a server granted", lambda r: r.grants),
    "denials": SummaryNumber("requests refused because the server had no free licence", lambda r: r.denials),
    "denial_rate": SummaryNumber(
        "denials / requests (0 when there were no requests)",
        lambda r: r.denials / (r.grants + r.denials) if r.grants + r.denials else 0.0,
    ),
    "failovers": SummaryNumber(
        "times a client moved to another server after failing to reach its own (failover, or a Windows 95/98 rebind)",
        lambda r: r.agents.failovers,
    ),
    "connection_attempts": SummaryNumber(
        "every attempt a client made to reach a server: at launches, when failing over and when retrying",
        lambda r: r.agents.attempts,
    ),
    "attempts_no_server": SummaryNumber(
        "connection attempts made while no metering server at all was up",
        lambda r: r.agents.attempts_no_server,
    ),
    "balancing_cycles": SummaryNumber("scheduled licence balancing cycles that ran", lambda r: r.balancer.cycles),
    "instant_balancings": SummaryNumber(
        "on-demand moves that brought licences to a server that had refused a request (each ordered at a License "
        "Metering cycle; Q210202)",
        lambda r: r.balancer.instant_balancings,
    ),
    "instant_balancings_failed": SummaryNumber(
        "on-demand moves License Metering worked on but found no licence free to bring: each took its time all "
        "the same (Q210202)",
        lambda r: r.balancer.instant_balancings_failed,
    ),
    "metering_busy_pct": SummaryNumber(
        "License Metering busy (%): share of the run it spent on on-demand moves, one at a time (never above 100)",
        lambda r: round(100 * r.balancer.busy_min / r.until, 1),
    ),
    "balancing_delay_min": SummaryNumber(
        "minutes scheduled cycles ran late: the mean, over the scheduled cycles that ran, of how long each waited "
        "behind on-demand moves (0 when none waited; Q210202)",
        lambda r: _mean(r.balancer.cycle_delays, 0.0),
    ),
    "balancing_delay_max_min": SummaryNumber(
        "most minutes one scheduled cycle ran late behind on-demand moves (0 when none waited)",
        lambda r: max(r.balancer.cycle_delays, default=0.0),
    ),
    "instant_balancing_wait_min": SummaryNumber(
        "mean minutes from the License Metering cycle that ordered an on-demand move to the licences' arrival: the "
        "move's own time and the moves queued before it, while the refused users wait (NaN if none)",
        lambda r: _mean(r.balancer.move_waits, math.nan),  # one NaN object: runs without moves compare equal
    ),
    "licenses_moved": SummaryNumber(
        "licences that changed holder in balancing, scheduled and on demand",
        lambda r: r.balancer.licenses_moved,
    ),
    "callbacks": SummaryNumber(
        "refused users who asked to be called back when a licence is free",
        lambda r: r.callbacks.asked,
    ),
    "callbacks_granted": SummaryNumber(
        "callbacks answered with a licence: the program started then",
        lambda r: r.callbacks.granted,
    ),
    "callbacks_lapsed": SummaryNumber(
        "callbacks that waited beyond the callback request duration without a licence",
        lambda r: r.callbacks.lapsed,
    ),
    "callbacks_waiting": SummaryNumber(
        "callbacks still waiting when the run ended (callbacks = granted + lapsed + waiting)",
        lambda r: r.callbacks_waiting,
    ),
    "callback_wait_min": SummaryNumber(
        "mean minutes from refusal to licence for the callbacks granted (NaN if none)",
        lambda r: _mean(r.callbacks.waits_min, float("nan")),
    ),
    "max_imbalance": SummaryNumber(
        "most licences of one product ever held by servers beyond their share of the clients bound to them "
        "(servers that are up, 15-minute samples): licences that would have to move",
        lambda r: round(float(r.imbalance.max(initial=0.0)), 2),
    ),
    "imbalance_licence_h": SummaryNumber(
        "that imbalance summed over time: licence-hours spent on servers beyond their share of the clients bound "
        "to them",
        lambda r: round(float(r.imbalance.sum()) * LICENSE_SAMPLE_MIN / 60, 1),
    ),
    "sessions": SummaryNumber(
        "program runs: granted online (at once or by callback), or metered locally into the client's log",
        lambda r: int(r.usage["sessions"].sum()),
    ),
    "sessions_reported": SummaryNumber(
        "runs that reached the site: granted online, or uploaded from a log",
        lambda r: int(r.usage["reported"].sum()),
    ),
    "sessions_pending": SummaryNumber(
        "runs still in a client's log at the end, waiting for its next configuration poll",
        lambda r: int(r.usage["pending"].sum()),
    ),
    "sessions_unreported": SummaryNumber(
        "runs a client will never upload because its clock lagged the site server when its client software was "
        "installed (Q213261)",
        lambda r: int(r.usage["unreported"].sum()),
    ),
    "sessions_lost_at_reinstall": SummaryNumber(
        "runs still in a client's offline log when its client software was removed to be reinstalled (Q213261's "
        "workaround): deleted with it",
        lambda r: int(r.usage["lost_at_reinstall"].sum()),
    ),
    "status_9406": SummaryNumber(
        "status messages 9406 raised by SMS_LICENSE_SERVER_MANAGER",
        lambda r: len(r.status),
    ),
    "recovery_h_win9x": SummaryNumber(
        "median hours, over Windows 95/98 clients whose server went down, from their first failed contact to their "
        "next licence (NaN if none; a client never served again counts up to the run's end)",
        lambda r: r.median_recovery_h(r.win9x),
    ),
    "recovery_h_nt": SummaryNumber(
        "the same median for Windows NT clients",
        lambda r: r.median_recovery_h(~r.win9x),
    ),
}

#: Every summary number, and how it is defined. ``Result.summary`` has exactly these keys, in this order.
SUMMARY: dict[str, str] = {name: number.description for name, number in SUMMARY_NUMBERS.items()}
#: Where a user reads every summary number, named by the unknown-summary-number error.
SUMMARY_LISTING = "kbsim.SUMMARY"


def summarize(finished: Finished) -> dict[str, float]:
    """Every summary number of a finished run, in the order of :data:`SUMMARY_NUMBERS`."""
    return {name: number.compute(finished) for name, number in SUMMARY_NUMBERS.items()}
