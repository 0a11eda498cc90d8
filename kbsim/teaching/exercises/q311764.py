"""Q311764's predict-then-check exercises: their questions, answer rules and explanations."""

from __future__ import annotations

from typing import Any

from .rule import Rule, _compare, _run


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


RULES: tuple[Rule, ...] = (
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
)
