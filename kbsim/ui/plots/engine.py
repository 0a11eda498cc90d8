"""The figure engine: what every kbsim figure shares, and no figure in particular.

The house style (the Okabe-Ito colour-blind-safe palette, sizes in inches and points), each drawn Axes'
one-sentence description (:func:`alt_text`) and each figure's provenance stamp, the time axis over a
run, the legend beside the plot, fast PNG encoding, :class:`Figure` (a drawn figure for notebooks), and
:class:`RunPlot`: a figure of a run built once (what no run changes: titles, axis labels and scales,
tick style, grid), then updated in place for each Result (its data, limits, legend, stamp and
description), which costs an explorer less than drawing it anew. The figures themselves are in
:mod:`kbsim.ui.plots.runs`, :mod:`kbsim.ui.plots.sweep` and :mod:`kbsim.ui.plots.evidence`.
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

from ...model.result import Result
from ...model.service import HUNG, RUNNING, STOP_PENDING, STOPPED

#: Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
GREY = "#999999"
STATE_COLOURS = {RUNNING: "#009E73", STOP_PENDING: "#D55E00", STOPPED: GREY, HUNG: "#CC79A7"}

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
