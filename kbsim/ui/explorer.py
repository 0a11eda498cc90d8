"""The explorer: widgets built from the parameter declaration and a preset, plots updated in place.

``kbsim.explore("Q226827")`` shows, for the parameters the preset exposes,
sliders with the declared ranges, steps and units, dropdowns for choices, a
preset picker (fault, workaround, fix...), a reset button, the preset's plots
with their one-sentence descriptions, its summary numbers, and the current
settings as a ``kbsim.run(...)`` line to copy.

Every update replaces widget values in place (the PNG of an Image widget, the
HTML of the summary): nothing is printed and no figure is re-created in an
output area, so the notebook stays true under strict nbval and does not
flicker. Sliders update on release, and runs are cached on their parameters,
so going back to a setting is instant. Any setting the model refuses shows
one clear message instead of a traceback.
"""

from __future__ import annotations

import html
import json
import os
from collections import OrderedDict
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pandas as pd

from ..model.errors import ParameterError
from ..model.parameters import PARAMETERS, Params
from ..model.result import Result, compare
from ..model.scenarios import FAULT, Preset, get_preset, run
from ..model.size import EXPLORER_SECONDS, estimate
from ..model.summary import LABELS
from .controls import ROW, OutageControl, control, held, show, with_hint
from .plots import HEIGHT_IN, PLOTS, WIDTH_IN, RunPlot, alt_text, check_plot, kept, png

CACHE_SIZE = 64
#: The controls' column; beside the plots on a wide page, above them when the cell is narrow.
CONTROLS_WIDTH = "500px"
#: Plots are never drawn narrower than this on screen (legible at 1024x768 with the file browser open).
PLOT_MIN_WIDTH = "600px"


class Explorer:
    """Widgets for one preset's exposed parameters, its plots and summary, updated together."""

    def __init__(
        self, preset: str | Path | Preset, variant: str | None = None, plots: tuple[str, ...] | None = None
    ) -> None:
        self.preset = get_preset(preset)
        self.variant = variant or FAULT
        self.base = self.preset.variant(self.variant)
        self.plots = tuple(plots or self.preset.plots)
        for name in self.plots:
            check_plot(name)
        self._cache: OrderedDict[tuple[Params, str], Result] = OrderedDict()
        self._drawn: OrderedDict[tuple[Params, str, int], tuple[bytes, str]] = OrderedDict()
        self._holding = False
        self.result: Result | None = None
        self.error = ""

        self.controls = {name: control(PARAMETERS[name], self.base) for name in self.preset.explore}
        self.picker = widgets.Dropdown(
            options=[(self.variant_label(v), v) for v in (FAULT, *self.preset.variants)],
            value=self.variant,
            description="Preset",
            style={"description_width": "60px"},
            tooltip="the article's fault and its variants (fix, workaround...)",
            disabled=not self.preset.variants,
            layout=widgets.Layout(width="300px"),
        )
        self.reset_button = widgets.Button(
            description="Reset", tooltip="back to the chosen preset's settings", icon="undo"
        )
        self.images = [
            widgets.Image(format="png", layout=widgets.Layout(width="100%", height="auto")) for _ in self.plots
        ]
        self.captions = [widgets.HTML() for _ in self.plots]
        self.descriptions = [""] * len(self.plots)  # each figure's description in words, as its caption shows it
        self.summary = widgets.HTML()
        self.message = widgets.HTML()
        self.share = widgets.Text(
            description="Setting",
            continuous_update=False,
            style={"description_width": "60px"},
            layout=widgets.Layout(width="100%"),
            tooltip="this setting as a short code: read it out, or type one in and press Enter to open it",
        )
        self.share_link = widgets.HTML()
        self._sharing = False
        self.call = widgets.Textarea(
            description="As code",
            rows=2,
            layout=widgets.Layout(width="100%"),
            tooltip="these settings as a kbsim.run(...) line: copy it into a cell or a script",
        )

        for widget in self.controls.values():
            if isinstance(widget, OutageControl):
                widget.observe_value(self._changed)
            else:
                widget.observe(self._changed, names="value")
        if "days" in self.controls and "outages" in self.controls:
            self.controls["days"].observe(
                lambda change: self.controls["outages"].set_days(change["new"]), names="value"
            )
        self.picker.observe(self._picked, names="value")
        self.share.observe(self._shared, names="value")
        self.reset_button.on_click(lambda _: self.reset())

        # Controls beside the plots when the cell is wide enough for both, in a band above them when it is
        # not: the plots never shrink below PLOT_MIN_WIDTH to make room for the controls. The summary sits
        # under the plots, so that on a projector (1024x768) a control and the plot it moves share the screen.
        figures = [widgets.VBox([image, caption], layout=ROW) for image, caption in zip(self.images, self.captions)]
        left = widgets.VBox(
            [widgets.HBox([self.picker, self.reset_button]), *[with_hint(w) for w in self.controls.values()]],
            layout=widgets.Layout(flex=f"1 1 {CONTROLS_WIDTH}", max_width="640px", margin="0 16px 4px 0"),
        )
        right = widgets.VBox(
            [*figures, self.summary],
            layout=widgets.Layout(flex=f"100 1 {PLOT_MIN_WIDTH}", min_width=PLOT_MIN_WIDTH, max_width="100%"),
        )
        panes = widgets.Box(
            [left, right],
            layout=widgets.Layout(display="flex", flex_flow="row wrap", align_items="flex-start", width="100%"),
        )
        self.widget = widgets.VBox([panes, self.message, self.share, self.share_link, self.call], layout=ROW)
        self._figures: list[RunPlot | None] = [None] * len(self.plots)  # each plot's figure, kept between moves
        self.update()

    def variant_label(self, variant: str) -> str:
        """A variant's name for people: a preset with no article has a baseline, not a fault."""
        return "baseline" if variant == FAULT and not self.preset.article else variant

    # --- reading and setting the controls ----------------------------------------------------

    def values(self) -> dict[str, Any]:
        """The exposed parameters as the widgets hold them now."""
        return {name: held(PARAMETERS[name], widget) for name, widget in self.controls.items()}

    def _enable(self, values: dict[str, Any]) -> None:
        """Disable the controls that cannot matter under the other settings (the declaration's ``when``)."""
        settings = {**self.base.to_plain(), **values}
        for name, widget in self.controls.items():
            if PARAMETERS[name].when:
                widget.disabled = not PARAMETERS[name].matters(settings)

    def set(self, **values: Any) -> Explorer:
        """Move widgets as a user would (unknown names or refused values raise ParameterError); one update."""
        checked = Params.from_values(values, base=self.base)
        self._holding = True
        try:
            for name in values:
                if name not in self.controls:
                    raise ParameterError(f"{name} is not in this explorer: it exposes {', '.join(self.controls)}")
                self._put(name, getattr(checked, name))
        finally:
            self._holding = False
        self.update()
        return self

    def _put(self, name: str, value: Any) -> None:
        show(PARAMETERS[name], self.controls[name], value)

    def reset(self) -> None:
        """Every control back to the chosen preset variant's value."""
        self._holding = True
        try:
            for name in self.controls:
                self._put(name, getattr(self.base, name))
        finally:
            self._holding = False
        self.update()

    def _picked(self, change: dict) -> None:
        self.variant = change["new"]
        self.base = self.preset.variant(self.variant)
        self.reset()

    def _changed(self, _: dict) -> None:
        if not self._holding:
            self.update()

    # --- sharing a setting with the class -------------------------------------------------------

    def setting_code(self, params: Params | None = None) -> str:
        """The current setting as a short code: the preset variant, then each control moved from it.

        ``fault`` alone is the preset; ``fix; retries=1; retry_delay_min=5`` is the fix with two
        controls moved. :meth:`apply_setting` (or ``kbsim.explore(..., setting=...)``, or the Setting box,
        or ``?setting=...`` on a Voila page's address) opens any explorer of the same preset on it.
        """
        if params is None:
            params = Params.from_values(self.values(), base=self.base)
        parts = [self.variant]
        for name in self.controls:
            value = getattr(params, name)
            if value != getattr(self.base, name):
                plain = PARAMETERS[name].to_plain(value)
                text = plain if isinstance(plain, str) else json.dumps(plain, separators=(",", ":"))
                parts.append(f"{name}={text}")
        return "; ".join(parts)

    def apply_setting(self, code: str) -> Explorer:
        """Open the setting a :meth:`setting_code` names (a bad code raises one short ParameterError)."""
        variant, values = parse_setting(code, self.preset)
        self._holding = True
        try:
            if variant != self.variant:
                self.picker.value = variant  # resets to the variant (held: no run yet)
            self.variant, self.base = variant, self.preset.variant(variant)
            for name in self.controls:
                self._put(name, getattr(self.base, name))
        finally:
            self._holding = False
        return self.set(**values) if values else self._updated()

    def _updated(self) -> Explorer:
        self.update()
        return self

    def _shared(self, change: dict) -> None:
        if self._sharing or change["new"] == self.setting_code():
            return
        try:
            self.apply_setting(change["new"])
        except ParameterError as exc:
            self.message.value = (
                f"<p style='color:#D55E00'><b>That setting cannot open:</b> {html.escape(str(exc))}</p>"
            )

    def _show_setting(self, params: Params) -> None:
        code = self.setting_code(params)
        self._sharing = True
        try:
            self.share.value = code
        finally:
            self._sharing = False
        self.share_link.value = (
            "<p style='font-size:12px;color:#444;margin:0'>Share it: students type the code into their Setting box "
            '(or <code>kbsim.explore(..., setting="...")</code>); on a Voila page add '
            f"<code>?setting={html.escape(quote(code, safe=''))}</code> to its address.</p>"
        )

    # --- running and drawing -------------------------------------------------------------------

    def run(self, params: Params) -> Result:
        """The run for ``params``, from the cache when it was made before."""
        key = (params, self.variant)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        size = estimate(params)  # issue 14: a slider never starts a long run without saying so
        if size.seconds > EXPLORER_SECONDS:
            self.message.value = (
                f"<p><b>Running a large site:</b> {html.escape(size.describe())} by kbsim.estimate; "
                "the numbers and plots follow when it ends.</p>"
            )
        overrides = {k: getattr(params, k) for k in PARAMETERS if getattr(params, k) != getattr(self.base, k)}
        result = run(self.preset, variant=self.variant, **overrides)
        self._cache[key] = result
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return result

    def _draw(self, params: Params, result: Result, index: int) -> tuple[bytes, str]:
        """One plot's PNG and description, drawn once per setting (drawing costs more than running)."""
        key = (params, self.variant, index)
        if key not in self._drawn:
            plot = self._figures[index]
            if plot is None:
                plot = self._figures[index] = kept(self.plots[index])
            ax = plot.update(result)  # in place: only what the run changes is set again
            self._drawn[key] = (plot.png(), alt_text(ax))
            if len(self._drawn) > CACHE_SIZE * len(self.plots):
                self._drawn.popitem(last=False)
        self._drawn.move_to_end(key)
        return self._drawn[key]

    def update(self) -> None:
        """Run the current settings and update summary, code, plots and descriptions in place.

        The numbers go out first (a run is quick), then each plot as soon as it is drawn, so
        the page answers a slider at once and the pictures follow.
        """
        try:
            values = self.values()
            self._enable(values)
            params = Params.from_values(values, base=self.base)
            result = self.run(params)
            self.result = result
            self.summary.value = self._summary_html(result)
            self.call.value = result.call()
            self._show_setting(params)
            for index, (image, caption) in enumerate(zip(self.images, self.captions)):
                picture, alt = self._draw(params, result, index)
                image.value = picture
                self.descriptions[index] = alt
                caption.value = f"<p style='max-width:60em'>{html.escape(alt)}</p>"
        except ParameterError as exc:
            self.error = str(exc)
            self.message.value = (
                f"<p style='color:#D55E00'><b>These settings cannot run:</b> {html.escape(self.error)}</p>"
            )
            return
        except Exception as exc:  # never a traceback in a classroom; the message says what to report
            self.error = f"{type(exc).__name__}: {exc}"
            self.message.value = (
                f"<p style='color:#D55E00'><b>kbsim failed on these settings</b> "
                f"({html.escape(self.error)}). Please report it with the line below.</p>"
            )
            return
        self.error = ""
        self.message.value = ""

    def summary_frame(self) -> pd.DataFrame:
        """The preset's summary numbers for the current settings beside the chosen preset's own."""
        preset = f"preset ({self.variant_label(self.variant)})"
        return compare({"now": self._shown(), preset: self.run(self.base)}, self.preset.metrics)

    def _shown(self) -> Result:
        """The run the explorer shows (there is one once the explorer is made: its first update raises or runs)."""
        assert self.result is not None, "the explorer shows no run yet"
        return self.result

    def _summary_html(self, result: Result) -> str:
        """The summary table: each number's label in words, its value now and in the preset, and its meaning."""
        frame = self.summary_frame()
        preset = html.escape(str(frame.columns[2]))
        rows = "".join(
            f"<tr><td title='{html.escape(str(k))}'>{html.escape(row['label'])}</td><td><b>{_fmt(row['now'])}</b></td>"
            f"<td>{_fmt(row.iloc[2])}</td><td style='font-size:smaller'>{html.escape(row['meaning'])}</td></tr>"
            for k, row in frame.iterrows()
        )
        return f"<table><tr><th>summary</th><th>now</th><th>{preset}</th><th>what it means</th></tr>{rows}</table>"

    def figure(self) -> bytes:
        """All of this explorer's plots for the current settings in one PNG: the static view."""
        fig, axes = plt.subplots(
            len(self.plots), 1, figsize=(WIDTH_IN, HEIGHT_IN * len(self.plots)), layout="constrained", squeeze=False
        )
        for name, ax in zip(self.plots, axes[:, 0]):
            PLOTS[name].once(self._shown(), ax=ax)
        data = png(axes[0, 0])
        plt.close(fig)
        return data

    def text(self) -> str:
        """What the explorer shows, in words: the stamp, each figure's description, the summary numbers."""
        if self.error:
            return f"These settings cannot run: {self.error}"
        numbers = ", ".join(f"{LABELS[k]} = {_fmt(self._shown().summary[k])}" for k in self.preset.metrics)
        return "\n".join([*self.descriptions, numbers])

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude)
        bundle["text/plain"] = self.text()
        if self.result is not None and not self.error:
            bundle["image/png"] = self.figure()  # what a static page shows without a kernel
        return bundle


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return "–" if value != value else f"{value:.3g}"
    return str(value)


def parse_setting(code: str, preset: Preset) -> tuple[str, dict[str, Any]]:
    """A setting code (see :meth:`Explorer.setting_code`) as its variant and checked control values."""
    variants = (FAULT, *preset.variants)
    parts = [p.strip() for p in str(code).split(";") if p.strip()]
    variant = FAULT
    if parts and "=" not in parts[0]:
        variant = parts.pop(0)
        if variant not in variants:
            raise ParameterError(
                f"setting {code!r} is not allowed: its preset {variant!r} is not one of {', '.join(variants)}"
            )
    values: dict[str, Any] = {}
    for part in parts:
        name, sep, text = (t.strip() for t in part.partition("="))
        if not sep or name not in preset.explore:
            raise ParameterError(
                f"setting {part!r} is not allowed: expected NAME=VALUE with NAME one of {', '.join(preset.explore)}"
            )
        values[name] = PARAMETERS[name].parse_text(text)
    return variant, values


def _query_setting() -> str | None:
    """The ``setting`` of a Voila page's address (Voila gives the kernel the query as QUERY_STRING)."""
    found = parse_qs(os.environ.get("QUERY_STRING", "")).get("setting")
    return found[0] if found else None


def explore(
    preset: str | Path | Preset = "site",
    variant: str | None = None,
    plots: tuple[str, ...] | None = None,
    setting: str | None = None,
) -> Explorer:
    """An explorer for ``preset``: display it (last line of a cell) to get the widgets.

    ``setting`` (a code from another explorer's Setting box) opens it on that setting; on a Voila page,
    ``?setting=...`` in the address does the same for every explorer of the page.
    """
    explorer = Explorer(preset, variant=variant, plots=plots)
    code = setting if setting is not None else _query_setting()
    if code:
        try:
            explorer.apply_setting(code)
        except ParameterError as exc:
            if setting is not None:
                raise
            explorer.message.value = (
                f"<p style='color:#D55E00'><b>The page's setting cannot open:</b> {html.escape(str(exc))}</p>"
            )
    return explorer
