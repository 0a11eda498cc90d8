"""The articles: one record each, the one place that says what an article is in this suite.

An :class:`Article` holds its Knowledge Base number, the title its notebook goes by, its notebook and
preset, and, when mystery sites draw its fault, everything a mystery site (:mod:`kbsim.teaching.mystery`)
and the reference diagnosis (:mod:`kbsim.teaching.diagnosis`) need of it: how a case draws the fault,
how its symptom is counted and against what, the details a student chooses from with each one's
reference fix, the hints a check gives and the rule that finds it in the evidence. A drawn article's
record lives in its own module here (``q226827.py``, ...) with those functions beside it; an article
taught but not drawn is a record of three fields in :data:`ARTICLES` below. :data:`ARTICLES` lists them
in the order they are taught; the classroom's teaching order, the book's table of contents, the
mystery sites' answers and the tests read it from here. :data:`UNDERSIZED` is the answer "none" in the
same form: a healthy site that simply has too few licences.

What an article's fault does lives in its mechanism's module in :mod:`kbsim.model`. A new article is one
record here, one preset (``kbsim/presets/<number>.toml``) and one notebook.
"""

from __future__ import annotations

from ...model.errors import unknown_name
from . import none, q210202, q212894, q213261, q226827, q226838, q245271, q299261, q311764
from .record import Article, Cause, Detail, Finding

__all__ = ["ARTICLES", "BY_NUMBER", "UNDERSIZED", "Article", "Cause", "Detail", "Finding", "article"]

#: The articles in the order they are taught.
ARTICLES: tuple[Article, ...] = (
    q226827.ARTICLE,
    q226838.ARTICLE,
    q210202.ARTICLE,
    q212894.ARTICLE,
    q213261.ARTICLE,
    q311764.ARTICLE,
    q245271.ARTICLE,
    q299261.ARTICLE,
)
#: The answer "none": no article, a healthy site with too few licences (its fix is sized to the site).
UNDERSIZED = none.ARTICLE
#: Every article, and "none", by number.
BY_NUMBER: dict[str, Article] = {a.number: a for a in (*ARTICLES, UNDERSIZED)}


def article(number: str) -> Article:
    """The record of article ``number`` (or of "none")."""
    if number not in BY_NUMBER:
        raise unknown_name("article", number, BY_NUMBER)
    return BY_NUMBER[number]
