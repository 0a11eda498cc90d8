"""Q226838's predict-then-check exercises: their questions, answer rules and explanations."""

from __future__ import annotations

from typing import Any

from .rule import Rule, _compare, _run

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


RULES: tuple[Rule, ...] = (
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
)
