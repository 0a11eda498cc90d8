"""A reference diagnosis of a mystery site from its evidence alone, by the rules an administrator used.

:func:`diagnose` receives an :class:`~kbsim.teaching.evidence.Evidence` and nothing
else: no parameters, no run, no hidden cause. Its rules, one per article, live in each article's
record (:attr:`kbsim.teaching.articles.Article.rule`, in ``kbsim/teaching/articles/q*.py``):

* Q299261: status message 9406 citing error 1061 (the service hangs in "stopping").
* Q212894: a server did not answer (9406) and the complaining computer's Liccli.log is
  a Windows 95/98 agent (Liccli95) retrying that one server again and again.
* Q226827: a server did not answer (9406) and clients switched servers at once.
* Q226838: after a server did not answer, licences in use on a server that granted none for 12 hours.
* Q245271: status message 9406 for a server hung by a failed stop of Remodbc.exe.
* Q311764: offline clients whose Liccli.log skips uploads as not due yet.
* Q210202: LICSRVC.log leaves a server out of balancing for want of ODBC access, or
  the schedule is half a day or more while licences are denied or moved on demand.
* Q213261: computers that report no runs at all in offline mode, or a refused upload.
* none: none of these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .articles import ARTICLES, UNDERSIZED, Finding
from .articles.none import rule as too_few_licences
from .evidence import Evidence

NONE = UNDERSIZED.number


@dataclass
class Diagnosis:
    """Articles found, the detail of each, a fix as settings, and the evidence lines that led there."""

    articles: list[str]
    details: list[str]
    fix: dict[str, Any]
    reasons: list[str] = field(default_factory=list)


def diagnose(evidence: Evidence) -> Diagnosis:
    """The reference diagnosis of one site's evidence: every drawn article's rule, in teaching order, and "none"
    (too few licences) when no rule finds anything. Where two fixes set the same setting, the later article's wins."""
    found: dict[str, Finding] = {}
    for record in ARTICLES:
        if record.rule is not None and (finding := record.rule(evidence)) is not None:
            found[record.number] = finding
    if not found:
        found[NONE] = too_few_licences(evidence)
    fix: dict[str, Any] = {}
    for finding in found.values():
        fix.update(finding.fix)
    return Diagnosis(list(found), [f.detail for f in found.values()], fix, [f.reason for f in found.values()])


def solve_rate(seeds: range | list[int], level: int) -> dict[str, float]:
    """How often the reference diagnosis names exactly the right causes (and their details) over ``seeds`` at ``level``.

    Returns ``cases``, ``articles`` (share right), ``details`` (share right with every detail)
    and ``healthy_flagged`` (share of healthy cases in which it saw some article's signature).
    """
    from .mystery import mystery  # the cases are drawn here; diagnose above sees only their evidence

    right = detailed = healthy = flagged = 0
    for seed in seeds:
        case = mystery(seed, level)
        found = diagnose(case.evidence)
        verdict = case.check(found.articles, found.details)
        right += verdict.article
        detailed += bool(verdict.article and verdict.detail)
        if case.reveal().articles == [NONE]:
            healthy += 1
            flagged += found.articles != [NONE]
    n = len(seeds)
    return {
        "cases": n,
        "articles": right / n,
        "details": detailed / n,
        "healthy_flagged": flagged / healthy if healthy else 0.0,
    }
