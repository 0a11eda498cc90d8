"""Every explorer control moves the preset's headline numbers the way its article says (issue 10).

Each preset declares, in its ``[directions]`` table, what each control it explores does to its
headline numbers (kbsim/model/scenarios.py). Here each control is moved across its whole widget range,
as kbsim.ui.explorer builds the widget: a slider or number box at its low end, four points between
(1/64, 1/16, 1/4 and 1/2 of the way, so the low end of a wide range is seen too) and its high end; every
option of a dropdown; both states of a checkbox. The outage control's server, start and length are
moved one at a time. It is done on several seeds, on sites that are not the preset (fewer or more
clients and servers, other licence counts, office hours), and the declared direction is checked
on the means over seeds.

Tolerance, honestly: runs at neighbouring values share their seeds, so each comparison is made on
the per-seed differences (paired). A step "goes up" when the 95% interval of the mean difference
(Student's t over the seeds) lies above zero, "goes down" when it lies below, and is "flat"
otherwise; equal numbers on every seed are flat. "up" means no step goes down and some value is above
the low end (a rise that levels off counts); "none" means the number at every value is flat against the low end;
"rise-fall" means an interior peak above both ends with no step down before it and no step up
after; "non-monotone" means at least one step up and one step down. A point where the number is
undefined (NaN, e.g. no client failed) on some seed is left out, and the control's other points
must still show the direction.

Directions where they bite (issue 25): every direction is also checked on a busy site (a quarter or more of
the requests refused, which the test asserts at the control's preset value) and with on-demand balancing
on, for every preset in online mode (offline clients ask for no licence, so neither applies). Where a
preset declares a direction apart for that kind of site (``[directions.<control>.busy]``,
``[directions.<control>.on_demand]``, kbsim/model/scenarios.py), that one is checked there instead. A direction
declared ``over`` another control is checked on the number's mean over that control's values, spread
evenly across its range, per seed (still paired).
"""

from __future__ import annotations

import itertools
import math

import ipywidgets as widgets
import numpy as np
import pytest

import kbsim
from kbsim import PARAMETERS, Params
from kbsim.analysis.sweeps import t_quantile_975
from kbsim.model.kinds import PackTimeKind
from kbsim.model.scenarios import SITE_KINDS, Direction, direction_controls, directions_for
from kbsim.model.service import first_pack
from kbsim.model.site import simulate
from kbsim.ui.controls import OutageControl, control

SEEDS = (1, 2, 3, 4, 5, 6)
FRACTIONS = (0.0, 1 / 64, 1 / 16, 1 / 4, 1 / 2, 1.0)

#: Sites that are not the preset, by preset: kept small so that the whole file runs in seconds.
SITES = {
    "Q212894": [dict(n_clients=40, licenses=16, n_servers=3), dict(n_clients=60, licenses=30, office_hours=True)],
    "Q213261": [
        dict(n_clients=40, n_servers=1, days=4),
        dict(n_clients=60, launches_per_day=8.0, office_hours=True, days=3),
    ],
    # Q311764 runs in offline mode, so no site of it refuses a request: its busy site is one of many launches
    "Q311764": [
        dict(n_clients=40, n_servers=1, days=4),
        dict(n_clients=60, launches_per_day=8.0, office_hours=True, days=3),
        dict(n_clients=150, launches_per_day=30.0, n_servers=3, days=3),
    ],
    "Q299261": [dict(n_clients=10, n_servers=1, days=8), dict(n_clients=20, n_servers=3, days=9)],
    # the leak grows with the requests a server answers: small sites leak faster or restart lower to show it in days;
    # clients with every server hung retry every 10 minutes, not every minute, to keep the file fast
    "Q245271": [
        dict(n_clients=80, licenses=60, launches_per_day=16.0, days=4, remodbc_leak_kb=60.0, no_server_retry_s=600.0),
        dict(
            n_servers=3,
            n_clients=120,
            licenses=80,
            office_hours=True,
            days=5,
            remodbc_restart_mb=20.0,
            no_server_retry_s=600.0,
        ),
    ],
    "Q210202": [
        dict(n_clients=90, licenses=42, days=3),
        dict(n_servers=4, n_clients=120, licenses=55, timezone_shift_h=3.0, days=3),
    ],
    # the preset itself too: its balancing-interval lesson (issue 25, item 4) was audited there
    "Q226827": [
        {},
        dict(n_clients=120, licenses=42),
        dict(n_servers=3, n_clients=200, licenses=70, demand_skew=0.7),
    ],
    "Q226838": [
        dict(n_clients=120, licenses=50),
        dict(n_servers=3, n_clients=160, licenses=60, demand_skew=0.5, mean_session_min=60.0),
    ],
    "site": [
        dict(n_clients=100, licenses=22, days=3),
        dict(n_servers=3, n_clients=150, licenses=50, office_hours=True, days=3),
    ],
}


#: Busy sites (a quarter or more of the requests refused), one per preset in online mode: small, so few seeds do.
BUSY = {
    "Q212894": dict(n_clients=60, licenses=14, days=2),
    "Q210202": dict(n_clients=90, licenses=36, days=3),
    "Q226827": dict(n_clients=100, licenses=16),
    "Q245271": dict(n_clients=100, licenses=24, days=3, remodbc_leak_kb=60.0, no_server_retry_s=600.0),
    "Q226838": dict(n_clients=120, licenses=20),
    "site": dict(n_clients=80, licenses=14, days=2),
}
BUSY_SHARE = 0.25
#: Seeds for a number averaged over another control's values.
#: How many values of the ``over`` control a number is averaged over, spread evenly across its range.
OVER_POINTS = 6
OVER_SEEDS = (1, 2, 3)


def test_every_control_of_every_preset_is_declared():
    for name, preset in kbsim.presets().items():
        assert {d.control for d in preset.directions} == set(direction_controls(preset.explore)), name


def widget_values(name: str, params: Params) -> list:
    """The values a student can give this control, low to high, from the widget kbsim.ui.explorer builds."""
    base, _, part = name.partition(".")
    if part:
        outage = OutageControl(params)
        widget = getattr(outage, part)
        if part == "server":
            return _options(widget)
        return _points(widget)
    widget = control(PARAMETERS[base], params)
    if isinstance(widget, widgets.SelectMultiple):  # none, then one more server at a time
        servers = _options(widget)
        return [tuple(servers[:n]) for n in range(len(servers) + 1)]
    if isinstance(widget, widgets.Checkbox):
        return [False, True]
    if isinstance(widget, widgets.Dropdown):
        values = _options(widget)
        if isinstance(PARAMETERS[base].kind, PackTimeKind):  # the default ("") is the first Sunday: read in date order
            return sorted(values, key=lambda v: first_pack(params.start) if v == "" else v)
        return values
    return _points(widget)


def _options(widget: widgets.Dropdown) -> list:
    return [option[1] if isinstance(option, tuple) else option for option in widget.options]


def _points(widget: widgets.Widget) -> list[float]:
    """The slider's ends and points between, on its steps as a student could set them."""
    low, high, step = widget.min, widget.max, widget.step
    return sorted({min(high, low + round(f * (high - low) / step) * step) for f in FRACTIONS})


def with_value(params: Params, name: str, value) -> Params:
    base, _, part = name.partition(".")
    if not part:
        return Params.from_values({base: None if value == "" else value}, base=params)
    outage = OutageControl(params)
    if part == "server":
        outage.server.value = value
    else:
        getattr(outage, part).value = value
    return Params.from_values({base: outage.value}, base=params)


_RUNS: dict[Params, dict] = {}


def summary(params: Params) -> dict:
    if params not in _RUNS:
        _RUNS[params] = simulate(params).summary
    return _RUNS[params]


def interval(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """95% interval of the mean of the paired differences b - a over seeds."""
    d = b - a
    mean = float(d.mean())
    half = t_quantile_975(len(d) - 1) * float(d.std(ddof=1)) / math.sqrt(len(d))
    return mean - half, mean + half


def step(a: np.ndarray, b: np.ndarray) -> int:
    low, high = interval(a, b)
    eps = 1e-9 * (1 + float(np.abs(a).max()))
    return 1 if low > eps else -1 if high < -eps else 0


def holds(direction: str, series: list[np.ndarray], within: float = 0.0) -> bool:
    steps = [step(a, b) for a, b in itertools.pairwise(series)]
    if direction == "none" and within:  # the whole 95% interval of every move from the low end inside +-within
        return all(-within <= interval(series[0], s)[0] and interval(series[0], s)[1] <= within for s in series[1:])
    if direction == "none":
        return all(step(series[0], s) == 0 for s in series[1:])
    if direction == "up":
        return -1 not in steps and any(step(series[0], s) == 1 for s in series[1:])
    if direction == "down":
        return 1 not in steps and any(step(series[0], s) == -1 for s in series[1:])
    if direction in ("rise-fall", "fall-rise"):
        sign = 1 if direction == "rise-fall" else -1
        for peak in range(1, len(series) - 1):
            if (
                -sign not in steps[:peak]
                and sign not in steps[peak:]
                and step(series[0], series[peak]) == sign
                and step(series[-1], series[peak]) == sign
            ):
                return True
        return False
    return 1 in steps and -1 in steps  # non-monotone


def sites(preset: str, kind: str) -> list[dict]:
    """The sites a direction is checked on: the usual ones ("" kind), a busy one, or one with on-demand
    balancing on; none where the kind does not apply (a preset in offline mode asks for no licence, and
    on-demand balancing needs a second server)."""
    chosen = kbsim.get_preset(preset)
    if kind == "":
        return SITES[preset]
    if chosen.params.mode != "online":
        return []
    if kind == "busy":
        return [BUSY[preset]]
    site = {**next(s for s in SITES[preset] if s), "instant_balancing": True}
    return [site] if Params.from_values(site, base=chosen.params).n_servers > 1 else []


def applies(kind: str, declared: Direction) -> bool:
    """Whether checking this control on this kind of site means anything: on-demand balancing is no site
    kind for its own control, nor for a control checked with it set."""
    if kind == "on_demand":
        return declared.control != "instant_balancing" and "instant_balancing" not in dict(declared.when)
    return True


CASES = [
    (name, kind, d)
    for name in sorted(SITES)
    for kind in ("", *SITE_KINDS)
    if sites(name, kind)
    for d in directions_for(kbsim.get_preset(name), kind)
    if applies(kind, d)
]


def test_the_busy_sites_are_busy():
    """A busy site refuses a quarter or more of the requests at the preset's settings, on every seed's mean."""
    for name, site in BUSY.items():
        params = Params.from_values(site, base=kbsim.get_preset(name).params)
        rates = [summary(Params.from_values({"seed": s}, base=params))["denial_rate"] for s in SEEDS]
        assert np.mean(rates) >= BUSY_SHARE, f"{name} on {site}: {np.round(rates, 3)} of the requests refused"


def number(params: Params, declared: Direction, seed: int) -> float:
    """The direction's number on one seed: as run, or its mean over the ``over`` control's values."""
    if not declared.over:
        return summary(Params.from_values({"seed": seed}, base=params))[declared.metric]
    values = spread(declared.over, params)
    return float(
        np.mean(
            [
                summary(Params.from_values({"seed": seed}, base=with_value(params, declared.over, v)))[declared.metric]
                for v in values
            ]
        )
    )


def spread(name: str, params: Params) -> list:
    """OVER_POINTS values of a control spread evenly across its widget's range, on its steps."""
    _, _, part = name.partition(".")
    widget = getattr(OutageControl(params), part) if part else control(PARAMETERS[name], params)
    low, high, step = widget.min, widget.max, widget.step
    return sorted({low + round(i * (high - low) / (OVER_POINTS - 1) / step) * step for i in range(OVER_POINTS)})


def label(kind: str) -> str:
    return {"": "usual", "busy": "busy", "on_demand": "on-demand"}[kind]


@pytest.mark.parametrize(
    "preset, kind, declared", CASES, ids=[f"{p}-{label(k)}-{d.control}-{d.metric}" for p, k, d in CASES]
)
def test_each_control_moves_its_numbers_as_declared(preset, kind, declared):
    chosen = kbsim.get_preset(preset)
    seeds = OVER_SEEDS if declared.over else SEEDS
    for site in sites(preset, kind):
        params = Params.from_values({**site, **dict(declared.when)}, base=chosen.params)
        values = widget_values(declared.control, params)
        assert len(values) >= 2
        series, kept = [], []
        for value in values:
            moved = with_value(params, declared.control, value)
            numbers = np.array([number(moved, declared, s) for s in seeds], dtype=float)
            if not np.isnan(numbers).any():
                series.append(numbers)
                kept.append(value)
        assert len(series) >= 2, f"{declared.metric} is undefined at almost every value of {declared.control}"
        means = [round(float(s.mean()), 3) for s in series]
        over = f" (mean over {declared.over})" if declared.over else ""
        assert holds(declared.direction, series, declared.within), (
            f"{preset} on {site or 'the preset'} ({label(kind)}): {declared.control} should move "
            f"{declared.metric}{over} {declared.direction}; means over seeds {dict(zip(map(str, kept), means))}"
        )


# --- the declaration of directions per kind of site, and over another control (kbsim/model/scenarios.py) ------------

PRESET = """title = "t"
article = ""
description = ""
explore = ["licenses", "outages", "balancing_interval_h"]
[params]
mode = "online"
outages = [[0, 10.0, 60.0]]
[directions.licenses]
denials = "down"
[directions."outages.server"]
denials = { direction = "non-monotone", why = "w" }
[directions."outages.start_h"]
denials = { direction = "none", why = "w" }
[directions."outages.minutes"]
denials = "up"
"""


def write(tmp_path, extra: str):
    path = tmp_path / "p.toml"
    path.write_text(PRESET + extra, encoding="utf-8")
    return path


def test_a_direction_declared_for_a_kind_of_site_replaces_the_general_one_there_only(tmp_path):
    preset = kbsim.load_preset(
        write(
            tmp_path,
            '[directions.balancing_interval_h]\ndenials = { direction = "up", over = "outages.start_h", why = "w" }\n'
            '[directions.balancing_interval_h.busy]\ndenials = { direction = "none", why = "saturated" }\n',
        )
    )
    usual, busy, on_demand = (
        {d.control: d for d in directions_for(preset, kind)}["balancing_interval_h"] for kind in ("", *SITE_KINDS)
    )
    assert (usual.direction, usual.over, usual.site) == ("up", "outages.start_h", "")
    assert (busy.direction, busy.why, busy.site) == ("none", "saturated", "busy")
    assert on_demand == usual


@pytest.mark.parametrize(
    "extra, words",
    [
        (
            '[directions.balancing_interval_h]\ndenials = "up"\n'
            '[directions.balancing_interval_h.busy]\ndenials = "down"\n',
            "declared apart for a busy site: say why",
        ),
        (
            '[directions.balancing_interval_h]\ndenials = { direction = "up", over = "seed" }\n',
            "is not another control",
        ),
        (
            '[directions.balancing_interval_h]\ndenials = { direction = "up", over = "balancing_interval_h" }\n',
            "is not another control",
        ),
        ('[directions.balancing_interval_h]\ndenials = "up"\nbusy = 3\n', "must be a table of summary numbers"),
        (
            '[directions.balancing_interval_h]\ndenials = { direction = "up", within = 2.0 }\n',
            "within must be a number above 0, and only with direction none",
        ),
        (
            '[directions.balancing_interval_h]\ndenials = { direction = "none", within = -1 }\n',
            "within must be a number above 0",
        ),
        (
            '[directions.balancing_interval_h]\ndenials = { direction = "none", within = "a lot" }\n',
            "within must be a number above 0",
        ),
    ],
)
def test_a_malformed_kind_or_over_is_one_short_error(tmp_path, extra, words):
    with pytest.raises(kbsim.ParameterError, match=words) as caught:
        kbsim.load_preset(write(tmp_path, extra))
    assert "\n" not in str(caught.value)


def test_none_within_a_bound_allows_a_small_effect_and_no_more(tmp_path):
    flat = np.array([0.100, 0.102, 0.098, 0.101, 0.099, 0.100])
    nudged = flat + np.array([0.004, 0.006, 0.005, 0.004, 0.005, 0.006])  # a real effect of half a point
    assert not holds("none", [flat, nudged])
    assert holds("none", [flat, nudged], within=0.01)
    assert not holds("none", [flat, nudged], within=0.004)
    preset = kbsim.load_preset(
        write(tmp_path, '[directions.balancing_interval_h]\ndenials = { direction = "none", within = 5, why = "w" }\n')
    )
    assert {d.control: d for d in directions_for(preset)}["balancing_interval_h"].within == 5.0
