"""Q212894's predict-then-check exercises: their questions, answer rules and explanations."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .rule import Rule, _compare, _run

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


RULES: tuple[Rule, ...] = (
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
)
