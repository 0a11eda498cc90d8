"""Q226827's predict-then-check exercises: their questions, answer rules and explanations."""

from __future__ import annotations

from typing import Any

from .rule import Rule, _compare, _run


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
)
