"""Plots draw every preset's result with titles, labelled axes, a stamp and a one-sentence description."""

import matplotlib.pyplot as plt
import pytest

import kbsim
from kbsim import plots

PLOTS = [plots.denials_over_time, plots.license_distribution, plots.client_attempts,
         plots.usage_by_clock_offset, plots.service_timeline]


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
