"""Q213261's predict-then-check exercises: their questions, answer rules and explanations."""

from __future__ import annotations

from typing import Any

from .rule import Rule, _compare, _run


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


RULES: tuple[Rule, ...] = (
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
)
