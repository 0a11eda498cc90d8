"""Q311764, clocks that ran ahead and uploads that stop (also Q226832): its record, how a mystery site draws it,
counts it and finds it."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...model.parameters import Params
from ...model.result import Result
from ..evidence import Evidence
from .record import Article, Cause, Detail, Finding


def draw(rng: np.random.Generator, v: dict[str, Any], level: int) -> Cause:
    """Offline clients, a share of them with clocks days ahead of the site server, set right early in the run."""
    v["mode"] = "offline"
    v["ahead_fraction"] = float(rng.integers(3, 7)) / 20 if level == 1 else float(rng.integers(2, 5)) / 20
    days_ahead = int(rng.integers(10, 41))
    v["clock_ahead_min"] = days_ahead * 1440.0
    v["clock_sync_h"] = float(rng.integers(4, 21))
    v["days"] = max(v["days"], 4)
    return ARTICLE.cause(
        "ahead",
        f"{v['ahead_fraction']:.0%} of the clients had clocks {days_ahead} days ahead of the site server and "
        "uploaded their offline logs that way: each upload stored the next upload time (NextOfflineSyncTime) "
        f"{days_ahead} days in the future. Their clocks were set right {v['clock_sync_h']:g} hours in; from then on "
        "their polls skipped the upload until that date, after the run's end. Remove the client software (its "
        "stored time goes with it) and reinstall it once the clock is right.",
    )


def count(result: Result, case: Params) -> float:
    """Runs still held in clients' logs at the end because their polls skipped the upload (NextOfflineSyncTime)."""
    return float(result.summary["sessions_stalled"])


def rule(evidence: Evidence) -> Finding | None:
    """Offline clients, and the complaining computer's Liccli.log skips uploads that are not due yet."""
    client = evidence.client_facts
    skipped = client[client["kind"] == "upload_skipped"]
    if evidence.settings["mode"] != "offline" or not len(skipped):
        return None
    return ARTICLE.found(
        "ahead",
        f"Liccli.log of computer {evidence.client}: {len(skipped)} polls skipped the upload (not due yet), "
        f"{int(skipped['runs'].max())} runs waiting",
    )


ARTICLE = Article(
    number="Q311764",
    title="clock ahead and offline uploads",
    notebook="Q311764_clock_ahead_uploads",
    symptom="runs held back by NextOfflineSyncTime at the end",
    details=(
        Detail("ahead", "clients that uploaded while their clocks ran ahead", {"reinstall_h": 24.0}),
        Detail("lagging", "clients whose clocks lag the site server", None),
        Detail("server", "clients of SWM{server}", None),
    ),
    plain_excess=10.0,
    evidence_hint="Liccli.log says 'Offline upload not due yet' at poll after poll once the date and time were "
    "changed, with runs piling up on the client",
    evidence_pane="Liccli.log",
    absent_hint="no client's polls skip the upload as not due yet",
    detail_hint="Liccli.log shows the date and time changed, set back, before the uploads stopped",
    draw=draw,
    count=count,
    rule=rule,
)
