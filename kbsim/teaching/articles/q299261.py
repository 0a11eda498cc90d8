"""Q299261, the licence server "stopping" after the weekly pack: its record, how a mystery site draws it, counts
it and finds it."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...model.parameters import Params
from ...model.result import Result
from ...model.service import STOP_PENDING
from ..evidence import Evidence
from .record import Article, Cause, Detail, Finding
from .signs import status_9406


def draw(rng: np.random.Generator, v: dict[str, Any], level: int) -> Cause:
    """A service pack with the pack hang (SP3, or SP2 with the hotfix: kept at SP2+hotfix on an offline SP2
    site, so that Q213261's conditions hold beside it)."""
    v["service_pack"] = (
        "SP2+hotfix"
        if v.get("service_pack") == "SP2" and v.get("mode") == "offline"
        else str(rng.choice(["SP3", "SP3", "SP2+hotfix"]))
    )
    v["days"] = max(v["days"], 3)
    sp = v["service_pack"]
    return ARTICLE.cause(
        "hang",
        f"At {sp}, the weekly FoxPro pack (Sunday 01:59:59) left SMS_LICENSE_SERVER 'stopping' without "
        "stopping; SMS_LICENSE_SERVER_MANAGER raised 9406 (error 1061) at every poll from then on. SP4 fixes it.",
        service_pack=sp,
    )


def count(result: Result, case: Params) -> float:
    """Hours SMS_LICENSE_SERVER hung: the polls that found it in "stopping", in hours."""
    hung = result.status["state"] == STOP_PENDING  # the 9406s that cite error 1061
    return float(hung.sum() * result.params.poll_interval_min / 60)


def rule(evidence: Evidence) -> Finding | None:
    """Status message 9406 citing error 1061 (the service hangs in "stopping")."""
    status = status_9406(evidence)
    hung = status[status["state"] == STOP_PENDING]
    if not len(hung):
        return None
    return ARTICLE.found(
        "hang", f"{len(hung)} status messages 9406 cite error 1061", service_pack=evidence.settings["service_pack"]
    )


ARTICLE = Article(
    number="Q299261",
    title="licence server not running",
    notebook="Q299261_server_not_running",
    symptom="hours SMS_LICENSE_SERVER hung (9406 with error 1061)",
    details=(
        Detail("hang", "{service_pack}: SMS_LICENSE_SERVER hangs after the weekly pack", {"service_pack": "SP4"}),
    ),
    plain_excess=5.0,
    evidence_hint="the status messages show 9406 with error 1061 at every poll from the Sunday pack on",
    evidence_pane="the status messages",
    absent_hint="no 9406 with error 1061 after a pack",
    detail_hint="the settings show the service pack",
    draw=draw,
    count=count,
    rule=rule,
)
