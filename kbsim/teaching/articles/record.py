"""What an article is in this suite: :class:`Article`, the answers a student chooses from and a mystery site's cause.

An article's record says what the course needs of it: its number, title and notebook, and, when mystery sites
draw its fault, how a case draws it (:attr:`Article.draw`), how its symptom is counted in a run
(:attr:`Article.count`), what the symptom is measured against (:attr:`Article.baseline`), the details a student
chooses from with their reference fixes, the hints a check gives, and the rule by which the reference diagnosis
finds it in the evidence (:attr:`Article.rule`). Each drawn article's record lives in its own module of this
package with those functions beside it; :mod:`kbsim.teaching.mystery` and :mod:`kbsim.teaching.diagnosis` are
engines that read the records and know no article by name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...model.errors import unknown_name
from ...model.parameters import PARAMETERS

if TYPE_CHECKING:
    import numpy as np

    from ...model.parameters import Params
    from ...model.result import Result
    from ..evidence import Evidence


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
class Cause:
    """One hidden cause of a mystery site: its article, the right detail and the instructor's fix."""

    article: str
    detail: str
    fix: Mapping[str, Any]
    why: str


@dataclass(frozen=True)
class Finding:
    """What the reference diagnosis found of one article in a site's evidence: the detail, a fix, and why."""

    detail: str
    fix: Mapping[str, Any]
    reason: str


#: Draws one article's fault onto a mystery site's values (``rng``, the values so far, the level) and says why.
Draw = Callable[["np.random.Generator", dict[str, Any], int], Cause]
#: Counts one article's symptom in a run of a case's site (the run, the case's parameters).
Count = Callable[["Result", "Params"], float]
#: The same site without the fault, for a symptom that a healthy site also shows (denials).
Baseline = Callable[["Params"], "Params"]
#: Finds one article in a site's evidence, or None.
Rule = Callable[["Evidence"], "Finding | None"]


@dataclass(frozen=True)
class Article:
    """One Knowledge Base article as the suite teaches it (``number`` "none": no article, a healthy site)."""

    number: str
    #: The notebook's title after the number, e.g. "an offline metering server".
    title: str
    #: The notebook's file name without ".ipynb"; the preset is ``kbsim/presets/<number>.toml``.
    notebook: str
    # --- what a mystery site needs of it; an article without a draw is taught but not drawn by mystery sites ---
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
    #: How a mystery site draws its fault.
    draw: Draw | None = None
    #: How its symptom is counted in a run.
    count: Count | None = None
    #: The site its symptom is measured against; None: the fault alone makes the symptom, so against zero.
    baseline: Baseline | None = None
    #: How the reference diagnosis finds it in the evidence alone.
    rule: Rule | None = None

    def __post_init__(self) -> None:
        mystery = (self.draw, self.count, self.rule)
        if any(f is not None for f in mystery) and not (all(f is not None for f in mystery) and self.details):
            raise TypeError(f"{self.number}: an article mystery sites draw needs its draw, count, rule and details")

    @property
    def drawn(self) -> bool:
        """Whether mystery sites draw its fault."""
        return self.draw is not None

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

    def found(self, key: str, reason: str, **where: Any) -> Finding:
        """A diagnosis finding of detail ``key`` (its words for ``where``), with its reference fix and ``reason``."""
        return Finding(self.say(key, **where), self.fix(key), reason)

    def cause(self, key: str, why: str, **where: Any) -> Cause:
        """A mystery site's cause: detail ``key`` (its words for ``where``), its reference fix and ``why``."""
        return Cause(self.number, self.say(key, **where), self.fix(key), why)

    def detail_options(self, n_servers: int) -> list[str]:
        """The choices of step two on a site of ``n_servers`` servers."""
        return [option for detail in self.details for option in detail.options(n_servers)]
