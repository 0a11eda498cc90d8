"""The exercises' questions, answer rules and explanations, keyed by article and exercise number.

A notebook's exercise cell is one call, ``kbsim.classroom.exercise("Q226827", 1)``: the cell shows
the question and its choices, and nothing a student can read there (the cell's code, its stored
output, the student edition) holds the answer. Each :class:`Rule` decides its answer from runs of
the model, never from a typed answer, as a function of the one explorer control it is about
(``control``, at the value the question names, ``at``). tests/test_exercises.py walks every rule
across that control's reachable values: the answer is the same everywhere, or only where
``holds`` says, and then the question says so in words (``where``).

The summary numbers are read by their names in :data:`kbsim.SUMMARY`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from ..model.errors import ParameterError
from ..model.scenarios import run
from ..model.service import STOP_PENDING


@dataclass(frozen=True)
class Rule:
    """One predict-then-check exercise: its question, choices, answer rule and explanation.

    ``decide(value)`` runs the model with the control at ``value`` and returns the right choice and
    the evidence shown after Check. ``holds(value)`` is where the question's answer is claimed
    (everywhere when None); ``where`` is the question's words for it.
    """

    article: str
    number: int
    question: str
    choices: tuple[str, ...]
    control: str
    at: Any
    decide: Callable[[Any], tuple[str, Any]] = field(repr=False)
    why: str = field(repr=False)
    where: str = ""
    holds: Callable[[Any], bool] | None = field(default=None, repr=False)

    @property
    def key(self) -> str:
        return f"{self.article}/{self.number}"

    def answer(self, value: Any = None) -> tuple[str, Any]:
        """The right choice and its evidence, with the control at ``value`` (the question's value by default)."""
        answer, evidence = self.decide(self.at if value is None else value)
        if answer not in self.choices:
            raise ParameterError(f"exercise {self.key}: answer {answer!r} is not one of its choices")
        return answer, evidence


@lru_cache(maxsize=256)
def _cached(preset: str, settings: tuple) -> Any:
    return run(preset, **dict(settings))


def _run(preset: str, **settings: Any) -> Any:
    """A run of ``preset`` (cached: the rules share their baselines)."""
    return _cached(preset, tuple(sorted((k, _frozen(v)) for k, v in settings.items())))


def _frozen(value: Any) -> Any:
    return tuple(_frozen(v) for v in value) if isinstance(value, (list, tuple)) else value


def _compare(runs: dict[str, Any], numbers: list[str]) -> pd.DataFrame:
    from ..model.result import compare

    return compare(runs, numbers)


# Q226827 ------------------------------------------------------------------------------------------


def _q226827_1(delay: float) -> tuple[str, Any]:
    fix, one = _run("Q226827", variant="fix"), _run("Q226827", variant="fix", retries=1, retry_delay_min=delay)
    answer = "yes" if one.summary["failovers"] > 0 else "no"
    return answer, _compare(
        {"fix: 4 retries, 15 min apart": fix, f"1 retry after {delay:g} min": one}, ["failovers", "denials"]
    )


def _q226827_2(minutes: float) -> tuple[str, Any]:
    fault, short = _run("Q226827"), _run("Q226827", outages=[[0, 32.5, float(minutes)]])
    answer = "yes, they go away" if short.summary["failovers"] == 0 else "no, fewer but still there"
    evidence = _compare({"60 min": fault, f"{minutes:g} min": short}, ["failovers", "denials", "max_imbalance"])
    return answer, evidence


def _q226827_3(interval: float) -> tuple[str, Any]:
    fault, other = _run("Q226827"), _run("Q226827", balancing_interval_h=interval)
    answer = "no, just as many" if other.summary["failovers"] == fault.summary["failovers"] else "yes, fewer"
    evidence = _compare({"every 4 h": fault, f"every {interval:g} h": other}, ["failovers", "denials", "max_imbalance"])
    return answer, evidence


def _q226827_4(seed: int) -> tuple[str, Any]:
    fault, fix = _run("Q226827", seed=seed), _run("Q226827", variant="fix", seed=seed)
    ok = fix.summary["failovers"] == 0 and fix.summary["denials"] < fault.summary["denials"] / 2
    evidence = _compare(
        {f"fault, seed {seed}": fault, f"fix, seed {seed}": fix}, ["denials", "failovers", "max_imbalance"]
    )
    return ("yes" if ok else "no"), evidence


# Q226838 ------------------------------------------------------------------------------------------

_PHANTOM_NUMBERS = ["phantom_licences", "phantom_peak", "phantom_licence_h", "failovers"]


def _q226838_1(freed: str) -> tuple[str, Any]:
    fault, other = _run("Q226838"), _run("Q226838", phantom_freed=freed)
    same = other.summary["phantom_licences"] == fault.summary["phantom_licences"]
    return ("no, just as many" if same else "yes, fewer"), _compare(
        {"never freed": fault, f"freed: {freed}": other}, _PHANTOM_NUMBERS
    )


def _q226838_2(minutes: float) -> tuple[str, Any]:
    fault, short = _run("Q226838"), _run("Q226838", mean_session_min=minutes)
    fewer = short.summary["phantom_licences"] < fault.summary["phantom_licences"]
    return ("yes, fewer" if fewer else "no, as many or more"), _compare(
        {"programs of 90 min": fault, f"programs of {minutes:g} min": short}, _PHANTOM_NUMBERS
    )


def _q226838_3(seed: int) -> tuple[str, Any]:
    fault, fix = _run("Q226838", seed=seed), _run("Q226838", variant="fix", seed=seed)
    ok = (
        fault.summary["phantom_licences"] > 0
        and fix.summary["phantom_licences"] == 0
        and fix.summary["failovers"] == fault.summary["failovers"]
    )
    return ("yes" if ok else "no"), _compare({f"fault, seed {seed}": fault, f"fix, seed {seed}": fix}, _PHANTOM_NUMBERS)


# Q210202 ------------------------------------------------------------------------------------------


def _q210202_1(reserve: float) -> tuple[str, Any]:
    fix, kept = _run("Q210202", variant="fix"), _run("Q210202", variant="fix", reserve_pct=reserve)
    answer = "more" if kept.summary["denials"] > fix.summary["denials"] else "fewer or the same"
    evidence = _compare({"fix": fix, f"fix, reserve {reserve:g}%": kept}, ["denials", "licenses_moved"])
    return answer, evidence


def _q210202_2(unreachable: tuple[int, ...]) -> tuple[str, Any]:
    run = _run("Q210202", variant="unreachable", unreachable_servers=unreachable)
    denials = run.events.query("kind == 'deny'").groupby("server").size().reindex(range(3), fill_value=0)
    answer = "the unreachable server's" if int(denials.idxmax()) in unreachable else "a reachable server's"
    left_out = ", ".join(f"server {s}" for s in unreachable) or "none"
    return answer, denials.rename(f"requests refused per server (left out of balancing: {left_out})")


def _q210202_3(licenses: int) -> tuple[str, Any]:
    on_demand = _run("Q210202", variant="on_demand")
    more = _run("Q210202", variant="on_demand", licenses=licenses)
    hourly = _run("Q210202", variant="on_demand", balancing_interval_h=1)
    answer = (
        "more licences"
        if more.summary["instant_balancings"] < hourly.summary["instant_balancings"]
        else "hourly balancing"
    )
    evidence = _compare(
        {"70, daily": on_demand, f"{licenses}, daily": more, "70, hourly": hourly},
        ["denials", "instant_balancings", "balancing_cycles"],
    )
    return answer, evidence


# Q212894 ------------------------------------------------------------------------------------------


#: Seeds a rule averages over where one run's median is one draw of a few dozen clients' luck.
SEEDS = (1, 2, 3, 4)


def _q212894_1(fraction: float) -> tuple[str, Any]:
    def mean_wait(**settings: Any) -> float:
        return float(np.mean([_run("Q212894", seed=s, **settings).summary["recovery_h_win9x"] for s in SEEDS]))

    before, after = mean_wait(), mean_wait(win9x_fraction=fraction)
    answer = "about the same" if abs(after - before) <= 0.25 * before else "very different"
    first = [
        _run("Q212894", seed=1, **settings).summary["recovery_h_win9x"]
        for settings in ({}, {"win9x_fraction": fraction})
    ]
    evidence = pd.DataFrame(
        {"half on Windows 95/98": [first[0], before], f"{fraction:.0%} on Windows 95/98": [first[1], after]},
        index=[
            "median hours a Windows 95/98 client was cut off, seed 1",
            f"the same, mean over seeds 1 to {SEEDS[-1]}",
        ],
    ).round(2)
    return answer, evidence


def _q212894_2(minutes: float) -> tuple[str, Any]:
    short = _run("Q212894", outages=[[0, 10.0, float(minutes)]])
    rebinds = int((short.events["kind"] == "rebind").sum())
    return ("yes" if rebinds else "no"), f"Windows 95/98 clients rebound at a CCIM cycle or a restart: {rebinds}"


def _q212894_3(retry_s: float) -> tuple[str, Any]:
    fault, slow = _run("Q212894"), _run("Q212894", win9x_retry_s=retry_s)
    answer = "no, the same" if slow.summary["recovery_h_win9x"] == fault.summary["recovery_h_win9x"] else "yes, longer"
    evidence = _compare(
        {"retry every 60 s": fault, f"retry every {retry_s:g} s": slow}, ["recovery_h_win9x", "connection_attempts"]
    )
    return answer, evidence


# Q213261 ------------------------------------------------------------------------------------------


def _share(run: Any) -> float:
    return run.summary["sessions_unreported"] / max(1, run.summary["sessions"])


def _q213261_1(days: int) -> tuple[str, Any]:
    fault, other = _run("Q213261"), _run("Q213261", days=days)
    answer = "about the same share" if abs(_share(other) - _share(fault)) <= 0.05 else "a very different share"
    evidence = _compare({"7 days": fault, f"{days} days": other}, ["sessions", "sessions_unreported"])
    return answer, evidence


def _q213261_2(fraction: float) -> tuple[str, Any]:
    run = _run("Q213261", skewed_fraction=fraction)
    share = _share(run)
    answer = (
        "about the share of lagging clients"
        if abs(share - fraction) <= 0.1
        else "far less than that"
        if share < fraction
        else "far more than that"
    )
    return (
        answer,
        f"{fraction:.0%} of the clients lag; {share:.0%} of {run.summary['sessions']} program runs were never uploaded",
    )


def _q213261_3(poll: float) -> tuple[str, Any]:
    fault, other = _run("Q213261"), _run("Q213261", config_poll_min=poll)
    answer = "no" if other.summary["sessions_unreported"] == fault.summary["sessions_unreported"] else "yes"
    evidence = _compare(
        {"poll every 240 min": fault, f"poll every {poll:g} min": other},
        ["sessions_reported", "sessions_pending", "sessions_unreported"],
    )
    return answer, evidence


def _q213261_4(sync_h: float) -> tuple[str, Any]:
    hurried = _run("Q213261", reinstall_h=24, clock_sync_h=sync_h)
    answer = "no" if hurried.summary["sessions_unreported"] > 0 else "yes"
    return answer, _compare({"hurried": hurried}, ["sessions_unreported", "sessions_lost_at_reinstall"])


# Q311764 ------------------------------------------------------------------------------------------


def _q311764_1(ahead_min: float) -> tuple[str, Any]:
    fault, other = _run("Q311764"), _run("Q311764", clock_ahead_min=ahead_min)
    answer = "yes" if other.summary["sessions_stalled"] == 0 else "no"
    evidence = _compare(
        {"ten days ahead": fault, f"{ahead_min:g} min ahead": other}, ["upload_stall_h", "sessions_stalled"]
    )
    return answer, evidence


def _q311764_2(poll: float) -> tuple[str, Any]:
    fault, other = _run("Q311764"), _run("Q311764", config_poll_min=poll)
    shorter = other.summary["upload_stall_h"] < fault.summary["upload_stall_h"] - 12
    evidence = _compare(
        {"poll every 240 min": fault, f"poll every {poll:g} min": other},
        ["upload_stall_h", "sessions_stalled", "sessions_pending"],
    )
    return ("yes" if shorter else "no"), evidence


def _q311764_3(reinstall_h: float) -> tuple[str, Any]:
    hurried = _run("Q311764", reinstall_h=reinstall_h)
    answer = "no" if hurried.summary["sessions_stalled"] > 0 else "yes"
    return answer, _compare({"hurried": hurried}, ["upload_stall_h", "sessions_stalled", "sessions_lost_at_reinstall"])


# Q245271 ------------------------------------------------------------------------------------------


def _q245271_1(stop_fail_pct: float) -> tuple[str, Any]:
    leaking = _run("Q245271", remodbc_stop_fail_pct=stop_fail_pct)
    answer = "yes" if leaking.summary["failovers"] > 0 else "no"
    return answer, _compare(
        {f"stops fail {stop_fail_pct:g} %": leaking}, ["remodbc_restarts", "server_hangs", "failovers"]
    )


def _q245271_2(service_pack: str) -> tuple[str, Any]:
    fault, patched = _run("Q245271"), _run("Q245271", service_pack=service_pack)
    before, after = fault.summary["status_9406"], patched.summary["status_9406"]
    answer = "none at all" if after == 0 else "many more" if after > 2 * before else "about the same"
    return answer, _compare({"SP2": fault, service_pack: patched}, ["remodbc_restarts", "server_hangs", "status_9406"])


def _q245271_3(reboot_h: float) -> tuple[str, Any]:
    rebooted = _run("Q245271", hang_reboot_h=reboot_h)
    answer = "yes" if rebooted.summary["remodbc_restarts"] == 0 else "no"
    return answer, _compare({f"reboot after {reboot_h:g} h": rebooted}, ["remodbc_restarts", "hours_hung"])


# Q299261 ------------------------------------------------------------------------------------------


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
        "Q226827",
        1,
        "The retries are honoured (`failover` set to `after_retries`), but the site allows only 1 retry, "
        "5 minutes after the failure. Server 0 is still offline for an hour. Will clients still move to server 1? "
        "(The answer is the same for any delay shorter than the outage.)",
        ("yes", "no"),
        "retry_delay_min",
        5.0,
        _q226827_1,
        "The single retry comes long before the server is back, so the client moves on. Configured retries help "
        "only when retries × delay covers the outage.",
        where="any delay shorter than the outage",
        holds=lambda delay: delay < 60,
    ),
    Rule(
        "Q226827",
        2,
        "Under the bug, shorten the outage from an hour to 10 minutes (type 10 into the outage length). "
        "Do the failovers, and the imbalance they leave, go away?",
        ("yes, they go away", "no, fewer but still there"),
        "outages.minutes",
        10.0,
        _q226827_2,
        "Every client that starts a program during the outage moves at once and never comes back. A shorter "
        "outage moves fewer clients, but does not stop the moves.",
    ),
    Rule(
        "Q226827",
        3,
        "Under the bug, balance every hour instead of every 4 hours. Will fewer clients move to server 1?",
        ("yes, fewer", "no, just as many"),
        "balancing_interval_h",
        1.0,
        _q226827_3,
        "A client moves when its own server fails to answer, which no balancing cycle changes. Balancing only "
        "decides how soon the licences follow the clients that moved, so it changes the denials, not the moves.",
    ),
    Rule(
        "Q226827",
        4,
        "Is seed 1 just lucky? Will the fix still remove the failovers and most of the denials with seed 3?",
        ("yes", "no"),
        "seed",
        3,
        _q226827_4,
        "The fix changes the mechanism, not a lucky draw: with retries covering the outage no client moves, "
        "whatever the seed. The sweeps notebook shows how many seeds a claim needs.",
    ),
    Rule(
        "Q226838",
        1,
        "Suppose server 0 frees its phantom licences when its service starts again at the end of the outage "
        "(`phantom_freed` set to `service_restart`, an assumption: the article does not say). Will the clients "
        "that move leave fewer phantom licences?",
        ("yes, fewer", "no, just as many"),
        "phantom_freed",
        "service_restart",
        _q226838_1,
        "A phantom is left at the moment a client moves with a program running; freeing it later cannot undo the "
        "move. What changes is how long each phantom is held: the phantom licence-hours fall.",
    ),
    Rule(
        "Q226838",
        2,
        "Programs run 30 minutes on average instead of 90. Will the clients that move leave fewer phantom "
        "licences? (The answer is the same for any mean run of 45 minutes or less.)",
        ("yes, fewer", "no, as many or more"),
        "mean_session_min",
        30.0,
        _q226838_2,
        "A phantom needs a program still running on server 0's licence when its client moves. Shorter programs "
        "have mostly ended by the time their users start the next one during the outage.",
        where="45 minutes or less",
        holds=lambda minutes: minutes <= 45,
    ),
    Rule(
        "Q226838",
        3,
        "Is seed 1 just lucky? With seed 3, will a service pack that releases the first licence (the fix "
        "variant, assumed) leave no phantom while just as many clients move?",
        ("yes", "no"),
        "seed",
        3,
        _q226838_3,
        "The fix changes what a move does to running programs, not whether clients move: the failovers stay the "
        "same and no licence is left behind, whatever the seed.",
    ),
    Rule(
        "Q210202",
        1,
        "Under the fix (hourly balancing), the site server keeps 30% of the free licences back in its reserve "
        "pool instead of the preset's 10%. More denials, or fewer? (The answer is the same for any reserve "
        "above 10%.)",
        ("more", "fewer or the same"),
        "reserve_pct",
        30.0,
        _q210202_1,
        "Licences in the reserve pool serve nobody until a balancing cycle or an on-demand move hands them out, "
        "so the busy office's server holds fewer of them at its peak.",
        where="any reserve above 10%",
        holds=lambda reserve: reserve > 10,
    ),
    Rule(
        "Q210202",
        2,
        "With one server that License Metering cannot reach over ODBC (hourly balancing, as in the "
        "`unreachable` variant), whose clients are refused most often: the unreachable server's, or those of a "
        "server it can still reach? The check leaves server 1 out, not the variant's server 2.",
        ("the unreachable server's", "a reachable server's"),
        "unreachable_servers",
        (1,),
        _q210202_2,
        "The unreachable server keeps the licences it held when balancing lost sight of it, whatever its office "
        "needs, so its clients run short at their peak; the others share the rest and follow their offices "
        "every hour.",
        where="one server that License Metering cannot reach",
        holds=lambda unreachable: len(unreachable) == 1,
    ),
    Rule(
        "Q210202",
        3,
        "With on-demand balancing on, which calms on-demand balancing more: raising the licences from 70 to "
        "100, or keeping 70 and balancing every hour?",
        ("more licences", "hourly balancing"),
        "licenses",
        100,
        _q210202_3,
        "On-demand moves answer the refusals of offices that run short. A tighter schedule trims them; more "
        "licences, meaning enough for the peaks, removes many more. This matches the article's advice to design "
        "the system, not only to tune the schedule.",
    ),
    Rule(
        "Q212894",
        1,
        "If every client ran Windows 95/98 instead of half of them, would the median time a Windows 95/98 client "
        "stays cut off from every server (until its CCIM cycle or a restart) be about the same or very different? "
        "(The answer is the same for any share from a tenth up; each side is a mean over four seeds.)",
        ("about the same", "very different"),
        "win9x_fraction",
        1.0,
        _q212894_1,
        "Each Windows 95/98 client waits for its own first CCIM cycle, counted from its own install; how many "
        "other clients share its fault does not move that clock. With only a handful of Windows 95/98 clients "
        "the median is one or two clients' luck, so the question starts at a tenth.",
        where="any share from a tenth up",
        holds=lambda fraction: fraction >= 0.1,
    ),
    Rule(
        "Q212894",
        2,
        "Suppose server 0 were offline for one hour instead of thirty (in the explorer, type 60 into the "
        "outage length). Would any Windows 95/98 client need a CCIM cycle or a restart to recover? (The answer is "
        "the same for any outage that ends by 11:00, when the first CCIM cycles come.)",
        ("yes", "no"),
        "outages.minutes",
        60.0,
        _q212894_2,
        "The outage is over before any client's first cycle (11:00 at the earliest), so the stranded agents "
        "simply find server 0 again when it returns. The article's symptom needs a long outage soon after the "
        "install.",
        where="any outage that ends by 11:00",
        holds=lambda minutes: minutes <= 60,
    ),
    Rule(
        "Q212894",
        3,
        "The retry cadence of a bound Windows 95/98 agent is kbsim's assumption. If the agent retried every "
        "5 minutes instead of every minute (`win9x_retry_s` = 300), would its users wait any longer?",
        ("yes, longer", "no, the same"),
        "win9x_retry_s",
        300.0,
        _q212894_3,
        "The wait is set by the first CCIM cycle, not by the retries: retrying less often only cuts the attempt "
        "count. Any attempt count quoted for this fault is a consequence of the assumed cadence.",
    ),
    Rule(
        "Q213261",
        1,
        "If the run lasted 3 days instead of 7, would the share of program runs that never reach the site be "
        "about the same, or very different?",
        ("about the same share", "a very different share"),
        "days",
        3,
        _q213261_1,
        "A lagging client keeps every run it makes from the first day on, and it runs programs as often as the "
        "others: its share of the runs, and so the share lost, does not depend on how long you watch.",
    ),
    Rule(
        "Q213261",
        2,
        "If half the clients, instead of a fifth, ran four hours behind, what share of all program runs would "
        "never reach the site?",
        ("about the share of lagging clients", "far less than that", "far more than that"),
        "skewed_fraction",
        0.5,
        _q213261_2,
        "Every run of a lagging client stays on the client, and lagging clients run programs as often as the "
        "others, so the share never uploaded follows the share of lagging clients.",
    ),
    Rule(
        "Q213261",
        3,
        "Would polling (and so uploading) every 60 minutes instead of every 240 rescue the lagging clients' usage?",
        ("yes", "no"),
        "config_poll_min",
        60.0,
        _q213261_3,
        "A shorter poll only shrinks the backlog of runs waiting for the next upload; it does nothing for a "
        "client that refuses to upload at all.",
    ),
    Rule(
        "Q213261",
        4,
        "An administrator in a hurry reinstalls the lagging clients at 24 h and only sets their clocks at 26 h. "
        "Would their usage reach the site after that? (The answer is the same whenever the clocks are set after "
        "the reinstall.)",
        ("yes", "no"),
        "clock_sync_h",
        26.0,
        _q213261_4,
        "The reinstall came while the clocks still lagged, so it installed the same fault again, and the runs of "
        "the first day went with the removed software for nothing. The order of the article's steps matters: set "
        "the clock, then install.",
        where="whenever the clocks are set after the reinstall",
        holds=lambda sync_h: sync_h > 24,
    ),
    Rule(
        "Q311764",
        1,
        "The clients' clocks ran ten days ahead. If they had run two days ahead instead, would those clients "
        "upload again before the week ends? (The answer is the same as long as the clocks ran at most five days "
        "ahead.)",
        ("yes", "no"),
        "clock_ahead_min",
        2880.0,
        _q311764_1,
        "Each upload made while the clock ran ahead stored the next upload time that far in the future. Once the "
        "clock is set right the client waits for that time: two days after its last upload, inside the week, "
        "where ten days outlast it.",
        where="as long as the clocks ran at most five days ahead",
        holds=lambda ahead_min: ahead_min <= 7200,
    ),
    Rule(
        "Q311764",
        2,
        "Would polling every 60 minutes instead of every 240 shorten the longest upload stall by more than half a day?",
        ("yes", "no"),
        "config_poll_min",
        60.0,
        _q311764_2,
        "The stored time is the clock at the last upload plus one interval: the interval adds at most one poll to "
        "a stall that lasts as long as the clock ran ahead. Polling more often only shrinks the backlog that "
        "waits for the next poll.",
    ),
    Rule(
        "Q311764",
        3,
        "An administrator in a hurry reinstalls the clients at 20 h and only sets their clocks right at 24 h. "
        "Would their uploads go on after that? (The answer is the same whenever the reinstall comes before the "
        "clocks are set right.)",
        ("yes", "no"),
        "reinstall_h",
        20.0,
        _q311764_3,
        "The reinstall deleted the stored NextOfflineSyncTime, but the clients polled again with their clocks "
        "still ahead and stored a time in the future once more. Set the clock, then reinstall: that is the "
        "articles' order.",
        where="whenever the reinstall comes before the clocks are set right",
        holds=lambda reinstall_h: reinstall_h < 24,
    ),
    Rule(
        "Q245271",
        1,
        "Suppose every restart's stop worked (`remodbc_stop_fail_pct` at 0 %). Remodbc.exe still leaks and the "
        "manager still restarts it at 50 MB. Would any client have to fail over in the week? (The answer is "
        "claimed only when no stop ever fails.)",
        ("yes", "no"),
        "remodbc_stop_fail_pct",
        0.0,
        _q245271_1,
        "A restart that works costs the clients nothing in this model: the server goes on answering. Only a "
        "failed stop takes a server away, and only then do its clients move to the others.",
        where="only when no stop ever fails",
        holds=lambda pct: pct == 0,
    ),
    Rule(
        "Q245271",
        2,
        "The administrator installs the Q245271 hotfix (`service_pack` SP2+hotfix). Compared with SP2, how many "
        "status messages 9406 does the week raise? (The answer is the same for the hotfix or SP3.)",
        ("none at all", "about the same", "many more"),
        "service_pack",
        "SP2+hotfix",
        _q245271_2,
        "The hotfix ends the leak, so no server hangs on a failed restart, but it brings the hang of Q299261: "
        "from the Sunday pack on every server reports stopping and the manager raises 9406 for each at every "
        "poll. Only SP4 is quiet.",
        where="for the hotfix or SP3",
        holds=lambda sp: sp in ("SP2+hotfix", "SP3"),
    ),
    Rule(
        "Q245271",
        3,
        "The site reboots a hung server within the hour (`hang_reboot_h` 1). Do the Remodbc.exe restarts stop? "
        "(The answer is the same for any reboot time.)",
        ("yes", "no"),
        "hang_reboot_h",
        1.0,
        _q245271_3,
        "A reboot cures the hang, not the leak: the new Remodbc.exe leaks again from zero and is restarted at the "
        "threshold again. Quick reboots shorten the hours hung; only the hotfix or a later service pack ends the "
        "restarts.",
    ),
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

_BY_KEY = {(rule.article, rule.number): rule for rule in RULES}


def rule(article: str, number: int) -> Rule:
    """The exercise ``number`` of ``article``'s notebook (``article`` as "Q226827" or the notebook's name)."""
    article = str(article).split("_", 1)[0]
    if (article, number) not in _BY_KEY:
        known = ", ".join(f"{a} {n}" for a, n in _BY_KEY)
        raise ParameterError(f"exercise ({article!r}, {number!r}) is not allowed: expected one of {known}")
    return _BY_KEY[(article, number)]


def of(article: str) -> list[Rule]:
    """The exercises of one article's notebook, in order."""
    return [r for r in RULES if r.article == str(article).split("_", 1)[0]]


def answer_key(articles: list[str] | None = None) -> pd.DataFrame:
    """The instructor's key: one row per exercise (article, number, question, answer, why)."""
    rows = []
    for r in RULES:
        if articles and r.article not in articles:
            continue
        rows.append(
            {"article": r.article, "exercise": r.number, "question": r.question, "answer": r.answer()[0], "why": r.why}
        )
    return pd.DataFrame(rows)
