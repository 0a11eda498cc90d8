"""A run's size known before it starts (issue 14).

The estimate against what runs draw, the refusal and the allow path.
"""

from __future__ import annotations

import pandas as pd
import pytest

import kbsim
import kbsim.explorer
import kbsim.size
from kbsim.__main__ import main
from kbsim.site import Site
from kbsim.size import ALLOW, LARGE_RUN_LAUNCHES, estimate

#: The launch estimate is an expectation: Poisson noise and installs are all it misses.
LAUNCH_FACTOR = 1.10
#: Event rows depend on refusals, callbacks and retries, which the estimate approximates.
ROW_FACTOR = 2.0

SITES = [
    ("site", {}),
    ("site", {"n_clients": 900, "days": 3, "launches_per_day": 12.5, "mode": "offline", "config_poll_min": 60.0}),
    ("site", {"n_clients": 300, "days": 5, "launches_per_day": 20.0, "licenses": 3, "n_products": 2}),
    ("site", {"n_clients": 500, "days": 2, "install_h": 12.0, "install_spread_h": 30.0}),
    ("Q226827", {}),
    ("Q212894", {}),
    ("Q213261", {"days": 10}),
    ("Q210202", {"office_hours": True, "timezone_shift_h": 3.0}),
]


def _params(preset: str, overrides: dict, seed: int) -> kbsim.Params:
    return kbsim.Params.from_values({**overrides, "seed": seed}, base=kbsim.get_preset(preset).params)


@pytest.mark.parametrize("preset, overrides", SITES)
@pytest.mark.parametrize("seed", [1, 7, 23])
def test_launch_estimate_is_within_its_stated_factor_of_the_launches_drawn(preset, overrides, seed):
    params = _params(preset, overrides, seed)
    drawn = len(Site(params).launches)
    estimated = estimate(params).launches
    assert drawn > 500, "a site too small to say anything about the estimate"
    assert 1 / LAUNCH_FACTOR <= drawn / estimated <= LAUNCH_FACTOR, (drawn, estimated)


@pytest.mark.parametrize("preset, overrides", SITES)
def test_row_estimate_is_within_its_stated_factor_of_the_rows_recorded(preset, overrides):
    params = _params(preset, overrides, 3)
    rows = len(kbsim.run(preset, seed=3, **overrides).events)
    estimated = estimate(params).rows
    assert 1 / ROW_FACTOR <= rows / estimated <= ROW_FACTOR, (rows, estimated)


def test_a_saturated_online_site_is_estimated_to_record_more_rows_than_launches():
    busy = estimate(_params("site", {"n_clients": 2000, "licenses": 5}, 1))
    idle = estimate(_params("site", {"n_clients": 2000, "licenses": 5000}, 1))
    assert busy.launches == idle.launches
    assert busy.rows > 1.5 * idle.rows  # refused users' callbacks and their ends


def test_size_grows_with_every_dimension_of_the_site():
    base = estimate(kbsim.Params())
    for name, value in (("n_clients", 400), ("days", 14), ("launches_per_day", 8.0)):
        bigger = estimate(kbsim.Params.from_values({name: value}))
        assert bigger.launches > 1.9 * base.launches
        assert bigger.seconds > base.seconds and bigger.memory_mb > base.memory_mb


THE_LARGEST = {"n_clients": 20000, "days": 60, "launches_per_day": 50.0}


def test_the_largest_declared_site_is_refused_in_one_line_saying_how_large_and_how_to_allow(monkeypatch):
    def never(_):
        raise AssertionError("the run started")

    monkeypatch.setattr(kbsim, "simulate", never)
    with pytest.raises(kbsim.ParameterError) as refused:
        kbsim.run("site", **THE_LARGEST)
    message = str(refused.value)
    assert "\n" not in message
    assert "too large" in message
    assert "60,000,000 launches" in message  # 20,000 clients x 60 days x 50 launches a day
    assert "GB" in message and "min" in message
    assert f"{LARGE_RUN_LAUNCHES:,} launches" in message
    assert f"{ALLOW}=True" in message and "--allow-large" in message


def test_a_run_within_the_limit_is_not_refused():
    size = estimate(_params("site", {"n_clients": 5000, "days": 14, "launches_per_day": 8.0}, 1))
    assert not size.large
    assert not estimate(kbsim.Params()).large


@pytest.fixture
def small_limit(monkeypatch):
    """A limit the default site (about 5,600 launches) is beyond, so the allow path runs quickly."""
    monkeypatch.setattr(kbsim.size, "LARGE_RUN_LAUNCHES", 1000)
    return kbsim.size


def test_allow_large_runs_the_run_it_would_refuse_and_gives_the_same_numbers(small_limit):
    with pytest.raises(kbsim.ParameterError, match="too large"):
        kbsim.run("site", seed=2)
    allowed = kbsim.run("site", seed=2, allow_large=True)
    small_limit.LARGE_RUN_LAUNCHES = 10**9
    pd.testing.assert_series_equal(pd.Series(allowed.summary), pd.Series(kbsim.run("site", seed=2).summary))


def test_the_command_line_refuses_and_allows(small_limit, capsys):
    assert main(["run", "site"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "too large" in err and "--allow-large" in err
    assert main(["run", "site", "--allow-large", "--json"]) == 0
    assert '"requests"' in capsys.readouterr().out
    assert main(["logs", "site", "--log", "licsrvc"]) == 2
    assert "too large" in capsys.readouterr().err
    assert main(["logs", "site", "--log", "licsrvc", "--allow-large"]) == 0


def test_a_sweep_refuses_before_any_run_and_names_the_point(small_limit, tmp_path, monkeypatch, capsys):
    import kbsim.sweeps

    def never(*_args, **_kwargs):
        raise AssertionError("a run started")

    monkeypatch.setattr(kbsim.sweeps, "_execute", never)
    with pytest.raises(kbsim.ParameterError, match=r"the run at n_clients=200 is too large.*allow_large=True"):
        kbsim.sweep("site", {"n_clients": [10, 200]}, seeds=2, executor="serial", progress=False)
    out = tmp_path / "runs.csv"
    assert main(["sweep", "site", "--grid", "n_clients=10,200", "--seeds", "1", "--out", str(out)]) == 2
    assert "too large" in capsys.readouterr().err and not out.exists()


def test_a_sweep_allowed_runs_every_point(small_limit):
    frame = kbsim.sweep("site", {"n_clients": [10, 200]}, seeds=2, executor="serial", progress=False, allow_large=True)
    assert len(frame) == 4 and (frame["requests"] > 0).all()


def test_an_explorer_says_before_it_starts_a_long_run(monkeypatch):
    explorer = kbsim.explore("site")
    shown = []
    explorer.message.observe(lambda change: shown.append(change["new"]), names="value")
    monkeypatch.setattr(kbsim.explorer, "EXPLORER_SECONDS", estimate(kbsim.get_preset("site").params).seconds * 1.5)
    explorer.set(launches_per_day=explorer.controls["launches_per_day"].value * 2)  # a quick run: nothing said
    assert shown == []
    explorer.set(n_clients=explorer.controls["n_clients"].value * 4)
    assert len(shown) == 2 and "Running a large site" in shown[0] and "launches" in shown[0]
    assert shown[1] == "" and explorer.error == ""  # said before the run, cleared once its numbers are shown
    assert explorer.result.params.n_clients == explorer.controls["n_clients"].value
