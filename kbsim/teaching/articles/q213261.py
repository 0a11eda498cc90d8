"""Q213261, clocks that lag and usage never uploaded: its record, how a mystery site draws it, counts it and
finds it."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...model.parameters import Params
from ...model.result import Result
from ..evidence import Evidence
from .record import Article, Cause, Detail, Finding


def draw(rng: np.random.Generator, v: dict[str, Any], level: int) -> Cause:
    """Offline clients at SP2, a share of them with clocks behind the site server's at install."""
    v["mode"], v["service_pack"] = "offline", "SP2"
    v["skewed_fraction"] = float(rng.integers(2, 7)) / 20 if level == 1 else float(rng.integers(1, 5)) / 20
    v["clock_offset_min"] = float(rng.integers(8, 41)) * 15 if level == 1 else float(rng.integers(6, 17)) * 15
    v["days"] = max(v["days"], 4)
    return ARTICLE.cause(
        "lagging",
        f"{v['skewed_fraction']:.0%} of the clients had clocks {v['clock_offset_min']:g} minutes behind the "
        "site server when their metering software was installed: they never upload their offline logs. "
        "Set their clocks, then remove and reinstall the client software.",
    )


def count(result: Result, case: Params) -> float:
    """Uploads a lagging clock held back in the run's last day."""
    events = result.events
    last_day = events["hours"] >= result.params.days * 24 - 24
    return float(((events["kind"] == "upload_refused") & last_day).sum())


def rule(evidence: Evidence) -> Finding | None:
    """Offline clients, with a refused upload in Liccli.log, or computers that report no runs at all while
    Liccli.log does not put them down to uploads not due yet (Q311764's sign)."""
    silent_computers = int((evidence.usage["runs_reported"] == 0).sum())
    refused = bool((evidence.client_facts["kind"] == "upload_refused").any())
    not_due = bool((evidence.client_facts["kind"] == "upload_skipped").any())
    if evidence.settings["mode"] != "offline" or not (refused or (silent_computers >= 2 and not not_due)):
        return None
    return ARTICLE.found(
        "lagging",
        f"{silent_computers} computers report no runs" + ("; Liccli.log refuses uploads" if refused else ""),
    )


ARTICLE = Article(
    number="Q213261",
    title="clock skew and usage",
    notebook="Q213261_clock_skew_usage",
    symptom="upload refusals in the last day",
    details=(
        Detail("lagging", "clients whose clocks lag the site server", {"clock_sync_h": 24.0, "reinstall_h": 24.0}),
        Detail("win9x", "Windows 95/98 clients", None),
        Detail("server", "clients of SWM{server}", None),
    ),
    plain_excess=3.0,
    evidence_hint="usage by computer shows clients reporting no runs at all, and Liccli.log says 'Offline "
    "upload not attempted'",
    evidence_pane="usage by computer and Liccli.log",
    absent_hint="every computer reports its runs; no upload is refused",
    detail_hint="the computers that report nothing are not all of one OS or one server; their Liccli.log "
    "times run behind",
    draw=draw,
    count=count,
    rule=rule,
)
