"""A sweep's figure: a summary number's mean over seeds against a swept parameter, with its 95% interval.

It draws many runs' summary (:func:`kbsim.summarize_sweep`), not one Result, so it is not a
:class:`~kbsim.ui.plots.engine.RunPlot` and not in :data:`kbsim.ui.plots.PLOTS`.
"""

from __future__ import annotations

import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ...model.errors import unknown_name
from ...model.parameters import PARAMETERS
from ...model.summary import LABELS, SUMMARY
from .engine import GREY, LABEL_PT, PALETTE, SMALL_PT, TITLE_PT, _axes, _describe, _legend, _root, _stamp


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
