"""Q245271's predict-then-check exercises: their questions, answer rules and explanations."""

from __future__ import annotations

from typing import Any

from .rule import Rule, _compare, _run


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


RULES: tuple[Rule, ...] = (
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
)
