"""Teaching aids for the notebooks: predict-then-check exercises and the suite's teaching order.

An exercise cell computes its evidence with kbsim (a run, a comparison) and which choice that
evidence makes right, then shows :func:`exercise`: the student picks a prediction, and only then
can press **Check**, which reveals the model's answer, the evidence and the explanation. The
answer is never in the page before that: the widget's text form (what nbval compares, what a
page without a kernel shows) names the choices only. With the environment variable
``KBSIM_ANSWER_KEY=1`` (``make instructor``) every exercise shows its answer at once, which
makes the executed notebooks an answer key.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
import pandas as pd

from .errors import ParameterError

#: The notebooks in the order they are taught (00_start_here's map), without ".ipynb".
TEACHING_ORDER = (
    "00_start_here",
    "Q226827_offline_server",
    "Q210202_license_balancing",
    "Q212894_win9x_single_server",
    "Q213261_clock_skew_usage",
    "Q299261_server_not_running",
    "sweeps",
    "mystery_sites",
)
TITLES = {
    "00_start_here": "Start here",
    "Q226827_offline_server": "Q226827: an offline metering server",
    "Q210202_license_balancing": "Q210202: licence balancing",
    "Q212894_win9x_single_server": "Q212894: Windows 95/98 clients and one server",
    "Q213261_clock_skew_usage": "Q213261: clock skew and usage",
    "Q299261_server_not_running": "Q299261: licence server not running",
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

    ``answer`` must be one of ``choices``: the cell computes it from ``evidence`` (never types it).
    """

    def __init__(self, choices: Sequence[str], answer: str, evidence: Any, why: str) -> None:
        self.choices = tuple(choices)
        if len(self.choices) < 2:
            raise ParameterError("an exercise needs at least two choices")
        if answer not in self.choices:
            raise ParameterError(
                f"answer={answer!r} is not allowed: expected one of {', '.join(map(repr, self.choices))}"
            )
        self.answer, self.evidence, self.why = answer, evidence, why
        self.prediction = widgets.RadioButtons(
            options=self.choices,
            value=None,
            description="Your prediction",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="auto"),
        )
        self.button = widgets.Button(
            description="Check", icon="check", disabled=True, tooltip="commit to a prediction first"
        )
        self.result = widgets.HTML()
        self.prediction.observe(self._chose, names="value")
        self.button.on_click(lambda _: self.check())
        self.widget = widgets.VBox(
            [self.prediction, self.button, self.result],
            layout=widgets.Layout(border="1px solid #bbb", padding="6px", margin="4px 0"),
        )
        if answer_key():
            self._reveal(None)

    def _chose(self, change: dict) -> None:
        self.button.disabled = change["new"] is None
        self.button.tooltip = (
            "reveal the model's answer" if change["new"] is not None else "commit to a prediction first"
        )

    def check(self) -> None:
        """Reveal the answer, the evidence and why (only once a prediction is chosen)."""
        if self.prediction.value is None:
            self.result.value = "<p><i>Choose a prediction first.</i></p>"
            return
        self._reveal(self.prediction.value)

    def _reveal(self, predicted: str | None) -> None:
        verdict = ""
        if predicted is not None:
            verdict = (
                "<b style='color:#009E73'>Right.</b> "
                if predicted == self.answer
                else f"<b style='color:#D55E00'>Not this time</b> (you said {html.escape(predicted)}). "
            )
        self.result.value = (
            f"<div class='kbsim-answer'><p>{verdict}The model's answer: <b>{html.escape(self.answer)}</b></p>"
            f"{_evidence_html(self.evidence)}<p><i>Why:</i> {html.escape(self.why)}</p></div>"
        )
        self.prediction.disabled = self.button.disabled = True

    def text(self) -> str:
        """The exercise in words: its choices, and its answer only in the answer key."""
        text = "Predict, then press Check. Choices: " + " / ".join(self.choices)
        if answer_key():
            text += f"\nAnswer: {self.answer}\n{_evidence_text(self.evidence)}\nWhy: {self.why}"
        return text

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude)
        bundle["text/plain"] = self.text()
        return bundle


def exercise(choices: Sequence[str], answer: str, evidence: Any, why: str) -> Exercise:
    """A predict-then-check exercise for the last line of a cell (see :class:`Exercise`)."""
    return Exercise(choices, answer, evidence, why)
