"""Figures of a run. Each takes a Result and an optional matplotlib Axes, and never runs a simulation.

:func:`sweep_band` is the one exception: it draws a sweep's summary over many runs; and
:func:`evidence_requests` and :func:`evidence_licences` draw a mystery site's evidence
(:class:`kbsim.evidence.Evidence`), which keeps no Result.

Every figure is titled, its axes carry units, outages are shaded and
balancing cycles ticked on the time axis, colours are the Okabe-Ito
colour-blind-safe palette, and the figure carries a small stamp of the run's
preset, seed, changed parameters and kbsim version. Each function also leaves
a one-sentence description of what the figure shows in ``ax.kbsim_alt``
(read it with :func:`alt_text`), for alt text and screen readers.
"""

from __future__ import annotations

import io
from datetime import datetime

import matplotlib.dates as mdates
import matplotlib.figure
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from .errors import unknown_name
from .evidence import Evidence
from .parameters import PARAMETERS
from .result import Result
from .sampling import SITE_RESERVE
from .service import MESSAGE_9406, RUNNING, STOP_PENDING, STOPPED

#: Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
GREY = "#999999"
STATE_COLOURS = {RUNNING: "#009E73", STOP_PENDING: "#D55E00", STOPPED: GREY}

#: A figure's size in inches and its PNG's resolution: 720 px wide. Shown at least 600 px wide (the
#: explorer's and the notebooks' plots at 1024x768 with JupyterLab's file browser open), the smallest
#: text, SMALL_PT, is then at least 11 * 80 / 72 * 600 / 720 = 10.2 px on screen.
WIDTH_IN, HEIGHT_IN, DPI = 9.0, 4.0, 80
SMALL_PT, LABEL_PT, TITLE_PT = 11, 12, 14


def alt_text(ax: Axes) -> str:
    """The one-sentence description a kbsim plot left on ``ax``."""
    return getattr(ax, "kbsim_alt", "")


def _axes(ax: Axes | None, height: float = HEIGHT_IN) -> Axes:
    if ax is None:  # a pyplot figure, so a notebook that calls a plot function directly shows it
        fig, ax = plt.subplots(figsize=(WIDTH_IN, height), dpi=DPI)
        _margins(fig)
    return ax


def canvas(height: float = HEIGHT_IN) -> matplotlib.figure.Figure:
    """A figure outside pyplot (nothing to close, nothing shown by accident) on an Agg canvas, kept by
    an explorer and drawn again at every move (see :func:`redraw` and :func:`png`)."""
    fig = matplotlib.figure.Figure(figsize=(WIDTH_IN, height), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _margins(fig: matplotlib.figure.Figure) -> None:
    """Fixed margins in inches, not a layout engine: one draw per PNG instead of two, for instant widgets.
    The right margin holds the legend."""
    width, height = fig.get_size_inches()
    fig.subplots_adjust(left=0.85 / width, right=1 - 2.45 / width, top=1 - 0.45 / height, bottom=1.05 / height)


def redraw(fig: matplotlib.figure.Figure, name: str, result: Result) -> Axes:
    """Draw figure ``name`` of ``result`` afresh on ``fig``, a figure kept between calls (the explorer's):
    cheaper than a new figure, and the image keeps its size."""
    fig.clear()
    fig.kbsim_stamped = False
    fig.set_size_inches(WIDTH_IN, _height(name, result))
    ax = fig.add_subplot()
    _margins(fig)
    return PLOTS[name](result, ax=ax)


def _finish(ax: Axes, result: Result, title: str, ylabel: str, alt: str) -> Axes:
    return _frame(ax, result.params.start, result.params.days, result.stamp(), title, ylabel, alt)


def _frame(ax: Axes, start: datetime, days: int, stamp: str, title: str, ylabel: str, alt: str) -> Axes:
    """Title, labels, a time axis over the run, the alt text and the provenance stamp."""
    ax.set_title(title, fontsize=TITLE_PT, loc="left")
    ax.set_ylabel(ylabel, fontsize=LABEL_PT)
    ax.set_xlabel(f"site-server time (run starts {start:%a %Y-%m-%d %H:%M})", fontsize=LABEL_PT)
    ax.tick_params(labelsize=SMALL_PT)
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    left = pd.Timestamp(start)
    ax.set_xlim(left, left + pd.Timedelta(days=days))
    ax.grid(axis="y", alpha=0.3)
    ax.kbsim_alt = alt
    fig = ax.figure
    if not getattr(fig, "kbsim_stamped", False):
        fig.text(0.995, 0.002, stamp, ha="right", va="bottom", fontsize=SMALL_PT, color="#555555")
        fig.kbsim_stamped = True
    return ax


def _legend(ax: Axes) -> None:
    """The legend beside the plot, where it hides no data."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=SMALL_PT, frameon=False)


def _mark_site_events(ax: Axes, result: Result) -> None:
    """Shade outages and tick balancing cycles along the time axis."""
    start = pd.Timestamp(result.params.start)
    for i, (server, start_h, minutes) in enumerate(result.params.outages):
        left = start + pd.Timedelta(hours=start_h)
        ax.axvspan(
            left,
            left + pd.Timedelta(minutes=minutes),
            color=PALETTE[server % len(PALETTE)],
            alpha=0.15,
            label=f"server {server} offline" if i < 4 else None,
        )
    cycles = result.events.loc[result.events["kind"] == "balancing", "time"]
    if len(cycles) and len(cycles) <= 400:
        ax.plot(
            cycles,
            np.zeros(len(cycles)),
            "|",
            color="#000000",
            markersize=12,
            clip_on=False,
            transform=ax.get_xaxis_transform(),
            label="balancing cycle",
        )


def _request_stairs(ax: Axes, asked: pd.DataFrame, start: datetime, days: int, bin_h: float) -> None:
    """Granted and denied requests (``kind`` grant or deny, ``time``) per ``bin_h`` hours, as stairs."""
    edges = pd.date_range(pd.Timestamp(start), periods=int(days * 24 / bin_h) + 1, freq=pd.Timedelta(hours=bin_h))
    for kind, colour, label in (("grant", PALETTE[0], "granted"), ("deny", PALETTE[3], "denied")):
        counts, _ = np.histogram(
            asked.loc[asked["kind"] == kind, "time"].to_numpy(dtype="datetime64[ns]"),
            bins=edges.to_numpy(dtype="datetime64[ns]"),
        )
        ax.stairs(
            counts,
            edges,
            color=colour,
            label=label,
            linewidth=2 if kind == "deny" else 1.2,
            fill=kind == "deny",
            alpha=0.8 if kind == "deny" else 1.0,
        )


def denials_over_time(result: Result, ax: Axes | None = None, bin_h: float = 1.0) -> Axes:
    """Licence requests granted and denied per ``bin_h`` hours."""
    ax = _axes(ax)
    events = result.events
    asked = events[events["kind"].isin(["grant", "deny"])]
    _request_stairs(ax, asked, result.params.start, result.params.days, bin_h)
    _mark_site_events(ax, result)
    _legend(ax)
    s = result.summary
    worst = ""
    denied = asked[asked["kind"] == "deny"]
    if len(denied):
        peak = denied["time"].dt.floor(f"{int(bin_h * 60)}min").value_counts().idxmax()
        worst = f"; they peak around {peak:%a %H:%M}"
    alt = (
        f"Licence requests per {bin_h:g} h: {s['grants']} granted and {s['denials']} denied "
        f"({s['denial_rate']:.1%}){worst}."
    )
    return _finish(ax, result, "Licence requests granted and denied", f"requests per {bin_h:g} h", alt)


def license_distribution(result: Result, ax: Axes | None = None, product: int = 0) -> Axes:
    """Licences of one product held by each server (free and in use) and by the reserve pool, over time."""
    ax = _axes(ax)
    table = result.licenses[result.licenses["product"] == product]
    held = table.assign(held=table["free"] + table["in_use"]).pivot(index="time", columns="server", values="held")
    for server in held.columns:
        if server == SITE_RESERVE:
            ax.step(held.index, held[server], where="post", color=GREY, linestyle="--", label="reserve pool")
            continue
        ax.step(
            held.index,
            held[server],
            where="post",
            color=PALETTE[server % len(PALETTE)],
            linewidth=2,
            label=f"server {server}",
        )
    _mark_site_events(ax, result)
    _legend(ax)
    alt = (
        f"Licences of product {product} held by each of {result.params.n_servers} servers over time; "
        f"at worst {result.summary['max_imbalance']:g} licences sat on servers beyond their share of clients, "
        f"and balancing moved {result.summary['licenses_moved']} licences."
    )
    return _finish(ax, result, f"Licence distribution per server (product {product})", "licences", alt)


def client_attempts(result: Result, ax: Axes | None = None, bin_h: float = 1.0) -> Axes:
    """Failed contacts, retries, failovers, restarts, rebinds and reconnections per ``bin_h`` hours.

    The counts run from one to thousands an hour (a stranded client retries about once a minute),
    so the y axis is logarithmic above one: a single rebind shows beside a thousand retries.
    """
    ax = _axes(ax)
    events = result.events
    # rebinds and restarts are drawn last, on top of the reconnections that share their minutes
    kinds = [
        ("contact_failed", "failed contact", 3),
        ("retry", "retry, no answer", 1),
        ("reconnect", "reconnected", 2),
        ("failover", "failover", 0),
        ("restart", "user restart", 7),
        ("rebind", "rebind at CCIM/restart", 4),
    ]
    edges = pd.date_range(
        pd.Timestamp(result.params.start),
        periods=int(result.params.days * 24 / bin_h) + 1,
        freq=pd.Timedelta(hours=bin_h),
    )
    for kind, label, colour in kinds:
        times = events.loc[events["kind"] == kind, "time"].to_numpy(dtype="datetime64[ns]")
        if len(times):
            counts, _ = np.histogram(times, bins=edges.to_numpy(dtype="datetime64[ns]"))
            ax.stairs(
                counts,
                edges,
                color=PALETTE[colour],
                label=label,
                linestyle=":" if kind == "restart" else "-",
                linewidth=2.4 if kind in ("rebind", "restart") else 1.6,
            )
    ax.set_yscale("symlog", linthresh=1, linscale=0.5)
    ax.set_ylim(bottom=0)
    _mark_site_events(ax, result)
    _legend(ax)
    s = result.summary
    counts = events["kind"].value_counts()
    alt = (
        f"Client connection trouble per {bin_h:g} h: {s['connection_attempts']} attempts in all, "
        f"{s['attempts_no_server']} while no server was up, and {s['failovers']} moves to another server."
    )
    rebinds, restarts = int(counts.get("rebind", 0)), int(counts.get("restart", 0))
    if rebinds or restarts:  # Q212894: say what the Windows 95/98 clients did, when they did anything
        alt += (
            f" {int(counts.get('retry', 0))} retries went unanswered; Windows 95/98 users restarted "
            f"{restarts} times and {rebinds} clients were rebound at a CCIM cycle or restart."
        )
    return _finish(
        ax, result, "What the clients did when a server did not answer", f"events per {bin_h:g} h (log)", alt
    )


def usage_by_clock_offset(result: Result, ax: Axes | None = None) -> Axes:
    """Program runs that happened and runs the site saw, grouped by how far the client's clock lags."""
    ax = _axes(ax)
    columns = ["sessions", "reported", "pending", "unreported", "lost_at_reinstall"]
    usage = result.usage.groupby("clock_offset_min")[columns].sum()
    x = np.arange(len(usage))
    ax.bar(x - 0.2, usage["sessions"], width=0.4, color=PALETTE[0], label="runs that happened")
    ax.bar(x + 0.2, usage["reported"], width=0.4, color=PALETTE[2], label="runs reported to the site")
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
    if usage["lost_at_reinstall"].any():
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
    ax.set_xticks(x, [f"{m:g} min behind" if m else "in step" for m in usage.index])
    ax.set_title("Usage that happened and usage the site saw, by client clock", fontsize=TITLE_PT, loc="left")
    ax.set_ylabel("program runs", fontsize=LABEL_PT)
    ax.set_xlabel("client clock compared with the site server", fontsize=LABEL_PT)
    _legend(ax)
    ax.grid(axis="y", alpha=0.3)
    s = result.summary
    ax.kbsim_alt = (
        f"Of {s['sessions']} program runs, {s['sessions_reported']} reached the site and "
        f"{s['sessions_unreported']} were never uploaded by clients whose clocks lag beyond "
        f"{result.params.clock_threshold_min:g} min"
        + (
            f"; {s['sessions_lost_at_reinstall']} were deleted with the client software at a reinstall."
            if s["sessions_lost_at_reinstall"]
            else "."
        )
    )
    fig = ax.figure
    if not getattr(fig, "kbsim_stamped", False):
        fig.text(0.995, 0.002, result.stamp(), ha="right", va="bottom", fontsize=SMALL_PT, color="#555555")
        fig.kbsim_stamped = True
    return ax


def service_timeline(result: Result, ax: Axes | None = None) -> Axes:
    """Each server's SMS_LICENSE_SERVER state over time, with every status message 9406 marked."""
    ax = _axes(ax, height=_height("service_timeline", result))
    if len(ax.figure.axes) == 1 and ax.figure.get_layout_engine() is None:
        ax.figure.subplots_adjust(left=0.09, right=0.97, bottom=1.45 / ax.figure.get_figheight())
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
                ax.broken_barh(
                    [(mdates.date2num(left), mdates.date2num(right) - mdates.date2num(left))],
                    (server - 0.3, 0.6),
                    color=STATE_COLOURS.get(st, GREY),
                )
    status = result.status[result.status["message_id"] == MESSAGE_9406]
    ax.plot(
        status["time"],
        status["server"] + 0.42,
        "v",
        color="#000000",
        markersize=4,
        linestyle="none",
        label=f"status message 9406 ({len(status)})",
    )
    packs = result.events.loc[result.events["kind"] == "pack", "time"].drop_duplicates()
    for i, t in enumerate(packs):
        ax.axvline(t, color=PALETTE[4], linestyle="--", linewidth=1, label="weekly pack (PackTime)" if i == 0 else None)
    for st, colour in STATE_COLOURS.items():
        ax.plot([], [], "s", color=colour, markersize=10, label=f"service {st}")
    ax.set_yticks(range(result.params.n_servers), [f"server {s}" for s in range(result.params.n_servers)])
    ax.set_ylim(-0.6, result.params.n_servers - 0.2 + 0.3)
    ax.legend(loc="upper left", fontsize=SMALL_PT, ncols=3, bbox_to_anchor=(0, -0.22))
    first = f", the first at {status['time'].iloc[0]:%a %H:%M}" if len(status) else ""
    alt = (
        f"SMS_LICENSE_SERVER state on {result.params.n_servers} servers at {result.params.service_pack}: "
        f"{len(status)} status messages 9406{first}."
    )
    ax = _finish(ax, result, f"Licence server service and status message 9406 ({result.params.service_pack})", "", alt)
    ax.grid(False)
    return ax


def _height(name: str, result: Result) -> float:
    """A figure's height in inches: a row per server for the service timeline."""
    return 2.6 + 0.6 * result.params.n_servers if name == "service_timeline" else HEIGHT_IN


#: Every figure by name, as presets and the explorer refer to them.
PLOTS = {
    f.__name__: f
    for f in (denials_over_time, license_distribution, client_attempts, usage_by_clock_offset, service_timeline)
}


def check_plot(name: str) -> None:
    """A ParameterError unless ``name`` is a figure of :data:`PLOTS`."""
    if name not in PLOTS:
        raise unknown_name("plot", name, PLOTS)


def png(ax: Axes, dpi: int = DPI) -> bytes:
    """The figure holding ``ax`` as PNG bytes (no timestamp in its metadata, so the same run gives the same bytes)."""
    fig = ax.figure
    if dpi != fig.dpi or not isinstance(fig.canvas, FigureCanvasAgg):
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None}, pil_kwargs={"compress_level": 1})
        return buffer.getvalue()
    # One Agg draw and a fast RGB encode: what savefig does, without its second pass over the figure.
    fig.canvas.draw()
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(fig.canvas.buffer_rgba())[..., :3]).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


class Figure:
    """A drawn figure for notebooks: shows as the image, and as its one-sentence description in text.

    Jupyter shows the PNG; text-only views, screen readers and nbval read the
    sentence (``text/plain``), which is exact for a seeded run, unlike pixels.
    """

    def __init__(self, ax: Axes) -> None:
        self.alt = alt_text(ax)
        self.png = png(ax)
        plt.close(ax.figure)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"image/png": self.png, "text/plain": self.alt}, {"image/png": {"alt": self.alt}}

    def __repr__(self) -> str:
        return self.alt


def show(result: Result, name: str, **options) -> Figure:
    """Draw figure ``name`` (a key of :data:`PLOTS`) of ``result`` for a notebook: one call per figure."""
    check_plot(name)
    return Figure(PLOTS[name](result, **options))


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
    ax.set_xticks([positions[v] for v in values], [_shown(v) for v in values])
    ax.minorticks_off()
    if metric.endswith("_rate"):
        ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0))
    _legend(ax)
    declared = PARAMETERS.get(x_name)
    unit = f" ({declared.unit})" if declared is not None and declared.unit else ""
    x_label = "seeds in the average (the sweep's first n)" if x_name == "seeds" else f"{x_name}{unit}"
    ax.set_title(f"{metric} against {x_name}: mean over seeds and 95% interval", fontsize=TITLE_PT, loc="left")
    ax.set_ylabel(metric, fontsize=LABEL_PT)
    ax.set_xlabel(x_label, fontsize=LABEL_PT)
    ax.tick_params(labelsize=SMALL_PT)
    ax.grid(axis="y", alpha=0.3)
    low, high = rows.loc[rows["mean"].idxmin()], rows.loc[rows["mean"].idxmax()]
    per_line = f" for {len(lines)} values of {', '.join(line_names)}" if len(lines) > 1 else ""
    ax.kbsim_alt = (
        f"Mean {metric} over up to {int(rows['count'].max())} seeds against {x_name}{per_line}, "
        f"with 95% intervals: lowest {_number(metric, low['mean'])} at {_where(low, by)}, "
        f"highest {_number(metric, high['mean'])} at {_where(high, by)}."
    )
    stamp = summary.attrs.get("stamp", "")
    fig = ax.figure
    if stamp and not getattr(fig, "kbsim_stamped", False):
        fig.text(0.995, 0.002, stamp, ha="right", va="bottom", fontsize=SMALL_PT, color="#555555")
        fig.kbsim_stamped = True
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
    for server, rows in table.groupby("server"):
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
