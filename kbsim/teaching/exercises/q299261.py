"""Q299261's predict-then-check exercises: their questions, answer rules and explanations."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ...model.service import STOP_PENDING
from .rule import Rule, _compare, _run


def _q299261_1(days: int) -> tuple[str, Any]:
    messages = _run("Q299261", days=days).summary["status_9406"]
    answer = "none" if messages == 0 else "a few" if messages < 50 else "hundreds"
    return answer, f"status messages 9406 in {days} days: {messages}"


def _when(pack: Any) -> datetime:
    """A PackTime as the explorer gives it (a date) or as Remodbc.ini holds it (seconds since 1970, UTC)."""
    return pack if isinstance(pack, datetime) else datetime(1970, 1, 1) + timedelta(seconds=int(pack))


def _q299261_2(pack_time: Any) -> tuple[str, Any]:
    fault, later = _run("Q299261"), _run("Q299261", pack_time=pack_time)
    answer = "yes" if later.summary["status_9406"] < fault.summary["status_9406"] / 2 else "no"
    return answer, _compare({"PackTime 991533599": fault, f"PackTime {pack_time}": later}, ["status_9406"])


def _q299261_3(hour: float) -> tuple[str, Any]:
    rebooted = _run("Q299261", outages=[[0, float(hour), 30.0]])
    states = rebooted.events.query("server == 0 and kind == 'service_state'")
    answer = "no" if states["state"].iloc[-1] == STOP_PENDING else "yes"
    return answer, states[["time", "detail"]]


RULES: tuple[Rule, ...] = (
    Rule(
        "Q299261",
        1,
        "A run of two days starts on Friday at 00:00 and ends on Sunday at 00:00. How many 9406 messages does "
        "the SP3 site raise in it? (The answer is the same for any run that ends before that Sunday's pack.)",
        ("none", "a few", "hundreds"),
        "days",
        2,
        _q299261_1,
        "The first pack is due on Sunday at 01:59:59, after this run ends: no pack, no hung service, no message.",
        where="any run that ends before that Sunday's pack",
        holds=lambda days: days <= 2,
    ),
    Rule(
        "Q299261",
        2,
        "Suppose Remodbc.ini's `PackTime` pointed one week later, at 992138399 (604,800 seconds more). Would the "
        "two-week run raise fewer than half the fault's messages? `pack_time` accepts the raw seconds of the "
        "file; in the explorer, pick Sunday 2001-06-10 in the pack dropdown. (The answer is the same for any "
        "PackTime from Saturday 2001-06-09 on.)",
        ("yes", "no"),
        "pack_time",
        992138399,
        _q299261_2,
        "The messages start only after the first pack. A week later, that leaves 118 of the run's 336 hours, "
        "against 286 for the fault's pack.",
        where="any PackTime from Saturday 2001-06-09 on",
        holds=lambda pack: _when(pack) >= datetime(2001, 6, 9),
    ),
    Rule(
        "Q299261",
        3,
        "Server 0 is taken offline for 30 minutes at 04:00 on Tuesday (hour 100 of the run), which in kbsim "
        "restarts its service. Will server 0 stay free of 9406 for the rest of the run? (The answer is the same "
        "for any restart before the run's last Sunday pack.)",
        ("yes", "no"),
        "outages.start_h",
        100.0,
        _q299261_3,
        "The restart brings the service back to running, but only until the next Sunday pack, when it hangs "
        "again. In kbsim only SP4 makes the messages stop for good.",
        where="any restart before the run's last Sunday pack",
        holds=lambda hour: hour < 218,
    ),
)
