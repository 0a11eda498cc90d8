"""Q226838, phantom licences after a failover: its record, how a mystery site draws it, counts it and finds it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...model.parameters import Params
from ...model.result import Result
from ..evidence import Evidence
from . import q212894
from .record import Article, Cause, Detail, Finding
from .signs import silent_servers

#: No program runs this long (hours): a licence in use on a server that granted none in this span has no program
#: behind it [assumed threshold; the mystery sites' programs run 30 to 90 minutes on average, exponentially].
IDLE_SPAN_H = 12.0
#: Licences held with no program behind them, at one sample, that mark phantoms [assumed threshold].
PHANTOMS_SEEN = 2


def draw(rng: np.random.Generator, v: dict[str, Any], level: int) -> Cause:
    """An office site (programs start only 08:00-18:00) whose busiest server goes offline for a while in office
    hours; its clients move at once while long programs run, with licences to spare."""
    server = int(rng.integers(0, v["n_servers"]))
    v["phantom_fault_fixed_in"] = "none"  # SMS 2.0 as shipped: the fault this case is about
    busy = float(rng.integers(10, 17)) / 20 if level == 1 else float(rng.integers(8, 15)) / 20
    v["demand_skew"] = busy if server == 0 else round((1 - busy) / (v["n_servers"] - 1), 2)
    v["office_hours"], v["timezone_shift_h"] = True, 0.0
    v["mean_session_min"] = float(rng.integers(12, 19)) * 5 if level == 1 else float(rng.integers(8, 15)) * 5
    load = v["n_clients"] * v["launches_per_day"] * v["mean_session_min"] / 600  # the day's runs in ten hours
    v["licenses"] = int(np.ceil(load * 2.0 + 6 * v["n_servers"]))  # enough for the busiest server alone
    day = int(rng.integers(0, 2))
    start_h = day * 24 + float(rng.integers(40, 61)) / 4  # 10:00 to 15:00
    minutes = float(rng.integers(4, 13)) * 15 if level == 1 else float(rng.integers(2, 7)) * 15
    v["outages"] = ((server, start_h, minutes),)
    v["days"] = max(v["days"], day + 3)
    return ARTICLE.cause(
        "phantoms",
        f"SWM{server} was offline for {minutes:g} minutes from hour {start_h:g}; each client that moved to another "
        "server while a program ran left that program's licence in use on SWM{server}, with no program behind it "
        "(the new server granted a second one). No fix shipped; the fix tries the one the model assumes.".replace(
            "{server}", str(server)
        ),
        server=server,
    )


def count(result: Result, case: Params) -> float:
    """Phantom licences made: licences left in use on a server a client moved away from while its program ran."""
    return float(result.summary["phantom_licences"])


def idle_in_use(evidence: Evidence) -> pd.Series:
    """Per server, the most licences the console showed in use, while the server answered, beyond the grants it
    made in the :data:`IDLE_SPAN_H` hours before: licences in use with no program that could hold them."""
    licences, requests = evidence.licences, evidence.requests
    granted = requests[requests["outcome"] == "granted"]
    out: dict[int, int] = {}
    # only samples whose whole span lies in the run: the licences in use at the start came from grants before it
    seen = licences[(licences["server"] >= 0) & licences["up"] & (licences["hours"] >= IDLE_SPAN_H)]
    for key, samples in seen.groupby("server"):
        server = int(str(key))
        times = np.sort(granted.loc[granted["server"] == server, "hours"].to_numpy(dtype=float))
        hours = samples["hours"].to_numpy(dtype=float)
        recent = np.searchsorted(times, hours, side="right") - np.searchsorted(times, hours - IDLE_SPAN_H, "right")
        out[server] = int((samples["in_use"].to_numpy() - recent).max(initial=0))
    return pd.Series(out, dtype="int64")


def phantoms_seen(evidence: Evidence) -> bool:
    """Whether a server went silent (9406) and a server afterwards held :data:`PHANTOMS_SEEN` or more licences in
    use with no program that could hold them (not a stranded Windows 95/98 client, Q212894's sign: its rebinds
    leave a few phantoms too)."""
    if not silent_servers(evidence) or q212894.stranded_server(evidence) is not None:
        return False
    idle = idle_in_use(evidence)
    return bool(len(idle) and idle.max() >= PHANTOMS_SEEN)


def rule(evidence: Evidence) -> Finding | None:
    """A server did not answer (9406) and afterwards the console counted licences in use on a server that had
    granted none in the :data:`IDLE_SPAN_H` hours before (phantoms: in use, no program behind them)."""
    if not phantoms_seen(evidence):
        return None
    idle = idle_in_use(evidence)
    server = int(idle.to_numpy().argmax())
    server = int(idle.index[server])
    return ARTICLE.found(
        "phantoms",
        f"{idle[server]} licences in use on SWM{server} with no grant there in the {IDLE_SPAN_H:g} hours before",
        server=server,
    )


ARTICLE = Article(
    number="Q226838",
    title="phantom licences after a failover",
    notebook="Q226838_phantom_licences",
    symptom="phantom licences made",
    details=(
        Detail(
            "phantoms",
            "licences left in use on SWM{server} by clients that moved while a program ran",
            {"phantom_fault_fixed_in": "SP2"},
        ),
        Detail("imbalance", "licences left on the wrong server until balancing", None),
    ),
    plain_excess=3.0,
    evidence_hint="after a server went offline (9406 'does not answer'), the licences in use on a server stay up "
    "overnight, when it has granted nothing for hours: licences in use with no program behind them",
    evidence_pane="the licences in use by server overnight, beside the requests",
    absent_hint="no server holds licences in use at hours when it has granted nothing",
    detail_hint="the server whose in-use count stays up through the night is the one the clients left",
    draw=draw,
    count=count,
    rule=rule,
)
