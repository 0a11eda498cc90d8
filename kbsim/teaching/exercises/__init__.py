"""The exercises' questions, answer rules and explanations, keyed by article and exercise number: one module per
article (``q226827.py``, ...), :class:`Rule` and the runs they share in :mod:`.rule`.

A notebook's exercise cell is one call, ``kbsim.classroom.exercise("Q226827", 1)``: the cell shows
the question and its choices, and nothing a student can read there (the cell's code, its stored
output, the student edition) holds the answer. Each :class:`Rule` decides its answer from runs of
the model, never from a typed answer, as a function of the one explorer control it is about
(``control``, at the value the question names, ``at``). tests/test_exercises.py walks every rule
across that control's reachable values: the answer is the same everywhere, or only where
``holds`` says, and then the question says so in words (``where``).

The summary numbers are read by their names in :data:`kbsim.SUMMARY`.
"""

from __future__ import annotations

import pandas as pd

from ...model.errors import ParameterError
from . import q210202, q212894, q213261, q226827, q226838, q245271, q299261, q311764
from .rule import Rule

__all__ = ["RULES", "Rule", "answer_key", "of", "rule"]

#: Every exercise, in teaching order.
RULES: tuple[Rule, ...] = (
    *q226827.RULES,
    *q226838.RULES,
    *q210202.RULES,
    *q212894.RULES,
    *q213261.RULES,
    *q311764.RULES,
    *q245271.RULES,
    *q299261.RULES,
)
_BY_KEY = {(rule.article, rule.number): rule for rule in RULES}


def rule(article: str, number: int) -> Rule:
    """The exercise ``number`` of ``article``'s notebook (``article`` as "Q226827" or the notebook's name)."""
    article = str(article).split("_", 1)[0]
    if (article, number) not in _BY_KEY:
        known = ", ".join(f"{a} {n}" for a, n in _BY_KEY)
        raise ParameterError(f"exercise ({article!r}, {number!r}) is not allowed: expected one of {known}")
    return _BY_KEY[(article, number)]


def of(article: str) -> list[Rule]:
    """The exercises of one article's notebook, in order."""
    return [r for r in RULES if r.article == str(article).split("_", 1)[0]]


def answer_key(articles: list[str] | None = None) -> pd.DataFrame:
    """The instructor's key: one row per exercise (article, number, question, answer, why)."""
    rows = []
    for r in RULES:
        if articles and r.article not in articles:
            continue
        rows.append(
            {"article": r.article, "exercise": r.number, "question": r.question, "answer": r.answer()[0], "why": r.why}
        )
    return pd.DataFrame(rows)
