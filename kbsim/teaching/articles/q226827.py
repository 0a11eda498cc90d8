"""Q226827, an offline metering server: its record, how a mystery site draws it, counts it and finds it."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from ...model.parameters import Params
from ...model.result import Result
from ..evidence import Evidence
from . import q212894, q226838
from .record import Article, Cause, Detail, Finding
from .signs import silent_servers


def draw(rng: np.random.Generator, v: dict[str, Any], level: int) -> Cause:
    """One server offline for a while on a site whose demand leans on it, with too few licences to spare."""
    server = int(rng.integers(0, v["n_servers"]))
    busy = float(rng.integers(10, 17)) / 20 if level == 1 else float(rng.integers(7, 15)) / 20
    v["demand_skew"] = busy if server == 0 else round((1 - busy) / (v["n_servers"] - 1), 2)
    v["licenses"] = int(v["licenses"] * 0.85)
    start_h = float(rng.integers(4, 4 * (v["days"] * 24 - 12))) / 4
    minutes = float(rng.integers(4, 25)) * 15 if level == 1 else float(rng.integers(2, 13)) * 15
    v["outages"] = ((server, start_h, minutes),)
    v["instant_balancing"] = False if level == 1 else v["instant_balancing"]
    return ARTICLE.cause(
        "offline",
        f"SWM{server} was offline for {minutes:g} minutes from hour {start_h:g}; its clients failed over at "
        "once (the retries were ignored), too few licences waited on the other servers, and the licences "
        "stayed where they were until balancing moved them.",
        server=server,
    )


def count(result: Result, case: Params) -> float:
    """Denials after the outage: those during it are the bug itself (no fix shipped); those after it are the
    imbalance that settings cure."""
    events = result.events
    end_h = max((o[1] + o[2] / 60 for o in case.outages), default=0.0)
    return float(((events["kind"] == "deny") & (events["hours"] >= end_h)).sum())


def baseline(params: Params) -> Params:
    """The same site with no outage."""
    return dataclasses.replace(params, outages=())


def rule(evidence: Evidence) -> Finding | None:
    """A server did not answer (9406) and the clients switched at once (not a stranded Windows 95/98 client, and not
    licences left in use with no program behind them, the sign of Q226838's phantoms)."""
    silent = silent_servers(evidence)
    if not silent or q212894.stranded_server(evidence) is not None or q226838.phantoms_seen(evidence):
        return None
    server = silent.most_common(1)[0][0]
    return ARTICLE.found("offline", f"9406: SWM{server} did not answer at {silent[server]} polls", server=server)


ARTICLE = Article(
    number="Q226827",
    title="an offline metering server",
    notebook="Q226827_offline_server",
    symptom="denials after the outage",
    details=(
        Detail("offline", "SWM{server} went offline", {"balancing_interval_h": 0.25, "instant_balancing": False}),
    ),
    plain_excess=15.0,
    evidence_hint="the status messages show 9406 'does not answer' for one server, and Liccli.log shows "
    "clients switching server at the first failure",
    evidence_pane="the status messages and Liccli.log",
    absent_hint="no server went offline with clients switching at once (no 9406 'does not answer' with failovers)",
    detail_hint="the 9406 messages name the server that did not answer",
    draw=draw,
    count=count,
    baseline=baseline,
    rule=rule,
)
