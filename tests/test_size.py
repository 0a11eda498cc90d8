"""A run's size known before it starts (issue 14).

The estimate against what runs draw, the refusal and the allow path.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kbsim
import kbsim.model.size
import kbsim.ui.explorer
from kbsim.model.site import Site
from kbsim.model.size import ALLOW, LARGE_RUN_LAUNCHES, estimate
from kbsim.ui.cli import main

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
    monkeypatch.setattr(kbsim.model.size, "LARGE_RUN_LAUNCHES", 1000)
    return kbsim.model.size


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
    import kbsim.analysis.sweeps

    def never(*_args, **_kwargs):
        raise AssertionError("a run started")

    monkeypatch.setattr(kbsim.analysis.sweeps, "_execute", never)
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
    monkeypatch.setattr(kbsim.ui.explorer, "EXPLORER_SECONDS", estimate(kbsim.get_preset("site").params).seconds * 1.5)
    explorer.set(launches_per_day=explorer.controls["launches_per_day"].value * 2)  # a quick run: nothing said
    assert shown == []
    explorer.set(n_clients=explorer.controls["n_clients"].value * 4)
    assert len(shown) == 2 and "Running a large site" in shown[0] and "launches" in shown[0]
    assert shown[1] == "" and explorer.error == ""  # said before the run, cleared once its numbers are shown
    assert explorer.result.params.n_clients == explorer.controls["n_clients"].value


# --- every event a run can record, on adversarial sites as well as typical ones (issue 21) -----------

ADVERSARIAL = [
    # every client Windows 95/98 and every server out: bound retries, then no-server retries (issue 21's case)
    {"mode": "online", "win9x_fraction": 1.0, "days": 3, "outages": [[0, 0, 4320], [1, 0, 4320]]},
    # no server at all, Windows NT clients under the immediate-failover bug
    {"mode": "online", "days": 2, "n_servers": 1, "outages": [[0, 0, 2880]]},
    # busy refusals: every user refused asks for a callback
    {"days": 2, "mode": "online", "licenses": 2, "n_clients": 300, "callback_share": 1.0},
]


@pytest.mark.parametrize("overrides", ADVERSARIAL)
def test_row_estimate_holds_on_the_sites_that_once_passed_the_guard(overrides):
    params = kbsim.Params.from_values(overrides)
    rows = len(kbsim.simulate(params).events)
    assert 1 / ROW_FACTOR <= rows / estimate(params).rows <= ROW_FACTOR, (rows, estimate(params).rows)


def test_the_largest_stranded_windows_9x_site_is_refused():
    # issue 21: 20,000 Windows 95/98 clients, every server out for 60 days, was estimated small and allowed
    stranded = {"mode": "online", "win9x_fraction": 1.0, "n_clients": 20000, "days": 60}
    stranded["outages"] = [[0, 0, 86400], [1, 0, 86400]]
    with pytest.raises(kbsim.ParameterError, match="too large"):
        kbsim.check_size(kbsim.Params.from_values(stranded))


@st.composite
def sites(draw):
    """Small random sites (fast runs), typical and adversarial: outages on some or every server, every
    client Windows 95/98 or none, busy licences, online or offline, installs before or during the run."""
    n_servers = draw(st.integers(1, 3))
    days = draw(st.integers(1, 2))
    values = {
        "n_servers": n_servers,
        "days": days,
        "n_clients": draw(st.integers(100, 200)),
        "launches_per_day": draw(st.sampled_from([4.0, 12.0, 30.0])),
        "mode": draw(st.sampled_from(["online", "offline"])),
        "licenses": draw(st.sampled_from([0, 1, 3, 20, 200])),
        "failover": draw(st.sampled_from(["immediate", "after_retries"])),
        "win9x_fraction": draw(st.sampled_from([0.0, 0.5, 1.0])),
        "retries": draw(st.integers(1, 4)),
        "retry_delay_min": draw(st.sampled_from([1.0, 15.0, 60.0])),
        "no_server_retry_s": draw(st.sampled_from([60.0, 300.0])),
        "win9x_retry_s": draw(st.sampled_from([60.0, 300.0])),
        "install_h": draw(st.sampled_from([-168.0, -12.0, 0.0, 10.0])),
        "install_spread_h": draw(st.sampled_from([0.0, 24.0])),
        "ccim_interval_h": draw(st.sampled_from([1.0, 23.0, 100.0])),
        "users_restart": draw(st.booleans()),
        "callback_share": draw(st.sampled_from([0.0, 0.5, 1.0])),
        "instant_balancing": draw(st.booleans()),
        "balancing_interval_h": draw(st.sampled_from([0.25, 4.0, 24.0])),
        "config_poll_min": draw(st.sampled_from([15.0, 240.0])),
        "service_pack": draw(st.sampled_from(["SP2", "SP3", "SP4"])),
        "skewed_fraction": draw(st.sampled_from([0.0, 0.5])),
        "clock_offset_min": draw(st.sampled_from([0.0, 120.0])),
        "demand_skew": draw(st.sampled_from([0.0, 0.5, 1.0])),
    }
    down = draw(st.sampled_from(["none", "every server, whole run", "some"]))
    if down == "every server, whole run":
        values["outages"] = [[s, 0.0, days * 1440.0] for s in range(n_servers)]
    elif down == "some":  # at most one outage a server
        servers = draw(st.lists(st.integers(0, n_servers - 1), min_size=1, max_size=n_servers, unique=True))
        values["outages"] = [
            [s, draw(st.floats(0, days * 24 - 1)), draw(st.floats(10, days * 1440.0))] for s in servers
        ]
    return kbsim.Params.from_values(values)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(sites())
def test_row_estimate_is_within_its_factor_of_the_rows_recorded_on_random_sites(params):
    rows = len(kbsim.simulate(params).events)
    estimated = estimate(params).rows
    assert 1 / ROW_FACTOR <= rows / estimated <= ROW_FACTOR, (rows, estimated, params)


@pytest.mark.parametrize("value", ["no", "yes", 1, 0, None, "True", [True]])
def test_allow_large_is_true_or_false_only(value):
    for call in (
        lambda: kbsim.run("site", days=1, allow_large=value),
        lambda: kbsim.sweep("site", {"days": [1]}, seeds=1, executor="serial", allow_large=value),
        lambda: kbsim.check_size(kbsim.Params(), value),
    ):
        with pytest.raises(kbsim.ParameterError, match=r"allow_large=.* is not allowed: expected True or False"):
            call()


def test_a_huge_sweep_is_refused_from_its_count_before_any_point_is_checked(monkeypatch):
    import kbsim.analysis.sweeps

    def never(*_args, **_kwargs):
        raise AssertionError("a point was checked one by one")

    monkeypatch.setattr(kbsim.analysis.sweeps, "check_size", never)
    million = {"licenses": list(range(1000)), "n_clients": list(range(1, 1001))}
    with pytest.raises(kbsim.ParameterError, match=r"1,000,000 runs .*too large|too large.*1,000,000 runs"):
        kbsim.sweep("site", million, seeds=1, executor="serial")
    with pytest.raises(kbsim.ParameterError, match="10,000,000 runs"):
        kbsim.sweep("site", {}, seeds=10**7, executor="serial")


def test_a_sweep_of_runs_each_allowed_is_refused_when_together_too_large(monkeypatch, capsys):
    import kbsim.analysis.sweeps

    def never(*_args, **_kwargs):
        raise AssertionError("a run started")

    monkeypatch.setattr(kbsim.analysis.sweeps, "_execute", never)
    one = estimate(kbsim.get_preset("site").params)
    monkeypatch.setattr(kbsim.model.size, "LARGE_SWEEP_ROWS", one.rows * 5)
    with pytest.raises(kbsim.ParameterError) as refused:
        kbsim.sweep("site", {"licenses": [10, 20, 30]}, seeds=2, executor="serial")
    message = str(refused.value)
    assert "too large" in message and "6 runs" in message and "allow_large=True" in message and "\n" not in message
    assert main(["sweep", "site", "--grid", "licenses=10,20,30", "--seeds", "2", "--out", "never.csv"]) == 2
    assert "too large" in capsys.readouterr().err
