"""A reference diagnosis of a mystery site from its evidence alone, by the rules an administrator used.

:func:`diagnose` receives an :class:`~kbsim.teaching.evidence.Evidence` and nothing
else: no parameters, no run, no hidden cause. Its rules, one per article:

* Q299261: status message 9406 citing error 1061 (the service hangs in "stopping").
* Q212894: a server did not answer (9406) and the complaining computer's Liccli.log is
  a Windows 95/98 agent (Liccli95) retrying that one server again and again.
* Q226827: a server did not answer (9406) and clients switched servers at once.
* Q210202: LICSRVC.log leaves a server out of balancing for want of ODBC access, or
  the schedule is half a day or more while licences are denied or moved on demand.
* Q213261: computers that report no runs at all in offline mode, or a refused upload.
* none: none of these.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..model.record import NO_ODBC_ACCESS
from ..model.report import WINDOWS_9X
from ..model.service import MESSAGE_9406, STOP_PENDING, STOPPED
from .articles import UNDERSIZED, article
from .evidence import Evidence

#: A schedule this sparse (hours) leaves licences where demand was (Q210202) [assumed threshold].
SPARSE_SCHEDULE_H = 12.0
#: Retries of one server in one Liccli.log that mark a stranded Windows 95/98 client (Q212894) [assumed threshold].
STRANDED_RETRIES = 10
NONE = UNDERSIZED.number
# The rules read the logs' typed facts (Evidence.status_facts, licsrvc_facts, client_facts), the same facts their
# lines say in words, so no rule parses a server's number or a cause out of a sentence.
# The records whose details and reference fixes a diagnosis names (kbsim.teaching.articles).
_Q226827, _Q210202, _Q212894, _Q213261, _Q299261 = (
    article(n) for n in ("Q226827", "Q210202", "Q212894", "Q213261", "Q299261")
)


@dataclass
class Diagnosis:
    """Articles found, the detail of each, a fix as settings, and the evidence lines that led there."""

    articles: list[str]
    details: list[str]
    fix: dict[str, Any]
    reasons: list[str] = field(default_factory=list)


def diagnose(evidence: Evidence) -> Diagnosis:
    """The reference diagnosis of one site's evidence."""
    found: dict[str, tuple[str, dict[str, Any], str]] = {}
    n_servers = evidence.settings["n_servers"]
    status = evidence.status_facts[evidence.status_facts["message_id"] == MESSAGE_9406]
    hung = status[status["state"] == STOP_PENDING]
    if len(hung):
        sp = evidence.settings["service_pack"]
        found["Q299261"] = (
            _Q299261.say("hang", service_pack=sp),
            _Q299261.fix("hang"),
            f"{len(hung)} status messages 9406 cite error 1061",
        )
    silent = Counter(int(s) for s in status.loc[status["state"] == STOPPED, "server"])
    if silent:
        server = silent.most_common(1)[0][0]
        client = evidence.client_facts
        retried = Counter(int(s) for s in client.loc[client["kind"].isin(["contact_failed", "retry"]), "server"])
        win9x = (evidence.usage.loc[evidence.usage["computer"] == evidence.client, "os"] == WINDOWS_9X).any()
        if win9x and retried and retried.most_common(1)[0][1] >= STRANDED_RETRIES:
            stuck = retried.most_common(1)[0][0]
            found["Q212894"] = (
                _Q212894.say("stranded", server=stuck),
                _Q212894.fix("stranded"),
                f"Liccli95 on computer {evidence.client} failed to reach SWM{stuck} {retried[stuck]} times",
            )
        else:
            found["Q226827"] = (
                _Q226827.say("offline", server=server),
                _Q226827.fix("offline"),
                f"9406: SWM{server} did not answer at {silent[server]} polls",
            )
    licsrvc = evidence.licsrvc_facts
    skipped = (licsrvc["kind"] == "balancing_skipped") & (licsrvc["reason"] == NO_ODBC_ACCESS)
    left_out = Counter(int(s) for s in licsrvc.loc[skipped, "server"])
    summary = evidence.summary
    if left_out:
        server = left_out.most_common(1)[0][0]
        found["Q210202"] = (
            _Q210202.say("unreachable", server=server),
            _Q210202.fix("unreachable"),
            f"LICSRVC.log left SWM{server} out of {left_out[server]} cycles (no ODBC access)",
        )
    elif (
        evidence.settings["balancing_interval_h"] >= SPARSE_SCHEDULE_H
        and evidence.settings["mode"] == "online"
        and (summary["denial_rate"] >= 0.01 or summary["instant_balancings"] > 0)
    ):
        found["Q210202"] = (
            _Q210202.say("sparse"),
            _Q210202.fix("sparse"),
            f"balancing every {evidence.settings['balancing_interval_h']:g} h with "
            f"{summary['denials']} denials and {summary['instant_balancings']} on-demand moves",
        )
    silent_computers = int((evidence.usage["runs_reported"] == 0).sum())
    refused = bool((evidence.client_facts["kind"] == "upload_refused").any())
    if evidence.settings["mode"] == "offline" and (refused or silent_computers >= 2):
        found["Q213261"] = (
            _Q213261.say("lagging"),
            _Q213261.fix("lagging"),
            f"{silent_computers} computers report no runs" + ("; Liccli.log refuses uploads" if refused else ""),
        )
    if not found:
        licences = evidence.settings["licenses"]
        found[NONE] = (
            UNDERSIZED.say("undersized"),
            {"licenses": int(licences * 1.6) + 6 * n_servers},
            f"{summary['denials']} denials ({summary['denial_rate']:.1%}) with no fault in any log",
        )
    fix: dict[str, Any] = {}
    for _, settings, _ in found.values():
        fix.update(settings)
    return Diagnosis(list(found), [d for d, _, _ in found.values()], fix, [r for _, _, r in found.values()])


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
