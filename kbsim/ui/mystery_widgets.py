"""The mystery-site page: a case's evidence panes and the answer widgets in one place, for a class without code.

``kbsim.mystery_page(seed, level)`` shows a seed box, a level picker and a
"New case" button; the evidence in tabs (console summary, settings, status
messages, LICSRVC.log, Liccli.log, usage by computer, figures); and the three
answer steps (article, what exactly, fix as settings) with "Check", "Try the
fix" and "Reveal" buttons. Every update replaces widget values in place and
nothing is printed, so the page stays true under strict nbval and in Voila.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pandas as pd

from ..model.errors import ParameterError
from ..model.parameters import PARAMETERS, check_name
from ..teaching.classroom import answer_key
from ..teaching.evidence import Evidence
from ..teaching.mystery import ANSWERS, LEVELS, Case, detail_options, mystery
from .plots import alt_text, evidence_licences, evidence_requests, png

_STYLE = {"description_width": "150px"}
_LOG_LINES = 400  # a pane shows the first lines of a long log; the CLI writes them all
_NO_SECOND = "(no second cause)"


def _wide() -> widgets.Layout:
    """A layout of its own for each widget: hiding one widget must not hide others sharing its layout.

    At most 640 px, and never wider than the cell (a projector's 1024x768 with the file browser open)."""
    return widgets.Layout(width="100%", max_width="640px")


def _pre(lines: list[str], count: int = _LOG_LINES) -> str:
    shown = lines[:count]
    more = f"\n... {len(lines) - count} more lines" if len(lines) > count else ""
    body = html.escape("\n".join(shown) + more) or "(empty)"
    return f"<pre style='max-height:360px;overflow:auto;font-size:11px;line-height:1.25'>{body}</pre>"


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(border=0)


def parse_fix(text: str) -> dict[str, Any]:
    """``name=value, name=value`` as checked settings (values read by each parameter's declaration)."""
    fix = {}
    for part in filter(None, (p.strip() for p in text.replace(";", ",").split(","))):
        name, sep, value = part.partition("=")
        if not sep or not name.strip():
            raise ParameterError(f"fix {part!r} is not allowed: expected NAME=VALUE, e.g. licenses=80")
        fix[name.strip()] = check_name(name.strip(), "fix: ").parse_text(value)
    return fix


class MysteryPage(widgets.VBox):
    """A case's evidence and answer widgets; ``load(seed, level)`` shows another case in place."""

    def __init__(self, seed: int = 1, level: int = 1, reveal: bool | None = None) -> None:
        # The Reveal button is the instructor's: only in the answer key (KBSIM_ANSWER_KEY=1) or when asked for.
        self.can_reveal = answer_key() if reveal is None else bool(reveal)
        seeds = PARAMETERS["seed"]  # the declared range of seeds
        self.seed = widgets.BoundedIntText(
            value=seed, min=seeds.low, max=seeds.high, description="case (seed)", style=_STYLE
        )
        self.level = widgets.Dropdown(
            options=[(f"{k}: {v}", k) for k, v in LEVELS.items()],
            value=level,
            description="level",
            style=_STYLE,
            layout=_wide(),
        )
        self.new_case = widgets.Button(description="New case", icon="random", tooltip="the next case: seed + 1")
        self.title = widgets.HTML()
        self.panes = {name: widgets.HTML() for name in ("summary", "settings", "status", "licsrvc", "client", "usage")}
        self.requests_figure = widgets.Image(format="png")
        self.licences_figure = widgets.Image(format="png")
        self.figure_text = widgets.HTML()
        tabs = widgets.Tab(
            children=[
                self.panes["summary"],
                self.panes["settings"],
                self.panes["status"],
                self.panes["licsrvc"],
                self.panes["client"],
                self.panes["usage"],
                widgets.VBox([self.requests_figure, self.licences_figure, self.figure_text]),
            ]
        )
        for i, name in enumerate(
            (
                "Console",
                "Settings",
                "Status",
                "LICSRVC.log",
                "Liccli.log",
                "Usage",
                "Figures",
            )
        ):
            tabs.set_title(i, name)
        self.tabs = tabs
        self.article = widgets.Dropdown(options=ANSWERS, description="1. article", style=_STYLE, layout=_wide())
        self.second = widgets.Dropdown(
            options=[_NO_SECOND, *ANSWERS[:-1]], description="second article", style=_STYLE, layout=_wide()
        )
        self.detail = widgets.Dropdown(description="2. what exactly", style=_STYLE, layout=_wide())
        self.second_detail = widgets.Dropdown(description="what exactly (2nd)", style=_STYLE, layout=_wide())
        self.fix = widgets.Text(
            description="3. fix (settings)",
            placeholder="e.g. licenses=80, instant_balancing=true",
            style=_STYLE,
            layout=_wide(),
        )
        self.check_button = widgets.Button(description="Check", button_style="primary")
        self.try_button = widgets.Button(description="Try the fix")
        self.reveal_button = widgets.Button(description="Reveal", button_style="warning") if self.can_reveal else None
        self.answer = widgets.HTML()
        self.case: Case | None = None
        super().__init__(
            [
                widgets.HBox([self.seed, self.new_case]),
                self.level,
                self.title,
                self.tabs,
                widgets.HTML("<b>Your answer</b>"),
                self.article,
                self.detail,
                self.second,
                self.second_detail,
                self.fix,
                widgets.HBox([self.check_button, self.try_button, *([self.reveal_button] if self.can_reveal else [])]),
                self.answer,
            ]
        )
        self.seed.observe(lambda change: self.load(change["new"], self.level.value), names="value")
        self.level.observe(lambda change: self.load(self.seed.value, change["new"]), names="value")
        self.new_case.on_click(lambda _: setattr(self.seed, "value", self.seed.value + 1))
        self.article.observe(lambda _: self._options(), names="value")
        self.second.observe(lambda _: self._options(), names="value")
        self.check_button.on_click(lambda _: self.check())
        self.try_button.on_click(lambda _: self.try_fix())
        if self.reveal_button:
            self.reveal_button.on_click(lambda _: self.reveal())
        self.load(seed, level)

    def load(self, seed: int, level: int) -> None:
        """Draw case ``seed`` at ``level`` and show its evidence; clear the answer."""
        self.case = mystery(seed, level)
        evidence = self.case.evidence
        self.title.value = f"<h3>{html.escape(evidence.title)}</h3>"
        self._show(evidence)
        self.second.layout.display = self.second_detail.layout.display = None if level == 3 else "none"
        self.second.value = _NO_SECOND
        self._options()
        self.fix.value = ""
        self.answer.value = ""

    def _show(self, evidence: Evidence) -> None:
        self.panes["summary"].value = _table(evidence.summary_frame())
        self.panes["settings"].value = _table(evidence.settings_frame())
        self.panes["status"].value = _pre(evidence.status)
        self.panes["licsrvc"].value = _pre(evidence.licsrvc)
        self.panes["client"].value = f"<p>Liccli.log of computer {evidence.client}</p>" + _pre(evidence.client_log)
        usage = evidence.usage
        silent = usage[usage["runs_reported"] == 0]
        self.panes["usage"].value = (
            f"<p>{len(usage)} computers; {len(silent)} report no runs at all.</p>"
            + _table(usage.sort_values("runs_reported", kind="stable").head(30).set_index("computer"))
            + "<p>(the 30 computers reporting fewest runs)</p>"
        )
        texts = []
        with plt.ioff():
            for image, draw in ((self.requests_figure, evidence_requests), (self.licences_figure, evidence_licences)):
                ax = draw(evidence)
                texts.append(alt_text(ax))
                image.value = png(ax)
                plt.close(ax.get_figure(root=True))
        self.figure_text.value = "<p>" + " ".join(html.escape(t) for t in texts) + "</p>"

    def _options(self) -> None:
        n_servers = self.case.evidence.settings["n_servers"] if self.case else 2
        # Dropdowns keep no selection when their options change (ipywidgets 8): select the first choice.
        options = detail_options(self.article.value, n_servers)
        self.detail.options, self.detail.value = options, options[0]
        second = self.second.value
        options = [] if second == _NO_SECOND else detail_options(second, n_servers)
        self.second_detail.options, self.second_detail.value = options, options[0] if options else None

    def _answer(self) -> tuple[list[str], list[str]]:
        articles, details = [self.article.value], [self.detail.value]
        if self.second.value != _NO_SECOND:
            articles.append(self.second.value)
            details.append(self.second_detail.value)
        return articles, details

    def check(self) -> None:
        """Check the answer in the widgets; the verdict (or the one error) replaces the answer pane."""
        articles, details = self._answer()
        try:
            fix = parse_fix(self.fix.value) or None
            self.answer.value = self._case().check(articles, details, fix)._repr_html_()
        except ParameterError as exc:
            self.answer.value = f"<p style='color:#b42318'>{html.escape(str(exc))}</p>"

    def try_fix(self) -> None:
        """Rerun the site with the fix in the widgets and say whether the symptom is gone."""
        try:
            self.answer.value = self._case().try_fix(parse_fix(self.fix.value))._repr_html_()
        except ParameterError as exc:
            self.answer.value = f"<p style='color:#b42318'>{html.escape(str(exc))}</p>"

    def reveal(self) -> None:
        """Show the instructor's answer (a page made without ``reveal`` refuses)."""
        if not self.can_reveal:
            self.answer.value = "<p>This page has no answer key: ask your instructor.</p>"
            return
        self.answer.value = self._case().reveal()._repr_html_()

    def __repr__(self) -> str:
        return f"Mystery site page: case {self.seed.value}, level {self.level.value} (a live widget: run the notebook)."

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        bundle = super()._repr_mimebundle_(include=include, exclude=exclude)
        bundle["text/plain"] = repr(self)
        return bundle

    def _case(self) -> Case:
        """The case shown (one is loaded when the page is made)."""
        assert self.case is not None, "the page shows no case yet"
        return self.case
