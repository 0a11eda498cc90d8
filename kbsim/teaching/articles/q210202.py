"""Q210202, licences badly balanced: its record, how a mystery site draws it, counts it and finds it."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from ...model.parameters import Params
from ...model.record import NO_ODBC_ACCESS
from ...model.result import Result
from ..evidence import Evidence
from .record import Article, Cause, Detail, Finding
from .signs import servers_in

#: A schedule this sparse (hours) leaves licences where demand was [assumed threshold].
SPARSE_SCHEDULE_H = 12.0


def draw(rng: np.random.Generator, v: dict[str, Any], level: int) -> Cause:
    """Demand that moves through the day (offices in time zones), with a server License Metering cannot read or a
    sparse schedule."""
    v["office_hours"], v["timezone_shift_h"] = True, float(rng.integers(3, 7))
    v["licenses"] = int(v["licenses"] * 1.5)  # the day's launches packed into office hours
    if rng.random() < 0.5:
        server = int(rng.integers(0, v["n_servers"]))
        v["unreachable_servers"] = (server,)
        v["instant_balancing"] = False
        return ARTICLE.cause(
            "unreachable",
            f"License Metering could not read SWM{server} through ODBC, so every balancing cycle left it "
            "out and its licences stayed where they were.",
            server=server,
        )
    v["balancing_interval_h"] = float(rng.choice([24.0, 48.0] if level == 1 else [12.0, 24.0]))
    v["instant_balancing"] = False if level == 1 else bool(rng.random() < 0.5)
    return ARTICLE.cause(
        "sparse",
        f"Licences were balanced only every {v['balancing_interval_h']:g} hours while demand moved from "
        "office to office through the day: licences sat where demand had been"
        + (", and on-demand balancing ran constantly doing the schedule's work." if v["instant_balancing"] else "."),
    )


def count(result: Result, case: Params) -> float:
    """Denials."""
    return float(result.summary["denials"])


def baseline(params: Params) -> Params:
    """The same site balanced well: every server reachable, or an hourly schedule."""
    return dataclasses.replace(params, **ARTICLE.fix("unreachable" if params.unreachable_servers else "sparse"))


def rule(evidence: Evidence) -> Finding | None:
    """LICSRVC.log leaves a server out for want of ODBC access, or the schedule is half a day or more while
    licences are denied or moved on demand."""
    licsrvc = evidence.licsrvc_facts
    left_out = servers_in(licsrvc, (licsrvc["kind"] == "balancing_skipped") & (licsrvc["reason"] == NO_ODBC_ACCESS))
    if left_out:
        server = left_out.most_common(1)[0][0]
        return ARTICLE.found(
            "unreachable",
            f"LICSRVC.log left SWM{server} out of {left_out[server]} cycles (no ODBC access)",
            server=server,
        )
    settings, summary = evidence.settings, evidence.summary
    if (
        settings["balancing_interval_h"] >= SPARSE_SCHEDULE_H
        and settings["mode"] == "online"
        and (summary["denial_rate"] >= 0.01 or summary["instant_balancings"] > 0)
    ):
        return ARTICLE.found(
            "sparse",
            f"balancing every {settings['balancing_interval_h']:g} h with "
            f"{summary['denials']} denials and {summary['instant_balancings']} on-demand moves",
        )
    return None


ARTICLE = Article(
    number="Q210202",
    title="licence balancing",
    notebook="Q210202_license_balancing",
    symptom="denials",
    details=(
        Detail(
            "sparse",
            "the balancing schedule is too sparse",
            {"balancing_interval_h": 1.0, "instant_balancing": False},
        ),
        Detail("unreachable", "License Metering cannot reach SWM{server} over ODBC", {"unreachable_servers": ()}),
    ),
    plain_excess=40.0,
    evidence_hint="LICSRVC.log shows servers left out of balancing cycles (no ODBC access), or the schedule "
    "in the settings is far sparser than demand moves",
    evidence_pane="LICSRVC.log and the balancing schedule",
    absent_hint="no server is left out of balancing and the schedule is not sparse",
    detail_hint="LICSRVC.log says which server was left out, if any; otherwise compare the schedule with the demand",
    draw=draw,
    count=count,
    baseline=baseline,
    rule=rule,
)
