"""Q212894, Windows 95/98 clients bound to one server: its record, how a mystery site draws it, counts it and
finds it."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...model.parameters import Params
from ...model.result import Result
from ..evidence import Evidence
from .record import Article, Cause, Detail, Finding
from .signs import retried_servers, silent_servers, win9x_client

#: Retries of one server in one Liccli.log that mark a stranded Windows 95/98 client [assumed threshold].
STRANDED_RETRIES = 10


def draw(rng: np.random.Generator, v: dict[str, Any], level: int) -> Cause:
    """A long failure of one server before the Windows 95/98 clients' first CCIM cycle."""
    server = int(rng.integers(0, v["n_servers"]))
    v["win9x_fraction"] = float(rng.integers(6, 13)) / 20
    v["install_h"], v["install_spread_h"] = -float(rng.integers(8, 15)), 12.0
    start_h = float(rng.integers(4, 17)) / 4
    minutes = float(rng.integers(12, 31)) * 60
    v["outages"] = ((server, start_h, minutes),)
    v["days"] = max(v["days"], 3)
    return ARTICLE.cause(
        "stranded",
        f"SWM{server} failed {start_h:g} hours in, for {minutes / 60:g} hours, before the Windows 95/98 "
        "clients' first CCIM cycle: they knew only that server and kept retrying it, while Windows NT clients "
        "moved on at once. A restart (or the first CCIM cycle) gives them the full server list.",
        server=server,
    )


def count(result: Result, case: Params) -> float:
    """Failed contacts and retries: connection attempts beyond the requests they were made for."""
    return float(result.summary["connection_attempts"] - result.summary["requests"])


def stranded_server(evidence: Evidence) -> int | None:
    """The server a Windows 95/98 agent retried again and again while a server did not answer, if any."""
    retried = retried_servers(evidence)
    if not silent_servers(evidence) or not win9x_client(evidence) or not retried:
        return None
    server, times = retried.most_common(1)[0]
    return server if times >= STRANDED_RETRIES else None


def rule(evidence: Evidence) -> Finding | None:
    """A server did not answer (9406) and the complaining Windows 95/98 agent retried one server again and again."""
    server = stranded_server(evidence)
    if server is None:
        return None
    times = retried_servers(evidence)[server]
    return ARTICLE.found(
        "stranded", f"Liccli95 on computer {evidence.client} failed to reach SWM{server} {times} times", server=server
    )


ARTICLE = Article(
    number="Q212894",
    title="Windows 95/98 clients and one server",
    notebook="Q212894_win9x_single_server",
    symptom="failed contacts and retries",
    details=(
        Detail(
            "stranded",
            "Windows 95/98 clients keep retrying SWM{server}",
            {"users_restart": True, "restart_after_h": 0.5},
        ),
    ),
    plain_excess=500.0,
    evidence_hint="Liccli.log shows a Windows 95/98 client (Liccli95) retrying one server again and again "
    "while another is up",
    evidence_pane="Liccli.log",
    absent_hint="no Windows 95/98 client is stuck retrying one server",
    detail_hint="the Liccli.log retries name the server",
    draw=draw,
    count=count,
    rule=rule,
)
