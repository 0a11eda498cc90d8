"""The articles: one record each, the one place that says what an article is in this suite.

An :class:`Article` holds its Knowledge Base number, the title its notebook goes by, its
notebook and preset, and what a mystery site (:mod:`kbsim.teaching.mystery`) and the reference diagnosis
(:mod:`kbsim.teaching.diagnosis`) need of it: what its symptom counts, the details a student chooses from,
each with its reference fix, and the hints a check gives. :data:`ARTICLES` lists them in the
order they are taught; the classroom's teaching order, the book's table of contents, the mystery
sites' answers and the tests read it from here. :data:`UNDERSIZED` is the answer "none" in the
same form: a healthy site that simply has too few licences.

What an article's fault does lives in its mechanism's module; how a mystery site draws it and how
its symptom is counted live in :mod:`kbsim.teaching.mystery`, its diagnosis rule in :mod:`kbsim.teaching.diagnosis`,
each keyed by the article's number and checked against this registry when those modules load.
A sixth article is one record here, one preset (``kbsim/presets/<number>.toml``) and one notebook.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..model.errors import unknown_name
from ..model.parameters import PARAMETERS


@dataclass(frozen=True)
class Detail:
    """One answer to "what exactly": its words, with ``{server}`` or ``{service_pack}`` for the one
    involved, and the reference fix as settings (``None``: a fix sized to the site, see its article)."""

    key: str
    text: str
    fix: Mapping[str, Any] | None

    def options(self, n_servers: int) -> list[str]:
        """Its words for each server of a site of ``n_servers`` servers, or each service pack, or as they are."""
        if "{server}" in self.text:
            return [self.text.format(server=s) for s in range(n_servers)]
        if "{service_pack}" in self.text:
            return [self.text.format(service_pack=sp) for sp in PARAMETERS["service_pack"].choices]
        return [self.text]


@dataclass(frozen=True)
class Article:
    """One Knowledge Base article as the suite teaches it (``number`` "none": no article, a healthy site)."""

    number: str
    #: The notebook's title after the number, e.g. "an offline metering server".
    title: str
    #: The notebook's file name without ".ipynb"; the preset is ``kbsim/presets/<number>.toml``.
    notebook: str
    #: What a mystery site needs of it (below); an article with no details is taught but not drawn by mystery sites.
    #: What the symptom a fix must bring down counts, in the words a student reads.
    symptom: str = ""
    #: The choices of step two, each with its reference fix.
    details: tuple[Detail, ...] = ()
    #: Least excess of the symptom over the site without the fault for a drawn mystery case to show it.
    plain_excess: float = 0.0
    #: Where its signature shows in the evidence (said when the article is right).
    evidence_hint: str = ""
    #: The panes of the evidence to look at again when a cause of it was missed.
    evidence_pane: str = ""
    #: What the evidence would show if it were a cause (said when it is named but is not one).
    absent_hint: str = ""
    #: Where the evidence shows the right detail (said when the detail is wrong).
    detail_hint: str = ""

    @property
    def drawn(self) -> bool:
        """Whether mystery sites draw its fault (it declares the details a student chooses from)."""
        return bool(self.details)

    @property
    def preset(self) -> str:
        """The name of its preset (``kbsim.run(article.preset)``)."""
        return self.number

    @property
    def heading(self) -> str:
        """Its notebook's title in the book and the navigation links, e.g. "Q226827: an offline metering server"."""
        return f"{self.number}: {self.title}"

    def detail(self, key: str) -> Detail:
        """Its detail called ``key``."""
        for detail in self.details:
            if detail.key == key:
                return detail
        raise unknown_name(f"detail of {self.number}", key, [d.key for d in self.details])

    def say(self, key: str, **where: Any) -> str:
        """The words of detail ``key`` for the server or service pack given (``server=``, ``service_pack=``)."""
        return self.detail(key).text.format(**where)

    def fix(self, key: str) -> dict[str, Any]:
        """The reference fix of detail ``key``, as settings (a fresh dict)."""
        fix = self.detail(key).fix
        if fix is None:
            raise ValueError(f"{self.number}'s detail {key!r} has a fix sized to the site, not a fixed one")
        return dict(fix)

    def detail_options(self, n_servers: int) -> list[str]:
        """The choices of step two on a site of ``n_servers`` servers."""
        return [option for detail in self.details for option in detail.options(n_servers)]


#: The articles in the order they are taught.
ARTICLES: tuple[Article, ...] = (
    Article(
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
    ),
    Article(
        number="Q226838",
        title="phantom licences after a failover",
        notebook="Q226838_phantom_licences",
    ),
    Article(
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
        detail_hint="LICSRVC.log says which server was left out, if any; otherwise compare the schedule with "
        "the demand",
    ),
    Article(
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
    ),
    Article(
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
    ),
    Article(
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
    ),
)
#: The answer "none": no article, a healthy site with too few licences (its fix is sized to the site).
UNDERSIZED = Article(
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
)
#: Every article, and "none", by number.
BY_NUMBER: dict[str, Article] = {a.number: a for a in (*ARTICLES, UNDERSIZED)}


def article(number: str) -> Article:
    """The record of article ``number`` (or of "none")."""
    if number not in BY_NUMBER:
        raise unknown_name("article", number, BY_NUMBER)
    return BY_NUMBER[number]
