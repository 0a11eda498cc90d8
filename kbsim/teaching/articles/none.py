"""The answer "none": no article, a healthy site that simply has too few licences (its fix is sized to the site)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...model.parameters import Params
from ...model.result import Result
from ..evidence import Evidence
from .record import Article, Cause, Detail, Finding


def draw(rng: np.random.Generator, v: dict[str, Any], level: int) -> Cause:
    """Fewer licences than the programs that run at once on average, balanced on demand."""
    load = v["n_clients"] * v["launches_per_day"] * v["mean_session_min"] / 1440
    v["licenses"] = max(1, int(load * float(rng.integers(12, 18)) / 20))
    v["instant_balancing"] = True
    return Cause(
        ARTICLE.number,
        ARTICLE.say("undersized"),
        {"licenses": math.ceil(load * 1.6 + 6 * v["n_servers"])},
        f"Nothing is broken: about {load:.0f} programs run at once on average and the site has "
        f"{v['licenses']} licences.",
    )


def count(result: Result, case: Params) -> float:
    """The share of requests denied."""
    return float(result.summary["denial_rate"])


def rule(evidence: Evidence) -> Finding:
    """No article's signature: the licences are simply too few (the reference diagnosis's answer when no rule
    finds anything)."""
    settings, summary = evidence.settings, evidence.summary
    return Finding(
        ARTICLE.say("undersized"),
        {"licenses": int(settings["licenses"] * 1.6) + 6 * settings["n_servers"]},
        f"{summary['denials']} denials ({summary['denial_rate']:.1%}) with no fault in any log",
    )


ARTICLE = Article(
    number="none",
    title="no article (a healthy site)",
    notebook="",
    symptom="share of requests denied",
    details=(Detail("undersized", "too few licences for the demand", None),),
    plain_excess=0.05,
    evidence_hint="the denials come with no outage, no skipped server and no 9406: the licences are simply too few",
    evidence_pane="the denials and the licences",
    absent_hint="the evidence shows a fault, not just too few licences",
    detail_hint="",
    draw=draw,
    count=count,
    rule=rule,
)
