"""Q245271, Remodbc.exe's leak and the hang of a failed restart: its record, how a mystery site draws it, counts it
and finds it."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...model.parameters import PARAMETERS, Params
from ...model.result import Result
from ...model.service import HUNG
from ..evidence import Evidence
from .record import Article, Cause, Detail, Finding
from .signs import servers_in, status_9406

_LEAK = PARAMETERS["remodbc_leak_kb"]


def draw(rng: np.random.Generator, v: dict[str, Any], level: int) -> Cause:
    """An online site at SP2 whose Remodbc.exe reaches the restart threshold within a day or two, and whose
    restarts' stops often fail; an administrator reboots a hung server hours later."""
    v["mode"], v["service_pack"] = "online", "SP2"
    v["days"] = max(v["days"], 4)
    per_server_day = v["n_clients"] * v["launches_per_day"] / v["n_servers"]
    to_threshold_days = float(rng.integers(2, 7)) / 4  # half a day to a day and a half [assumed, for the draw]
    leak = 50 * 1024 / (per_server_day * to_threshold_days)
    v["remodbc_leak_kb"] = float(min(max(round(leak * 2) / 2, 0.5), _LEAK.high))
    v["remodbc_stop_fail_pct"] = float(rng.integers(12, 21)) * 5 if level == 1 else float(rng.integers(6, 13)) * 5
    v["hang_reboot_h"] = float(rng.integers(6, 25))
    return ARTICLE.cause(
        "hang",
        f"At SP2 each server's Remodbc.exe leaked {v['remodbc_leak_kb']:g} KB with every licence request; the "
        f"License Server Manager restarted it at 50 MB and {v['remodbc_stop_fail_pct']:g} % of the stops failed: "
        f"the server hung, answering nobody, until it was rebooted {v['hang_reboot_h']:g} hours later. The "
        "post-SP2 hotfix ends the leak but brings Q299261's hang; SP4 has neither.",
        service_pack="SP2",
    )


def count(result: Result, case: Params) -> float:
    """Server-hours hung after a failed restart of Remodbc.exe."""
    return float(result.summary["hours_hung"])


def rule(evidence: Evidence) -> Finding | None:
    """Status message 9406 for a server hung by a failed stop of Remodbc.exe (its restart)."""
    status = status_9406(evidence)
    hung = servers_in(status, status["state"] == HUNG)
    if not hung:
        return None
    server, polls = hung.most_common(1)[0]
    return ARTICLE.found(
        "hang",
        f"9406: SWM{server} hung ({polls} polls), Remodbc.exe could not be stopped for its restart",
        service_pack=evidence.settings["service_pack"],
    )


ARTICLE = Article(
    number="Q245271",
    title="Remodbc.exe leak and hang",
    notebook="Q245271_remodbc_leak",
    symptom="server-hours hung after a failed Remodbc.exe restart",
    details=(
        Detail(
            "hang",
            "{service_pack}: Remodbc.exe leaks, and a restart whose stop fails hangs the server",
            {"service_pack": "SP4"},
        ),
    ),
    plain_excess=4.0,
    evidence_hint="LICSRVC.log shows Remodbc.exe restarted above its memory threshold, and the status messages "
    "show 9406 for a server whose Remodbc.exe could not be stopped, at every poll until its reboot",
    evidence_pane="the status messages and LICSRVC.log",
    absent_hint="no server hung on a failed restart of Remodbc.exe",
    detail_hint="the settings show the service pack",
    draw=draw,
    count=count,
    rule=rule,
)
