"""Teaching aids for the notebooks: predict-then-check exercises, hand-ins and the suite's teaching order.

An exercise cell is one call, ``kbsim.classroom.exercise("Q226827", 1)``: the question, its choices,
the rule that decides the answer from runs of the model and the explanation live in
:mod:`kbsim.teaching.exercises`, so nothing a student can read in the notebook answers it. The student
picks a prediction, and only then can press **Check**, which runs the rule and reveals the model's
answer, the evidence and the explanation. The widget's text form (what nbval compares, what a page
without a kernel shows) names the question and choices only. With the environment variable
``KBSIM_ANSWER_KEY=1`` (``make instructor``) every exercise shows its answer at once, which makes
the executed notebooks an answer key. Every check is recorded (:data:`RECORD`); :func:`hand_in`
writes them as one CSV file per student and :func:`gather` reads a class's files into one table.
:func:`mystery_key` is the instructor's answer key to any set of mystery cases.
"""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd

from ..analysis.outputs import write_whole
from ..model.errors import ParameterError
from ..model.size import check_key_cases
from .articles import ARTICLES
from .exercises import Rule, rule

#: The notebooks in the order they are taught (00_start_here's map), without ".ipynb": the articles'
#: in the registry's order (:data:`kbsim.teaching.articles.ARTICLES`) between the start page and the pages that
#: use them all.
TEACHING_ORDER = ("00_start_here", *(a.notebook for a in ARTICLES), "sweeps", "mystery_sites")
TITLES = {
    "00_start_here": "Start here",
    **{a.notebook: a.heading for a in ARTICLES},
    "sweeps": "Sweeps: questions that take many runs",
    "mystery_sites": "Mystery sites: diagnose a site from its evidence",
}
#: The tag of the first and last cell of every notebook: links to the start, the previous and the next.
NAVIGATION_TAG = "navigation"
#: The tag of a predict-then-check cell: its output is cleared in the student edition.
CHECK_TAG = "check"
#: The tag of a cell only the instructor sees: removed from the student edition.
SOLUTION_TAG = "solution"


def answer_key() -> bool:
    """Whether exercises show their answers at once (``KBSIM_ANSWER_KEY=1``: the instructor's edition)."""
    return os.environ.get("KBSIM_ANSWER_KEY", "") not in ("", "0")


def navigation(name: str) -> str:
    """A notebook's line of links: the start page, the previous and the next in teaching order."""
    if name not in TEACHING_ORDER:
        raise ParameterError(f"{name!r} is not a notebook of the suite: expected one of {', '.join(TEACHING_ORDER)}")
    i = TEACHING_ORDER.index(name)
    links = [] if i == 0 else [f"[⌂ {TITLES[TEACHING_ORDER[0]]}]({TEACHING_ORDER[0]}.ipynb)"]
    if i > 0:
        links.append(f"[← previous: {TITLES[TEACHING_ORDER[i - 1]]}]({TEACHING_ORDER[i - 1]}.ipynb)")
    if i + 1 < len(TEACHING_ORDER):
        links.append(f"[next: {TITLES[TEACHING_ORDER[i + 1]]} →]({TEACHING_ORDER[i + 1]}.ipynb)")
    return " · ".join(links)


def _evidence_html(evidence: Any) -> str:
    if isinstance(evidence, pd.DataFrame):
        return evidence.to_html()
    if isinstance(evidence, pd.Series):
        return evidence.to_frame().to_html()
    return f"<p>{html.escape(str(evidence))}</p>"


def _evidence_text(evidence: Any) -> str:
    return evidence.to_string() if isinstance(evidence, (pd.DataFrame, pd.Series)) else str(evidence)


class Exercise:
    """A prediction to commit to, then the model's answer with its evidence and explanation.

    The question, its choices, the answer rule and the explanation come from :mod:`kbsim.teaching.exercises`
    (keyed by article and number): the notebook's cell holds none of them. The answer is decided by
    running the model only when **Check** is pressed (or at once in the answer key), and each check
    is kept in :data:`RECORD` for the student's hand-in (:func:`hand_in`).
    """

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self.choices = rule.choices
        self.question = widgets.HTML(
            f"<p class='kbsim-question'><b>Exercise {rule.number}.</b> {_inline_code(rule.question)}</p>"
        )
        self.prediction = widgets.RadioButtons(
            options=self.choices,
            value=None,
            description="Your prediction",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="auto", max_width="100%"),
        )
        self.button = widgets.Button(
            description="Check", icon="check", disabled=True, tooltip="commit to a prediction first"
        )
        self.result = widgets.HTML(layout=widgets.Layout(max_width="100%", overflow="auto"))
        self.prediction.observe(self._chose, names="value")
        self.button.on_click(lambda _: self.check())
        self.widget = widgets.VBox(
            [self.question, self.prediction, self.button, self.result],
            layout=widgets.Layout(border="1px solid #bbb", padding="6px", margin="4px 0", max_width="100%"),
        )
        if answer_key():
            self._reveal(None)

    def _chose(self, change: dict) -> None:
        self.button.disabled = change["new"] is None
        self.button.tooltip = (
            "reveal the model's answer" if change["new"] is not None else "commit to a prediction first"
        )

    def check(self) -> None:
        """Reveal the answer, the evidence and why (only once a prediction is chosen), and record the check."""
        if self.prediction.value is None:
            self.result.value = "<p><i>Choose a prediction first.</i></p>"
            return
        self._reveal(self.prediction.value)

    def _reveal(self, predicted: str | None) -> None:
        answer, evidence = self.rule.answer()
        verdict = ""
        if predicted is not None:
            RECORD.append(
                {
                    "article": self.rule.article,
                    "exercise": self.rule.number,
                    "prediction": predicted,
                    "correct": predicted == answer,
                    "time": datetime.now(UTC).isoformat(timespec="seconds"),
                }
            )
            verdict = (
                "<b style='color:#00734f'>Right.</b> "
                if predicted == answer
                else f"<b style='color:#b3470a'>Not this time</b> (you said {html.escape(predicted)}). "
            )
        self.result.value = (
            f"<div class='kbsim-answer'><p>{verdict}The model's answer: <b>{html.escape(answer)}</b></p>"
            f"{_evidence_html(evidence)}<p><i>Why:</i> {html.escape(self.rule.why)}</p></div>"
        )
        self.prediction.disabled = self.button.disabled = True

    def text(self) -> str:
        """The exercise in words: its question and choices, and its answer only in the answer key."""
        text = f"Exercise {self.rule.number}. {self.rule.question}\nPredict, then press Check. Choices: " + " / ".join(
            self.choices
        )
        if answer_key():
            answer, evidence = self.rule.answer()
            text += f"\nAnswer: {answer}\n{_evidence_text(evidence)}\nWhy: {self.rule.why}"
        return text

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude)
        bundle["text/plain"] = self.text()
        return bundle


def _inline_code(text: str) -> str:
    """A question's text as HTML: its `names` in code type."""
    parts = html.escape(text).split("`")
    return "".join(f"<code>{part}</code>" if i % 2 else part for i, part in enumerate(parts))


def exercise(article: str, number: int) -> Exercise:
    """Exercise ``number`` of ``article``'s notebook, for the last line of its cell (see :class:`Exercise`)."""
    return Exercise(rule(article, number))


#: The checks made in this kernel, oldest first: article, exercise, prediction, correct, time (UTC).
RECORD: list[dict[str, Any]] = []
HAND_IN_COLUMNS = ("student", "article", "exercise", "prediction", "correct", "time")


def hand_in_frame(student: str) -> pd.DataFrame:
    """The student's checks so far as a table (one row per Check pressed)."""
    name = str(student).strip()
    if not name:
        raise ParameterError("student='' is not allowed: expected your name, as the instructor will read it")
    rows = [{"student": name, **row} for row in RECORD]
    return pd.DataFrame(rows, columns=list(HAND_IN_COLUMNS))


def hand_in(student: str, folder: str | Path = ".") -> Path:
    """Write the student's predictions and answers to ``folder/handin-<student>.csv``; return its path."""
    frame = hand_in_frame(student)
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in str(student).strip())
    path = Path(folder) / f"handin-{safe}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written whole (kbsim.analysis.outputs): a Save interrupted half-way leaves the last complete hand-in, not half
    # of one.
    # A later Save replaces the earlier one on purpose: it holds every check made since.
    return write_whole(path, lambda temporary: frame.to_csv(temporary, index=False), overwrite=True)


def gather(folder: str | Path) -> pd.DataFrame:
    """A class's hand-in files (``handin-*.csv`` in ``folder``) as one table, one row per check."""
    files = sorted(Path(folder).glob("handin-*.csv"))
    if not files:
        raise ParameterError(f"folder={str(folder)!r} holds no handin-*.csv files: expected the students' hand-ins")
    frames = []
    for path in files:
        frame = pd.read_csv(path, dtype={"student": str, "article": str, "prediction": str})
        if list(frame.columns) != list(HAND_IN_COLUMNS):
            raise ParameterError(
                f"{path.name} is not a hand-in file: expected the columns {', '.join(HAND_IN_COLUMNS)}"
            )
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def mystery_key(seeds: Sequence[int], level: int = 1, allow_large: bool = False) -> pd.DataFrame:
    """The instructor's answer key for mystery cases ``seeds`` at ``level``: one row per cause.

    More than ``kbsim.model.size.LARGE_KEY_CASES`` cases are refused, before any is drawn, unless ``allow_large``."""
    from .mystery import mystery

    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Sequence):
        raise ParameterError(f"seeds={seeds!r} is not allowed: expected a list of seeds such as [1, 2, 3]")
    check_key_cases(len(seeds), allow_large)
    rows = []
    for seed in seeds:
        for cause in mystery(seed, level).reveal().causes:
            fix = ", ".join(f"{k}={v!r}" for k, v in cause.fix.items())
            rows.append({"case": seed, "level": level, "article": cause.article, "detail": cause.detail, "fix": fix})
    return pd.DataFrame(rows, columns=["case", "level", "article", "detail", "fix"])


class HandInBox(widgets.VBox):
    """A name box and a Save button: the student's checks as ``handin-<name>.csv`` beside the notebook,
    and as a download link (for Voila, where the student has no file browser)."""

    def __init__(self, folder: str | Path = ".") -> None:
        self.folder = Path(folder)
        self.student = widgets.Text(
            description="Your name",
            placeholder="as the instructor will read it",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="auto", max_width="100%"),
        )
        self.save = widgets.Button(description="Save my answers", icon="save")
        self.result = widgets.HTML()
        self.save.on_click(lambda _: self.write())
        super().__init__(
            [
                widgets.HTML("<b>Hand in:</b> your predictions and whether they were right"),
                self.student,
                self.save,
                self.result,
            ],
            layout=widgets.Layout(border="1px solid #bbb", padding="6px", max_width="100%"),
        )

    def write(self) -> Path | None:
        """Write the hand-in file and show where it went and a link to download it."""
        try:
            path = hand_in(self.student.value, self.folder)
        except ParameterError as exc:
            self.result.value = f"<p style='color:#b42318'>{html.escape(str(exc))}</p>"
            return None
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        checks = len(RECORD)
        self.result.value = (
            f"<p>{checks} check{'s' if checks != 1 else ''} saved in <code>{html.escape(path.name)}</code>: "
            f"<a class='kbsim-hand-in' download='{html.escape(path.name)}' href='data:text/csv;base64,{data}'>"
            "download it</a> and hand it in.</p>"
        )
        return path

    def __repr__(self) -> str:
        return "Hand in: type your name and press Save my answers (writes handin-<name>.csv)."

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        bundle = super()._repr_mimebundle_(include=include, exclude=exclude)
        bundle["text/plain"] = repr(self)
        return bundle


def hand_in_box(folder: str | Path = ".") -> HandInBox:
    """The hand-in box for the end of a notebook's exercises (see :class:`HandInBox`)."""
    return HandInBox(folder)


class Facts:
    """Numbers with their names, for a cell whose answer is a bare number (a dashboard hides the code that
    would say what it is): a two-column table in a page, ``name: value`` lines as text."""

    def __init__(self, facts: dict[str, Any]) -> None:
        self.facts = dict(facts)

    def __repr__(self) -> str:
        return "\n".join(f"{name}: {value}" for name, value in self.facts.items())

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(name)}</th><td>{html.escape(str(value))}</td></tr>"
            for name, value in self.facts.items()
        )
        return f"<table class='kbsim-facts'>{rows}</table>"


def facts(named: dict[str, Any]) -> Facts:
    """Show each number with its name (see :class:`Facts`)."""
    return Facts(named)


class WholeText:
    """A table whose long texts (an event's ``detail``, a log line) are shown whole: a dashboard shows the
    output without the code, and a line cut to "cannot read minimum licences and buffer (no OD..." says less."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    def __repr__(self) -> str:
        with pd.option_context("display.max_colwidth", None, "display.width", 250):
            return self.frame.to_string()

    def _repr_html_(self) -> str:
        with pd.option_context("display.max_colwidth", None):
            return self.frame.to_html()


def whole(frame: pd.DataFrame) -> WholeText:
    """Show ``frame`` with its texts uncut (see :class:`WholeText`)."""
    return WholeText(frame)
