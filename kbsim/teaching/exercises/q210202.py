"""Q210202's predict-then-check exercises: their questions, answer rules and explanations."""

from __future__ import annotations

from typing import Any

from .rule import Rule, _compare, _run


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


RULES: tuple[Rule, ...] = (
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
)
