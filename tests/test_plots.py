"""Plots draw every preset's result with titles, labelled axes, a stamp and a one-sentence description,
and what they draw is the run's own data."""

import itertools

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba
from matplotlib.patches import StepPatch

import kbsim
from kbsim import plots
from kbsim.ui.plots import kept, sweep_band

PLOTS = [
    plots.denials_over_time,
    plots.license_distribution,
    plots.client_attempts,
    plots.usage_by_clock_offset,
    plots.service_timeline,
]


@pytest.mark.parametrize("preset", sorted(kbsim.presets()))
@pytest.mark.parametrize("plot", PLOTS, ids=lambda f: f.__name__)
def test_every_plot_draws_every_preset(preset, plot):
    result = kbsim.run(preset)
    ax = plot(result)
    try:
        assert ax.get_title(loc="left") and (ax.get_ylabel() or plot is plots.service_timeline) and ax.get_xlabel()
        alt = plots.alt_text(ax)
        assert alt.endswith(".") and "\n" not in alt and len(alt) < 300
        stamps = [t.get_text() for t in ax.figure.texts]
        assert stamps == [result.stamp()] and f"seed {result.params.seed}" in stamps[0]
    finally:
        plt.close(ax.figure)


def test_a_plot_draws_into_the_axes_it_is_given():
    result = kbsim.run("Q226827")
    fig, (top, bottom) = plt.subplots(2)
    assert plots.denials_over_time(result, ax=top) is top
    assert plots.license_distribution(result, ax=bottom) is bottom
    assert len(fig.texts) == 1  # one stamp per figure
    plt.close(fig)


def test_the_alt_text_reports_the_numbers_of_the_run():
    result = kbsim.run("Q299261")
    ax = plots.service_timeline(result)
    assert f"{result.summary['status_9406']} status messages 9406" in plots.alt_text(ax)
    assert "Sun 02:00" in plots.alt_text(ax)
    plt.close(ax.figure)


def test_the_stamp_names_what_changed_and_the_call_reproduces_it():
    result = kbsim.run("Q226827", variant="fix", seed=7, retries=2)
    assert result.stamp() == f"Q226827 (fix) · seed 7 · retries=2 · kbsim {kbsim.__version__}"
    again = eval(result.call(), {"kbsim": kbsim})
    assert again.params == result.params
    assert again.summary["denials"] == result.summary["denials"]
    assert again.events.equals(result.events)


# --- the data drawn is the run's data -----------------------------------------------------------


def per_bin(result, kind, bin_h):
    """Events of ``kind`` counted per ``bin_h`` hours from the run's start, from the event table."""
    hours = result.events.loc[result.events["kind"] == kind, "hours"].to_numpy()
    bins = int(result.params.days * 24 / bin_h)
    return np.bincount((hours // bin_h).astype(int), minlength=bins)[:bins]


def stairs(ax):
    return {patch.get_label(): patch.get_data().values for patch in ax.patches if isinstance(patch, StepPatch)}


@pytest.mark.parametrize("preset, bin_h", [("Q226827", 1.0), ("Q226827", 2.0), ("site", 0.5)])
def test_denials_over_time_draws_the_runs_grants_and_denials_per_bin(preset, bin_h):
    result = kbsim.run(preset, seed=3)
    ax = plots.denials_over_time(result, bin_h=bin_h)
    drawn = stairs(ax)
    np.testing.assert_array_equal(drawn["granted"], per_bin(result, "grant", bin_h))
    np.testing.assert_array_equal(drawn["denied"], per_bin(result, "deny", bin_h))
    assert drawn["granted"].sum() == result.summary["grants"] and drawn["denied"].sum() == result.summary["denials"]
    plt.close(ax.figure)


def test_client_attempts_draws_every_kind_of_trouble_per_bin():
    result = kbsim.run("Q212894", seed=2)
    drawn = stairs(plots.client_attempts(result))
    labels = {
        "failed contact": "contact_failed",
        "retry, no answer": "retry",
        "failover": "failover",
        "rebind at CCIM/restart": "rebind",
        "reconnected": "reconnect",
    }
    assert set(drawn) == {label for label, kind in labels.items() if (result.events["kind"] == kind).any()}
    assert {"retry, no answer", "rebind at CCIM/restart"} <= set(drawn)
    for label, values in drawn.items():
        np.testing.assert_array_equal(values, per_bin(result, labels[label], 1.0))
    plt.close("all")


def test_license_distribution_draws_each_holders_licences_over_time():
    result = kbsim.run("Q210202", variant="unreachable", seed=2)
    ax = plots.license_distribution(result)
    lines = {line.get_label(): line for line in ax.lines}
    table = result.licenses[result.licenses["product"] == 0]
    for server in sorted(table["server"].unique()):
        label = "reserve pool" if server == kbsim.SITE_RESERVE else f"server {server}"
        rows = table[table["server"] == server]
        np.testing.assert_array_equal(lines[label].get_ydata(), (rows["free"] + rows["in_use"]).to_numpy())
        np.testing.assert_array_equal(lines[label].get_xdata(), rows["time"].to_numpy())
    plt.close(ax.figure)


def test_usage_by_clock_offset_draws_the_usage_table():
    result = kbsim.run("Q213261", seed=2)
    ax = plots.usage_by_clock_offset(result)
    bars = {container.get_label(): container for container in ax.containers}
    usage = result.usage.groupby("clock_offset_min")[["sessions", "reported", "pending", "unreported"]].sum()
    assert [b.get_height() for b in bars["runs that happened"]] == usage["sessions"].tolist()
    assert [b.get_height() for b in bars["runs reported to the site"]] == usage["reported"].tolist()
    unreported = bars["never uploaded (Q213261)"]
    assert [b.get_height() for b in unreported] == usage["unreported"].tolist()
    assert [b.get_y() for b in unreported] == (usage["reported"] + usage["pending"]).tolist()
    assert sum(b.get_height() for b in unreported) == result.summary["sessions_unreported"] > 0
    plt.close(ax.figure)


def test_service_timeline_marks_every_9406_inside_a_stop_pending_span_of_its_server():
    result = kbsim.run("Q299261", seed=2)
    ax = plots.service_timeline(result)
    markers = next(line for line in ax.lines if line.get_label().startswith("status message 9406"))
    status = result.status[result.status["message_id"] == 9406]
    np.testing.assert_array_equal(markers.get_xdata(), status["time"].to_numpy())
    np.testing.assert_array_equal(markers.get_ydata(), (status["server"] + 0.42).to_numpy())
    pending = to_rgba(plots.STATE_COLOURS["stop pending"])
    spans = {server: [] for server in range(result.params.n_servers)}
    for collection in ax.collections:
        if tuple(collection.get_facecolor()[0]) == pending:
            (left, bottom), (right, _) = (
                collection.get_paths()[0].vertices.min(0),
                collection.get_paths()[0].vertices.max(0),
            )
            spans[round(bottom + 0.3)].append((left, right))
    for server, time in zip(status["server"], mdates.date2num(status["time"])):
        assert any(left <= time <= right for left, right in spans[server]), f"9406 of server {server} outside a hang"
    assert all(spans.values()) and len(status) == result.summary["status_9406"] > 0
    plt.close(ax.figure)


# --- a figure kept and updated in place (the explorer's) is the figure drawn anew -------------------


def pixels(data):
    import io

    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


@pytest.mark.parametrize("name", sorted(plots.PLOTS))
def test_a_kept_figure_updated_in_place_is_pixel_for_pixel_the_figure_drawn_anew(name):
    """Runs of different shapes one after another (more servers, an outage, another article's events,
    fewer days, then back, and the same legend twice running): after each update the kept figure is the
    one a fresh figure would show."""
    runs = [
        kbsim.run("site", seed=2),
        kbsim.run("site", seed=3, n_servers=5),
        kbsim.run("Q226827", seed=2),
        kbsim.run("Q212894", seed=1),
        kbsim.run("Q299261", seed=2, days=3),
        kbsim.run("Q213261", seed=2),
        kbsim.run("site", seed=2),
        kbsim.run("site", seed=4),
    ]
    kept = plots.kept(name)
    for result in runs:
        kept.update(result)
        fresh = plots.show(result, name)
        assert plots.alt_text(kept.ax) == fresh.alt
        np.testing.assert_array_equal(pixels(kept.png()), pixels(fresh.png), err_msg=result.stamp())


@pytest.mark.parametrize("preset", ["Q226827", "Q210202", "Q212894", "Q213261", "Q299261"])
def test_every_legend_fits_inside_its_figure(preset):
    """Issue 20: Q213261's legend ran off the image ("runs reported to the si..."); long entries are wrapped."""
    settings = {"reinstall_h": 24, "clock_sync_h": 22} if preset == "Q213261" else {}  # every entry shown
    result = kbsim.run(preset, **settings)
    for name in kbsim.presets()[preset].plots:
        plot = kept(name)
        ax = plot.update(result)
        fig = ax.get_figure(root=True)
        fig.canvas.draw()
        legend = ax.get_legend()
        if legend is not None:
            assert legend.get_window_extent(fig.canvas.get_renderer()).x1 <= fig.bbox.x1 + 0.5, (preset, name)


def test_sweep_tick_labels_never_run_together():
    """Issue 20: 90 and 120 side by side on a log axis printed as "90120"; a label that would touch the one
    before it is left out, and every swept value keeps its tick."""
    values = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 24.0, 48.0, 72.0, 90.0, 120.0]
    summary = pd.DataFrame(
        {"balancing_interval_h": values, "metric": "denials", "count": 2, "mean": 1.0, "std": 0.0}
    ).assign(ci_low=0.9, ci_high=1.1)
    ax = sweep_band(summary, "denials")
    fig = ax.get_figure(root=True)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    assert len(ax.get_xticks()) == len(values)
    boxes = [t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_text()]
    assert len(boxes) >= len(values) - 3 and "72" in [t.get_text() for t in ax.get_xticklabels()]
    assert all(a.x1 < b.x0 for a, b in itertools.pairwise(boxes)), "no two labels touch"
