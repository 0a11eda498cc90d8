"""Figures of a run. Each takes a Result and an optional matplotlib Axes, and never runs a simulation.

:func:`sweep_band` is the one exception: it draws a sweep's summary over many runs; and
:func:`evidence_requests` and :func:`evidence_licences` draw a mystery site's evidence
(:class:`kbsim.evidence.Evidence`), which keeps no Result.

Every figure is titled, its axes carry units, outages are shaded and
balancing cycles ticked on the time axis, colours are the Okabe-Ito
colour-blind-safe palette, and the figure carries a small stamp of the run's
preset, seed, changed parameters and kbsim version. Each function also leaves
a one-sentence description of what the figure shows (read it with
:func:`alt_text`), for alt text and screen readers.

Each figure of a run is a :class:`RunPlot`: built once (what no run changes: titles, axis labels
and scales, tick style, grid), then updated for a Result (its data, limits, legend, stamp and
description). The functions (``denials_over_time(result)``...) build and update once; an explorer
keeps one figure per plot (:func:`kept`) and updates it in place at every move, which costs less
than drawing it anew.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar
from weakref import WeakKeyDictionary

import matplotlib.dates as mdates
import matplotlib.figure
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.container import Container
from matplotlib.lines import Line2D
from matplotlib.patches import StepPatch
from matplotlib.text import Text
from PIL import Image

from .errors import unknown_name
from .evidence import Evidence
from .parameters import PARAMETERS
from .result import Result
from .sampling import SITE_RESERVE
from .service import MESSAGE_9406, RUNNING, STOP_PENDING, STOPPED
from .summary import LABELS, SUMMARY

#: Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
GREY = "#999999"
STATE_COLOURS = {RUNNING: "#009E73", STOP_PENDING: "#D55E00", STOPPED: GREY}

#: A figure's size in inches and its PNG's resolution: 720 px wide. Shown at least 600 px wide (the
#: explorer's and the notebooks' plots at 1024x768 with JupyterLab's file browser open), the smallest
#: text, SMALL_PT, is then at least 11 * 80 / 72 * 600 / 720 = 10.2 px on screen.
WIDTH_IN, HEIGHT_IN, DPI = 9.0, 4.0, 80
SMALL_PT, LABEL_PT, TITLE_PT = 11, 12, 14

#: Each drawn Axes' one-sentence description, and each figure's stamp (one per figure, however many plots).
_ALT: WeakKeyDictionary[Axes, str] = WeakKeyDictionary()
_STAMPS: WeakKeyDictionary[matplotlib.figure.FigureBase, Text] = WeakKeyDictionary()


def alt_text(ax: Axes) -> str:
    """The one-sentence description a kbsim plot left on ``ax``."""
    return _ALT.get(ax, "")


def _describe(ax: Axes, alt: str) -> None:
    _ALT[ax] = alt


def _stamp(ax: Axes, stamp: str) -> None:
    """The figure's provenance stamp in its lower right corner: placed once, its words set at every update."""
    fig = _root(ax)
    text = _STAMPS.get(fig)
    if text is None:
        _STAMPS[fig] = fig.text(0.995, 0.002, stamp, ha="right", va="bottom", fontsize=SMALL_PT, color="#555555")
    else:
        text.set_text(stamp)


def _axes(ax: Axes | None, height: float = HEIGHT_IN) -> Axes:
    if ax is None:  # a pyplot figure, so a notebook that calls a plot function directly shows it
        fig, ax = plt.subplots(figsize=(WIDTH_IN, height), dpi=DPI)
        _margins(fig)
    return ax


def _margins(fig: matplotlib.figure.Figure) -> None:
    """Fixed margins in inches, not a layout engine: one draw per PNG instead of two, for instant widgets.
    The right margin holds the legend."""
    width, height = fig.get_size_inches()
    fig.subplots_adjust(left=0.85 / width, right=1 - 2.45 / width, top=1 - 0.45 / height, bottom=1.05 / height)


#: A legend entry longer than this many characters is wrapped: beside its handle, the right margin (2.45 in)
#: holds about 20 at SMALL_PT.
LEGEND_CHARS = 18


def _legend(ax: Axes, handles: Sequence[Artist | Container] | None = None) -> None:
    """The legend beside the plot, where it hides no data; long entries wrapped so none runs off the figure."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    else:
        handles = list(handles)
        labels = [str(h.get_label()) for h in handles]
    labels = [textwrap.fill(label, LEGEND_CHARS) for label in labels]
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=SMALL_PT, frameon=False)


def _time_axes(ax: Axes, ylabel: str) -> None:
    """What a plot over time keeps whatever the run: a date axis, its y label, tick style and grid."""
    ax.xaxis_date()
    ax.set_ylabel(ylabel, fontsize=LABEL_PT)
    ax.tick_params(labelsize=SMALL_PT)
    ax.grid(axis="y", alpha=0.3)


def _time_span(ax: Axes, start: datetime, days: int, title: str) -> None:
    """The title and a time axis over the run, its date ticks chosen once for the span (matplotlib's automatic
    date ticks and concise labels, fixed: a kept figure's next run over the same days does not choose them
    again at every draw)."""
    ax.set_title(title, fontsize=TITLE_PT, loc="left", y=1.0)  # y given: no search for room at each draw
    ax.set_xlabel(f"site-server time (run starts {start:%a %Y-%m-%d %H:%M})", fontsize=LABEL_PT)
    left = pd.Timestamp(start)
    span = (_day_number(left), _day_number(left + pd.Timedelta(days=days)))
    if ax.get_xlim() == span and isinstance(ax.xaxis.get_major_locator(), mticker.FixedLocator):
        return
    ax.set_xlim(*span)
    dates = mdates.AutoDateLocator(minticks=4, maxticks=10)
    dates.set_axis(ax.xaxis)
    ticks = dates()
    concise = mdates.ConciseDateFormatter(dates)
    labels = mticker.FixedFormatter(concise.format_ticks(ticks))
    labels.set_offset_string(concise.get_offset())
    ax.xaxis.set_major_locator(mticker.FixedLocator(ticks))
    ax.xaxis.set_major_formatter(labels)


def _frame(ax: Axes, start: datetime, days: int, stamp: str, title: str, ylabel: str, alt: str) -> Axes:
    """Title, labels, a time axis over the run, the alt text and the provenance stamp (drawn once)."""
    _time_axes(ax, ylabel)
    _time_span(ax, start, days, title)
    _describe(ax, alt)
    _stamp(ax, stamp)
    return ax


def _day_number(time: pd.Timestamp) -> float:
    """A time as a date axis places it (matplotlib's days since its epoch)."""
    return float(mdates.date2num(time))


def _bins(start: datetime, days: int, bin_h: float) -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(start), periods=int(days * 24 / bin_h) + 1, freq=pd.Timedelta(hours=bin_h))


def _per_bin(times: pd.Series, edges: pd.DatetimeIndex) -> np.ndarray:
    counts, _ = np.histogram(times.to_numpy(dtype="datetime64[ns]"), bins=edges.to_numpy(dtype="datetime64[ns]"))
    return counts


#: Granted and denied requests as stairs: (kind, colour, label, style).
_REQUEST_STAIRS: list[tuple[str, str, str, dict[str, Any]]] = [
    ("grant", PALETTE[0], "granted", {"linewidth": 1.2, "fill": False, "alpha": 1.0}),
    ("deny", PALETTE[3], "denied", {"linewidth": 2, "fill": True, "alpha": 0.8}),
]


def _request_stairs(ax: Axes, asked: pd.DataFrame, start: datetime, days: int, bin_h: float) -> None:
    """Granted and denied requests (``kind`` grant or deny, ``time``) per ``bin_h`` hours, as stairs (drawn once)."""
    edges = _bins(start, days, bin_h)
    for kind, colour, label, style in _REQUEST_STAIRS:
        ax.stairs(_per_bin(asked.loc[asked["kind"] == kind, "time"], edges), edges, color=colour, label=label, **style)


class RunPlot:
    """A figure of a run on ``ax``: :meth:`build` once, then :meth:`update` with each Result.

    An update sets the data of the artists it drew before in place (stairs, lines), draws those
    it had not, hides those the run has nothing for, and replaces the ones whose number varies
    (outage shades, bars); the legend is made again only when its entries change. When the plot
    ``owns_figure``, the figure takes the plot's height for the run (a row per server for the
    service timeline).
    """

    #: The plot's name, as presets and the explorer refer to it (a key of PLOTS).
    name: ClassVar[str] = ""
    #: Whether the legend sits beside the axes, in a margin where nothing else is drawn (see :meth:`png`).
    legend_apart: ClassVar[bool] = True

    def __init__(self, ax: Axes, owns_figure: bool = False) -> None:
        self.ax = ax
        self.owns_figure = owns_figure
        self.kept: dict[object, Artist] = {}  # artists updated in place, by what they show
        self.zorders: dict[object, float] = {}  # their zorders as drawn first
        self.replaced: list[Artist | Container] = []  # artists drawn afresh at every update
        self.shown: list[Artist | Container] = []  # what this update shows, in drawing order (the legend's)
        self.legend_labels: tuple[str, ...] | None = None
        #: The legend as last drawn beside the axes (see :meth:`png`), while it and the figure's size stay.
        self.legend_pixels: Any = None
        self.build()

    @classmethod
    def height(cls, result: Result) -> float:
        """The figure's height in inches for ``result``."""
        return HEIGHT_IN

    def margins(self, fig: matplotlib.figure.Figure) -> None:
        """The figure's margins, when the plot owns the figure."""
        _margins(fig)

    def build(self) -> None:
        """Draw what no run changes."""

    def draw(self, result: Result) -> None:
        """Draw ``result``'s data, title and description (called by :meth:`update`)."""
        raise NotImplementedError

    def limits(self, result: Result) -> None:
        """Limits beyond autoscaling (set after it)."""

    def update(self, result: Result) -> Axes:
        """Show ``result``: the data, the limits, the legend, the stamp and the description."""
        ax, fig = self.ax, self.ax.figure
        if self.owns_figure and isinstance(fig, matplotlib.figure.Figure):
            height = self.height(result)
            if fig.get_figheight() != height:
                fig.set_size_inches(WIDTH_IN, height)
                self.margins(fig)
                self.legend_pixels = None
        for old in self.replaced:
            old.remove()
        self.replaced, self.shown = [], []
        self.draw(result)
        for artist in self.kept.values():
            artist.set_visible(artist in self.shown)
        ax.set_autoscaley_on(True)
        _relim(ax, [a for a in self.shown if isinstance(a, StepPatch)])
        ax.autoscale_view()
        self.limits(result)
        handles = [a for a in self.shown if _labelled(a)]
        labels = tuple(str(a.get_label()) for a in handles)
        if labels != self.legend_labels:
            self.legend(handles)
            self.legend_labels = labels
            self.legend_pixels = None
        _stamp(ax, result.stamp())
        return ax

    def legend(self, handles: list[Artist | Container]) -> None:
        """The legend of what this update shows."""
        _legend(self.ax, handles)

    def png(self) -> bytes:
        """The figure as PNG bytes, like :func:`png`. A legend unchanged since the last image (the same entries
        on a figure of the same size) is not drawn again: its pixels, drawn then in a margin where nothing
        else is drawn, are put back (text is most of a figure's drawing, and a legend is much of its text)."""
        fig = _root(self.ax)
        canvas = fig.canvas
        legend = self.ax.get_legend()
        if not isinstance(canvas, FigureCanvasAgg) or legend is None or not self.legend_apart:
            return png(self.ax)
        if self.legend_pixels is None:
            canvas.draw()
            box = legend.get_window_extent(canvas.get_renderer()).padded(2)
            self.legend_pixels = canvas.copy_from_bbox(box)
        else:
            legend.set_visible(False)
            canvas.draw()
            legend.set_visible(True)
            canvas.restore_region(self.legend_pixels)
        return _encode(canvas)

    def stairs(self, key: object, values: np.ndarray, edges: pd.DatetimeIndex, **style: Any) -> None:
        """Stairs shown by ``key``: drawn the first time, their data set in place after."""
        patch = self.kept.get(key)
        if isinstance(patch, StepPatch):
            patch.set_data(values, self.ax.convert_xunits(edges))
        else:
            patch = self._keep(key, self.ax.stairs(values, edges, **style))
        self._show(key, patch)

    def _keep(self, key: object, artist: Artist) -> Artist:
        self.kept[key] = artist
        self.zorders[key] = artist.get_zorder()
        return artist

    def _show(self, key: object, artist: Artist) -> None:
        # Artists of one zorder are drawn in the order they were added to the Axes; a kept one was added at an
        # earlier update, so a small step of zorder per place in this update restores the drawing order of a
        # figure drawn anew (where one overlaps another, the later is on top).
        artist.set_zorder(self.zorders[key] + len(self.shown) * 1e-6)
        self.shown.append(artist)

    def line(self, key: object, x: Any, y: Any, **style: Any) -> None:
        """A line (or markers) shown by ``key``: drawn the first time, its data set in place after."""
        line = self.kept.get(key)
        if isinstance(line, Line2D):
            line.set_data(x, y)
        else:
            line = self._keep(key, self.ax.plot(x, y, **style)[0])
        self._show(key, line)

    def replace(self, artist: Artist | Container) -> None:
        """An artist drawn afresh: removed at the next update."""
        for part in artist if isinstance(artist, Container) else [artist]:
            part.set_zorder(part.get_zorder() + len(self.shown) * 1e-6)  # in drawing order, as _show
        self.replaced.append(artist)
        self.shown.append(artist)

    @classmethod
    def once(cls, result: Result, ax: Axes | None = None, **options: Any) -> Axes:
        """The plot of ``result`` on ``ax`` (a new pyplot figure when None): built and updated once."""
        plot = cls(_axes(ax, cls.height(result)), owns_figure=ax is None, **options)
        if ax is None:
            plot.margins(_root(plot.ax))
        return plot.update(result)


def _relim(ax: Axes, steps: list[StepPatch]) -> None:
    """``ax.relim(visible_only=True)``, with the limits of ``steps`` (visible stairs) read from their vertices:
    the same limits (a step's extremes are its vertices) without relim's walk along every segment of them."""
    for patch in steps:
        patch.set_visible(False)
    ax.relim(visible_only=True)
    for patch in steps:
        patch.set_visible(True)
        ax.update_datalim(patch.get_path().vertices)


def _labelled(artist: Artist | Container) -> bool:
    label = artist.get_label()
    return bool(label) and not str(label).startswith("_")


class _SiteTimePlot(RunPlot):
    """A plot over the run's time with outages shaded and balancing cycles ticked."""

    title = ""
    ylabel = ""

    def build(self) -> None:
        _time_axes(self.ax, self.ylabel)

    def mark_site_events(self, result: Result) -> None:
        """Shade outages and tick balancing cycles along the time axis."""
        ax = self.ax
        start = pd.Timestamp(result.params.start)
        for i, (server, start_h, minutes) in enumerate(result.params.outages):
            left = start + pd.Timedelta(hours=start_h)
            self.replace(
                ax.axvspan(
                    _day_number(left),
                    _day_number(left + pd.Timedelta(minutes=minutes)),
                    color=PALETTE[server % len(PALETTE)],
                    alpha=0.15,
                    label=f"server {server} offline" if i < 4 else None,
                )
            )
        cycles = result.events.loc[result.events["kind"] == "balancing", "time"]
        if len(cycles) and len(cycles) <= 400:
            self.line(
                "balancing cycle",
                cycles,
                np.zeros(len(cycles)),
                marker="|",
                linestyle="none",
                color="#000000",
                markersize=12,
                clip_on=False,
                transform=ax.get_xaxis_transform(),
                label="balancing cycle",
            )


class RequestsPlot(_SiteTimePlot):
    """Licence requests granted and denied per ``bin_h`` hours."""

    name = "denials_over_time"
    title = "Licence requests granted and denied"

    def __init__(self, ax: Axes, owns_figure: bool = False, bin_h: float = 1.0) -> None:
        self.bin_h = bin_h
        self.ylabel = f"requests per {bin_h:g} h"
        super().__init__(ax, owns_figure)

    def draw(self, result: Result) -> None:
        events = result.events
        asked = events[events["kind"].isin(["grant", "deny"])]
        edges = _bins(result.params.start, result.params.days, self.bin_h)
        for kind, colour, label, style in _REQUEST_STAIRS:
            times = asked.loc[asked["kind"] == kind, "time"]
            self.stairs(kind, _per_bin(times, edges), edges, color=colour, label=label, **style)
        self.mark_site_events(result)
        _time_span(self.ax, result.params.start, result.params.days, self.title)
        s = result.summary
        worst = ""
        denied = asked[asked["kind"] == "deny"]
        if len(denied):
            peak = denied["time"].dt.floor(f"{int(self.bin_h * 60)}min").value_counts().idxmax()
            worst = f"; they peak around {peak:%a %H:%M}"
        _describe(
            self.ax,
            f"Licence requests per {self.bin_h:g} h: {s['grants']} granted and {s['denials']} denied "
            f"({s['denial_rate']:.1%}){worst}.",
        )


class LicenceDistributionPlot(_SiteTimePlot):
    """Licences of one product held by each server (free and in use) and by the reserve pool, over time."""

    name = "license_distribution"
    ylabel = "licences"

    def __init__(self, ax: Axes, owns_figure: bool = False, product: int = 0) -> None:
        self.product = product
        super().__init__(ax, owns_figure)

    def draw(self, result: Result) -> None:
        table = result.licenses[result.licenses["product"] == self.product]
        held = table.assign(held=table["free"] + table["in_use"]).pivot(index="time", columns="server", values="held")
        for column in held.columns:
            server = int(column)
            if server == SITE_RESERVE:
                style: dict[str, Any] = {"color": GREY, "linestyle": "--", "label": "reserve pool"}
            else:
                style = {"color": PALETTE[server % len(PALETTE)], "linewidth": 2, "label": f"server {server}"}
            self.line(("holder", server), held.index, held[column], drawstyle="steps-post", **style)
        self.mark_site_events(result)
        title = f"Licence distribution per server (product {self.product})"
        _time_span(self.ax, result.params.start, result.params.days, title)
        _describe(
            self.ax,
            f"Licences of product {self.product} held by each of {result.params.n_servers} servers over time; "
            f"at worst {result.summary['max_imbalance']:g} licences sat free on a server while another refused them, "
            f"and balancing moved {result.summary['licenses_moved']} licences.",
        )


class MeteringWorkPlot(_SiteTimePlot):
    """License Metering's work over time (Q210202's third check): the minutes of each ``bin_h`` hours it spent on
    on-demand moves, one at a time (``instant_balancing_min`` each), and how late each scheduled cycle ran
    behind them."""

    name = "metering_work"
    title = "License Metering's work: on-demand moves and late scheduled cycles"

    def __init__(self, ax: Axes, owns_figure: bool = False, bin_h: float = 1.0) -> None:
        self.bin_h = bin_h
        self.ylabel = f"minutes (moves: per {bin_h:g} h)"
        super().__init__(ax, owns_figure)

    def draw(self, result: Result) -> None:
        events, params = result.events, result.params
        edges = _bins(params.start, params.days, self.bin_h)
        moves = events.loc[events["kind"].isin(["instant_balancing", "instant_balancing_failed"]), "time"]
        self.stairs(
            "busy",
            _minutes_per_bin(moves, pd.Timedelta(minutes=params.instant_balancing_min), edges),
            edges,
            color=PALETTE[0],
            fill=True,
            alpha=0.6,
            label="on-demand moves",
        )
        cycles = events[events["kind"] == "balancing"]
        late = cycles[cycles["minutes"].astype(float) > 0]
        self.line(
            "late",
            late["time"],
            late["minutes"].astype(float),
            marker="o",
            linestyle="none",
            color=PALETTE[3],
            label="cycle ran late",
        )
        self.mark_site_events(result)
        _time_span(self.ax, params.start, params.days, self.title)
        s = result.summary
        _describe(
            self.ax,
            f"License Metering was busy {s['metering_busy_pct']:g}% of the run with {s['instant_balancings']} "
            f"on-demand moves and {s['instant_balancings_failed']} that found no licence, "
            f"{params.instant_balancing_min:g} min each; {len(late)} of {len(cycles)} scheduled cycles ran late, "
            f"{s['balancing_delay_min']:.1f} min on average and {s['balancing_delay_max_min']:g} min at worst.",
        )

    def limits(self, result: Result) -> None:
        self.ax.set_ylim(bottom=0)


def _minutes_per_bin(ends: pd.Series, each: pd.Timedelta, edges: pd.DatetimeIndex) -> np.ndarray:
    """Minutes of each bin between ``edges`` covered by jobs of length ``each`` that ended at ``ends``."""
    end = ends.to_numpy(dtype="datetime64[ns]").astype("int64")[:, None]
    start = end - each.value
    edge = edges.to_numpy(dtype="datetime64[ns]").astype("int64")[None, :]
    covered = np.clip(np.minimum(edge, end) - start, 0, None).sum(axis=0)  # job time before each edge
    return np.diff(covered) / 60e9


#: The kinds of client trouble drawn, in drawing order (rebinds and restarts last, on top of the
#: reconnections that share their minutes): (event kind, label, palette colour).
_TROUBLE = [
    ("contact_failed", "failed contact", 3),
    ("retry", "retry, no answer", 1),
    ("reconnect", "reconnected", 2),
    ("failover", "failover", 0),
    ("restart", "user restart", 7),
    ("rebind", "rebind at CCIM/restart", 4),
]


class ClientAttemptsPlot(_SiteTimePlot):
    """Failed contacts, retries, failovers, restarts, rebinds and reconnections per ``bin_h`` hours.

    The counts run from one to thousands an hour (a stranded client retries about once a minute),
    so the y axis is logarithmic above one: a single rebind shows beside a thousand retries.
    """

    name = "client_attempts"
    title = "What the clients did when a server did not answer"

    def __init__(self, ax: Axes, owns_figure: bool = False, bin_h: float = 1.0) -> None:
        self.bin_h = bin_h
        self.ylabel = f"events per {bin_h:g} h (log)"
        super().__init__(ax, owns_figure)

    def build(self) -> None:
        super().build()
        self.ax.set_yscale("symlog", linthresh=1, linscale=0.5)

    def draw(self, result: Result) -> None:
        events = result.events
        edges = _bins(result.params.start, result.params.days, self.bin_h)
        for kind, label, colour in _TROUBLE:
            times = events.loc[events["kind"] == kind, "time"]
            if len(times):
                self.stairs(
                    kind,
                    _per_bin(times, edges),
                    edges,
                    color=PALETTE[colour],
                    label=label,
                    linestyle=":" if kind == "restart" else "-",
                    linewidth=2.4 if kind in ("rebind", "restart") else 1.6,
                )
        self.mark_site_events(result)
        _time_span(self.ax, result.params.start, result.params.days, self.title)
        s = result.summary
        counts = events["kind"].value_counts()
        alt = (
            f"Client connection trouble per {self.bin_h:g} h: {s['connection_attempts']} attempts in all, "
            f"{s['attempts_no_server']} while no server was up, and {s['failovers']} moves to another server."
        )
        rebinds, restarts = int(counts.get("rebind", 0)), int(counts.get("restart", 0))
        if rebinds or restarts:  # Q212894: say what the Windows 95/98 clients did, when they did anything
            alt += (
                f" {int(counts.get('retry', 0))} retries went unanswered; Windows 95/98 users restarted "
                f"{restarts} times and {rebinds} clients were rebound at a CCIM cycle or restart."
            )
        _describe(self.ax, alt)

    def limits(self, result: Result) -> None:
        if any(isinstance(a, StepPatch) for a in self.shown):
            self.ax.set_ylim(bottom=0)
        else:  # nothing to count: an empty axis from 0 to 1, not a scale made up from no data
            self.ax.set_ylim(0, 1)


class UsagePlot(RunPlot):
    """Program runs that happened and runs the site saw, grouped by how far the client's clock lags."""

    name = "usage_by_clock_offset"

    def build(self) -> None:
        ax = self.ax
        ax.set_title(
            "Usage that happened and usage the site saw, by client clock", fontsize=TITLE_PT, loc="left", y=1.0
        )
        ax.set_ylabel("program runs", fontsize=LABEL_PT)
        ax.set_xlabel("client clock compared with the site server", fontsize=LABEL_PT)
        ax.tick_params(labelsize=SMALL_PT)
        ax.grid(axis="y", alpha=0.3)

    def draw(self, result: Result) -> None:
        ax = self.ax
        columns = ["sessions", "reported", "pending", "unreported", "lost_at_reinstall"]
        usage = result.usage.groupby("clock_offset_min")[columns].sum()
        x = np.arange(len(usage))
        self.replace(ax.bar(x - 0.2, usage["sessions"], width=0.4, color=PALETTE[0], label="runs that happened"))
        self.replace(ax.bar(x + 0.2, usage["reported"], width=0.4, color=PALETTE[2], label="runs reported to the site"))
        self.replace(
            ax.bar(
                x + 0.2,
                usage["unreported"],
                width=0.4,
                bottom=usage["reported"] + usage["pending"],
                color=PALETTE[3],
                alpha=0.35,
                hatch="//",
                label="never uploaded (Q213261)",
            )
        )
        if usage["lost_at_reinstall"].any():
            self.replace(
                ax.bar(
                    x + 0.2,
                    usage["lost_at_reinstall"],
                    width=0.4,
                    bottom=usage["reported"] + usage["pending"] + usage["unreported"],
                    color=PALETTE[1],
                    alpha=0.5,
                    hatch="xx",
                    label="deleted with the client at reinstall",
                )
            )
        ax.set_xticks(x, [f"{m:g} min behind" if m else "in step" for m in usage.index])
        s = result.summary
        _describe(
            ax,
            f"Of {s['sessions']} program runs, {s['sessions_reported']} reached the site and "
            f"{s['sessions_unreported']} were never uploaded by clients whose clocks lag beyond "
            f"{result.params.clock_threshold_min:g} min"
            + (
                f"; {s['sessions_lost_at_reinstall']} were deleted with the client software at a reinstall."
                if s["sessions_lost_at_reinstall"]
                else "."
            ),
        )


class ServicePlot(RunPlot):
    """Each server's SMS_LICENSE_SERVER state over time, with every status message 9406 marked."""

    name = "service_timeline"

    @classmethod
    def height(cls, result: Result) -> float:
        return 2.6 + 0.6 * result.params.n_servers  # a row per server

    def margins(self, fig: matplotlib.figure.Figure) -> None:
        _margins(fig)
        fig.subplots_adjust(left=0.09, right=0.97, bottom=1.45 / fig.get_figheight())  # the legend below

    def build(self) -> None:
        _time_axes(self.ax, "")
        self.ax.grid(False)

    def draw(self, result: Result) -> None:
        ax = self.ax
        start = pd.Timestamp(result.params.start)
        end = start + pd.Timedelta(days=result.params.days)
        changes = result.events[result.events["kind"] == "service_state"]
        for server in range(result.params.n_servers):
            spans, since, state = [], start, RUNNING
            mine = changes[changes["server"] == server]
            for time, new_state in zip(mine["time"], mine["state"].astype(str)):
                spans.append((since, time, state))
                since, state = time, new_state
            spans.append((since, end, state))
            for left, right, st in spans:
                if right > left:
                    self.replace(
                        ax.broken_barh(
                            [(mdates.date2num(left), mdates.date2num(right) - mdates.date2num(left))],
                            (server - 0.3, 0.6),
                            color=STATE_COLOURS.get(st, GREY),
                        )
                    )
        status = result.status[result.status["message_id"] == MESSAGE_9406]
        self.line(
            "9406",
            status["time"],
            status["server"] + 0.42,
            marker="v",
            color="#000000",
            markersize=4,
            linestyle="none",
            label=f"status message 9406 ({len(status)})",
        )
        self.kept["9406"].set_label(f"status message 9406 ({len(status)})")
        packs = result.events.loc[result.events["kind"] == "pack", "time"].drop_duplicates()
        for i, t in enumerate(packs):
            self.replace(
                ax.axvline(
                    t, color=PALETTE[4], linestyle="--", linewidth=1, label="weekly pack (PackTime)" if i == 0 else None
                )
            )
        for st, colour in STATE_COLOURS.items():
            self.line(
                ("state", st), [], [], marker="s", linestyle="none", color=colour, markersize=10, label=f"service {st}"
            )
        n = result.params.n_servers
        ax.set_yticks(range(n), [f"server {s}" for s in range(n)])
        first = f", the first at {status['time'].iloc[0]:%a %H:%M}" if len(status) else ""
        _time_span(
            ax,
            result.params.start,
            result.params.days,
            f"Licence server service and status message 9406 ({result.params.service_pack})",
        )
        _describe(
            ax,
            f"SMS_LICENSE_SERVER state on {n} servers at {result.params.service_pack}: "
            f"{len(status)} status messages 9406{first}.",
        )

    def limits(self, result: Result) -> None:
        self.ax.set_ylim(-0.6, result.params.n_servers - 0.2 + 0.3)

    legend_apart = False  # below the axes, beside the time axis' labels: drawn every time

    def legend(self, handles: list[Artist | Container]) -> None:
        self.ax.legend(handles=handles, loc="upper left", fontsize=SMALL_PT, ncols=3, bbox_to_anchor=(0, -0.22))


def denials_over_time(result: Result, ax: Axes | None = None, bin_h: float = 1.0) -> Axes:
    """Licence requests granted and denied per ``bin_h`` hours."""
    return RequestsPlot.once(result, ax, bin_h=bin_h)


def license_distribution(result: Result, ax: Axes | None = None, product: int = 0) -> Axes:
    """Licences of one product held by each server (free and in use) and by the reserve pool, over time."""
    return LicenceDistributionPlot.once(result, ax, product=product)


def client_attempts(result: Result, ax: Axes | None = None, bin_h: float = 1.0) -> Axes:
    """Failed contacts, retries, failovers, restarts, rebinds and reconnections per ``bin_h`` hours (log scale)."""
    return ClientAttemptsPlot.once(result, ax, bin_h=bin_h)


def metering_work(result: Result, ax: Axes | None = None, bin_h: float = 1.0) -> Axes:
    """License Metering's minutes on on-demand moves per ``bin_h`` hours, and how late each scheduled cycle ran."""
    return MeteringWorkPlot.once(result, ax, bin_h=bin_h)


def usage_by_clock_offset(result: Result, ax: Axes | None = None) -> Axes:
    """Program runs that happened and runs the site saw, grouped by how far the client's clock lags."""
    return UsagePlot.once(result, ax)


def service_timeline(result: Result, ax: Axes | None = None) -> Axes:
    """Each server's SMS_LICENSE_SERVER state over time, with every status message 9406 marked."""
    return ServicePlot.once(result, ax)


#: Every figure of a run by name, as presets and the explorer refer to them.
PLOTS: dict[str, type[RunPlot]] = {
    plot.name: plot
    for plot in (RequestsPlot, LicenceDistributionPlot, ClientAttemptsPlot, UsagePlot, ServicePlot, MeteringWorkPlot)
}


def check_plot(name: str) -> None:
    """A ParameterError unless ``name`` is a figure of :data:`PLOTS`."""
    if name not in PLOTS:
        raise unknown_name("plot", name, PLOTS)


def kept(name: str) -> RunPlot:
    """Figure ``name`` on a figure of its own, outside pyplot (nothing to close, nothing shown by accident), on
    an Agg canvas: kept by an explorer and updated in place at every move (see :func:`png`)."""
    check_plot(name)
    fig = matplotlib.figure.Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(fig)
    plot = PLOTS[name](fig.add_subplot(), owns_figure=True)
    plot.margins(fig)
    return plot


def _root(ax: Axes) -> matplotlib.figure.Figure:
    """The figure holding ``ax`` (the outermost, when ``ax`` is in a subfigure)."""
    fig = ax.get_figure(root=True)
    assert isinstance(fig, matplotlib.figure.Figure), "an Axes drawn by kbsim is in a figure"
    return fig


def png(ax: Axes, dpi: int = DPI) -> bytes:
    """The figure holding ``ax`` as PNG bytes (no timestamp in its metadata, so the same run gives the same bytes)."""
    fig = _root(ax)
    if dpi != fig.dpi or not isinstance(fig.canvas, FigureCanvasAgg):
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None}, pil_kwargs={"compress_level": 1})
        return buffer.getvalue()
    # One Agg draw and a fast RGB encode: what savefig does, without its second pass over the figure.
    fig.canvas.draw()
    return _encode(fig.canvas)


def _encode(canvas: FigureCanvasAgg) -> bytes:
    """What an Agg canvas holds as PNG bytes, quickly (the least compression)."""
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(canvas.buffer_rgba())[..., :3]).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


class Figure:
    """A drawn figure for notebooks: shows as the image, and as its one-sentence description in text.

    Jupyter shows the PNG; text-only views, screen readers and nbval read the
    sentence (``text/plain``), which is exact for a seeded run, unlike pixels.
    """

    def __init__(self, ax: Axes) -> None:
        self.alt = alt_text(ax)
        self.png = png(ax)
        plt.close(_root(ax))

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> tuple[dict, dict]:
        return {"image/png": self.png, "text/plain": self.alt}, {"image/png": {"alt": self.alt}}

    def __repr__(self) -> str:
        return self.alt


def show(result: Result, name: str, **options: Any) -> Figure:
    """Draw figure ``name`` (a key of :data:`PLOTS`) of ``result`` for a notebook: one call per figure."""
    check_plot(name)
    return Figure(PLOTS[name].once(result, **options))


def _spaced_labels(ax: Axes, positions: list[float], values: list) -> list[str]:
    """The tick labels of swept values, leaving out any that would touch the one before it on the axis
    (90 and 120 on a log axis printed as "90120"); the ticks themselves all stay."""
    ax.autoscale_view()
    fig = _root(ax)
    width_pt = ax.get_position().width * fig.get_figwidth() * 72
    shown, last_end = [], -np.inf
    for position, value in zip(positions, values):
        text = _shown(value)
        x = ax.transAxes.inverted().transform(ax.transData.transform((position, 0)))[0] * width_pt
        half = 0.32 * SMALL_PT * len(text)  # half the label's width in points (about 0.64 em a character)
        if x - half >= last_end + 0.3 * SMALL_PT:
            shown.append(text)
            last_end = x + half
        else:
            shown.append("")
    return shown


def sweep_band(summary: pd.DataFrame, metric: str, ax: Axes | None = None) -> Axes:
    """A metric's mean over seeds against a swept parameter, with its 95% interval as a band.

    ``summary`` comes from :func:`kbsim.summarize_sweep` (or :func:`kbsim.seed_convergence`):
    the x axis is its first ``by`` column and each value of any further ``by``
    columns gets its own line. A numeric x whose positive values span a factor of
    20 or more is drawn on a log scale (symmetric log if 0 is swept too), ticked at
    the swept values. Takes no Result, so it is not in :data:`PLOTS`.
    """
    rows = summary[summary["metric"] == metric]
    if rows.empty:
        raise unknown_name("metric", metric, summary["metric"].unique(), where="sweep_band: ")
    by = list(summary.columns[: list(summary.columns).index("metric")])
    x_name, line_names = by[0], by[1:]
    ax = _axes(ax)
    values = list(dict.fromkeys(rows[x_name]))
    numeric = all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in values)
    positions = {v: (float(v) if numeric else i) for i, v in enumerate(values)}
    lines = list(rows.groupby(line_names, sort=False)) if line_names else [((), rows)]
    for i, (key, line) in enumerate(lines):
        key = key if isinstance(key, tuple) else (key,)
        line = line.assign(_x=line[x_name].map(positions)).sort_values("_x")
        colour = PALETTE[i % len(PALETTE)]
        label = ", ".join(f"{n}={_shown(v)}" for n, v in zip(line_names, key)) or "mean over seeds"
        if numeric:
            ax.plot(line["_x"], line["mean"], "o-", color=colour, linewidth=2, label=label)
            ax.fill_between(line["_x"], line["ci_low"], line["ci_high"], color=colour, alpha=0.2)
        else:
            ax.errorbar(
                line["_x"],
                line["mean"],
                yerr=[line["mean"] - line["ci_low"], line["ci_high"] - line["mean"]],
                fmt="o",
                color=colour,
                capsize=5,
                linewidth=2,
                label=label,
            )
    if numeric:
        ax.fill_between([], [], [], color=GREY, alpha=0.3, label="shaded: 95% interval")
        positive = [v for v in values if v > 0]
        if len(positive) > 1 and max(positive) / min(positive) >= 20:
            if min(values) > 0:
                ax.set_xscale("log")
            else:  # 0 is among the values: linear up to the smallest positive one, logarithmic beyond
                ax.set_xscale("symlog", linthresh=min(positive))
    else:
        ax.set_xlim(-0.5, len(values) - 0.5)
    ax.set_xticks([positions[v] for v in values], _spaced_labels(ax, [positions[v] for v in values], values))
    ax.minorticks_off()
    if metric.endswith("_rate"):
        ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0))
    _legend(ax)
    declared = PARAMETERS.get(x_name)
    unit = f" ({declared.unit})" if declared is not None and declared.unit else ""
    x_label = "seeds in the average (the sweep's first n)" if x_name == "seeds" else f"{x_name}{unit}"
    y_label = LABELS.get(metric, metric)  # a summary number in words; any other column by its name
    ax.set_title(f"{y_label} against {x_name}: mean over seeds and 95% interval", fontsize=TITLE_PT, loc="left")
    ax.set_ylabel(y_label, fontsize=LABEL_PT)
    ax.set_xlabel(x_label, fontsize=LABEL_PT)
    ax.tick_params(labelsize=SMALL_PT)
    ax.grid(axis="y", alpha=0.3)
    means = rows["mean"].to_numpy(dtype=float)
    low, high = rows.iloc[int(np.nanargmin(means))], rows.iloc[int(np.nanargmax(means))]
    per_line = f" for {len(lines)} values of {', '.join(line_names)}" if len(lines) > 1 else ""
    named = f"{metric} ({y_label}: {SUMMARY[metric]})" if metric in SUMMARY else metric
    _describe(
        ax,
        f"Mean {named} over up to {int(rows['count'].max())} seeds against {x_name}{per_line}, "
        f"with 95% intervals: lowest {_number(metric, low['mean'])} at {_where(low, by)}, "
        f"highest {_number(metric, high['mean'])} at {_where(high, by)}.",
    )
    stamp = summary.attrs.get("stamp", "")
    if stamp:
        _stamp(ax, stamp)
    return ax


def _shown(value: object) -> str:
    """A swept value as a tick or legend label: 0.25, 24, True, [[0, 30, 45]]."""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple):
        return str([list(v) if isinstance(v, tuple) else v for v in value])
    return str(value)


def _where(row: pd.Series, by: list[str]) -> str:
    return ", ".join(f"{name}={_shown(row[name])}" for name in by)


def _number(metric: str, value: float) -> str:
    return f"{value:.1%}" if metric.endswith("_rate") else f"{value:.4g}"


def evidence_requests(evidence: Evidence, ax: Axes | None = None, bin_h: float = 1.0) -> Axes:
    """A mystery site's licence requests granted and denied per ``bin_h`` hours, as the console counted them."""
    ax = _axes(ax, height=3.2)
    asked = evidence.requests.assign(kind=evidence.requests["outcome"].map({"granted": "grant", "denied": "deny"}))
    start, days = evidence.settings["start"], evidence.settings["days"]
    _request_stairs(ax, asked, start, days, bin_h)
    _legend(ax)
    s = evidence.summary
    alt = f"Licence requests per {bin_h:g} h: {s['grants']} granted and {s['denials']} denied."
    return _frame(
        ax, start, days, evidence.title, "Licence requests granted and denied", f"requests per {bin_h:g} h", alt
    )


def evidence_licences(evidence: Evidence, ax: Axes | None = None) -> Axes:
    """A mystery site's free licences on each server over time (15-minute samples); grey where a server was down."""
    ax = _axes(ax, height=3.2)
    table = evidence.licences
    for server in sorted(table["server"].unique()):
        rows = table[table["server"] == server]
        colour = GREY if server == SITE_RESERVE else PALETTE[int(server) % len(PALETTE)]
        label = "reserve pool" if server == SITE_RESERVE else f"SWM{server}"
        ax.step(
            rows["time"],
            rows["free"],
            where="post",
            color=colour,
            label=label,
            linestyle="--" if server == SITE_RESERVE else "-",
        )
        down = rows.loc[~rows["up"].astype(bool), "time"]
        if len(down):
            ax.plot(down, np.zeros(len(down)), "s", color=colour, markersize=3, label=f"SWM{server} down")
    _legend(ax)
    start, days = evidence.settings["start"], evidence.settings["days"]
    alt = (
        f"Free licences on each of {evidence.settings['n_servers']} servers and in the reserve pool, every 15 minutes."
    )
    return _frame(ax, start, days, evidence.title, "Free licences per server", "free licences", alt)


#: The figures of a mystery site's evidence, by name.
EVIDENCE_PLOTS = {"requests": evidence_requests, "licences": evidence_licences}


def show_evidence(evidence: Evidence, name: str) -> Figure:
    """Draw evidence figure ``name`` (``requests`` or ``licences``) for a notebook: one call per figure."""
    if name not in EVIDENCE_PLOTS:
        raise unknown_name("evidence figure", name, EVIDENCE_PLOTS)
    return Figure(EVIDENCE_PLOTS[name](evidence))
