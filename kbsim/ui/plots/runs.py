"""The figures of a run: each takes a Result and an optional matplotlib Axes, and never runs a simulation.

Each is a :class:`~kbsim.ui.plots.engine.RunPlot`, named in :data:`PLOTS` as presets and the explorer refer
to it. Every figure is titled, its axes carry units, outages are shaded and balancing cycles ticked on
the time axis, and it carries the run's stamp and a one-sentence description.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import matplotlib.figure
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.patches import StepPatch

from ...model.errors import unknown_name
from ...model.result import Result
from ...model.sampling import SITE_RESERVE
from .configuration import ConfigurationPlot
from .engine import (
    DPI,
    GREY,
    HEIGHT_IN,
    LABEL_PT,
    PALETTE,
    SMALL_PT,
    TITLE_PT,
    WIDTH_IN,
    Figure,
    RunPlot,
    _bins,
    _day_number,
    _describe,
    _per_bin,
    _time_axes,
    _time_span,
)
from .service import ServicePlot

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
            f"at worst {result.summary['max_imbalance']:g} licences sat idle on a server while another refused them, "
            f"and balancing moved {result.summary['licenses_moved']} licences.",
        )


class InUseVsRunningPlot(_SiteTimePlot):
    """Q226838: each server's licences in use as its console counts them (solid) against the programs really
    running on its licences (dashed), all products; the gap is the phantom licences."""

    name = "in_use_vs_running"
    ylabel = "licences (all products)"

    def draw(self, result: Result) -> None:
        table = result.licenses[result.licenses["server"] != SITE_RESERVE]
        per_server = table.groupby(["time", "server"])[["in_use", "running"]].sum().unstack("server")
        for column in per_server["in_use"].columns:
            server, colour = int(column), PALETTE[int(column) % len(PALETTE)]
            self.line(
                ("in use", server),
                per_server.index,
                per_server["in_use"][column],
                drawstyle="steps-post",
                color=colour,
                linewidth=2,
                label=f"server {server}: in use (console)",
            )
            self.line(
                ("running", server),
                per_server.index,
                per_server["running"][column],
                drawstyle="steps-post",
                color=colour,
                linewidth=1.2,
                linestyle="--",
                label=f"server {server}: programs running",
            )
        self.mark_site_events(result)
        _time_span(self.ax, result.params.start, result.params.days, "Licences in use against programs running")
        s = result.summary
        _describe(
            self.ax,
            f"Each server's licences in use (solid) and the programs really running on them (dashed); "
            f"{s['phantom_licences']} phantom licences were left by clients that moved (Q226838), "
            f"at most {s['phantom_peak']} at once, {s['phantom_licence_h']:g} licence-hours in all.",
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


class HeldRunsPlot(_SiteTimePlot):
    """Runs waiting in the clients' offline logs over time: the clients whose clocks ran ahead and the others
    (Q311764, Q226832), with the moment their clocks were set right."""

    name = "uploads_over_time"
    title = "Runs waiting in the clients' offline logs"
    ylabel = "runs held in the logs"

    def draw(self, result: Result) -> None:
        events, usage, params = result.events, result.usage, result.params
        edges = _bins(params.start, params.days, 1.0)
        ahead = usage.loc[usage["clock_ahead_min"] > 0, "client"].to_numpy()
        clients = events["client"].to_numpy(dtype="int64", na_value=-1)
        for key, mask, label, colour in (
            ("ahead", np.isin(clients, ahead), "clients whose clocks ran ahead", 3),
            ("others", ~np.isin(clients, ahead), "the other clients", 0),
        ):
            mine = events[mask]
            held = held_runs(mine, edges)
            self.stairs(key, held, edges, color=PALETTE[colour], label=label, linewidth=1.8, fill=False)
        if params.clock_sync_h < params.days * 24 and len(ahead):
            sync = _day_number(pd.Timestamp(params.start) + pd.Timedelta(hours=params.clock_sync_h))
            self.replace(self.ax.axvline(sync, color=GREY, linestyle="--", label="clocks set right"))
        self.mark_site_events(result)
        _time_span(self.ax, params.start, params.days, self.title)
        s = result.summary
        _describe(
            self.ax,
            f"Runs waiting in the offline logs, hour by hour: {s['sessions_stalled']} runs of clients whose "
            f"NextOfflineSyncTime still lay ahead were held at the end, after an upload stall of up to "
            f"{s['upload_stall_h']:g} h; {s['sessions_pending']} other runs waited for the next poll.",
        )

    def limits(self, result: Result) -> None:
        self.ax.set_ylim(bottom=0)


def held_runs(events: pd.DataFrame, edges: pd.DatetimeIndex) -> np.ndarray:
    """Runs held in the offline logs at the end of each bin: logged so far, less uploaded and deleted at reinstall."""
    at = edges[1:].to_numpy(dtype="datetime64[ns]")

    def so_far(kind: str, weight: str | None) -> np.ndarray:
        rows = events[events["kind"] == kind]
        times = rows["time"].to_numpy(dtype="datetime64[ns]")
        counts = np.ones(len(rows)) if weight is None else rows[weight].to_numpy(dtype=float, na_value=0.0)
        order = np.argsort(times, kind="stable")
        total = np.concatenate([[0.0], np.cumsum(counts[order])])
        return total[np.searchsorted(times[order], at, side="left")]

    return so_far("logged_locally", None) - so_far("upload", "runs") - so_far("reinstall", "runs")


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


def in_use_vs_running(result: Result, ax: Axes | None = None) -> Axes:
    """Each server's licences in use against the programs really running on them (Q226838)."""
    return InUseVsRunningPlot.once(result, ax)


def usage_by_clock_offset(result: Result, ax: Axes | None = None) -> Axes:
    """Program runs that happened and runs the site saw, grouped by how far the client's clock lags."""
    return UsagePlot.once(result, ax)


def uploads_over_time(result: Result, ax: Axes | None = None) -> Axes:
    """Runs waiting in the offline logs over time, for the clients whose clocks ran ahead and the others (Q311764)."""
    return HeldRunsPlot.once(result, ax)


#: Every figure of a run by name, as presets and the explorer refer to them.
PLOTS: dict[str, type[RunPlot]] = {
    plot.name: plot
    for plot in (
        RequestsPlot,
        LicenceDistributionPlot,
        ClientAttemptsPlot,
        UsagePlot,
        HeldRunsPlot,
        ServicePlot,
        MeteringWorkPlot,
        InUseVsRunningPlot,
        ConfigurationPlot,
    )
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


def show(result: Result, name: str, **options: Any) -> Figure:
    """Draw figure ``name`` (a key of :data:`PLOTS`) of ``result`` for a notebook: one call per figure."""
    check_plot(name)
    return Figure(PLOTS[name].once(result, **options))
