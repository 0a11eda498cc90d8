"""Every explorer control moves the preset's headline numbers the way its article says (issue 10).

Each preset declares, in its ``[directions]`` table, what each control it explores does to its
headline numbers (kbsim/scenarios.py). Here each control is moved across its whole widget range,
as kbsim.explorer builds the widget: a slider or number box at its low end, four points between
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
"""

from __future__ import annotations

import itertools
import math

import ipywidgets as widgets
import numpy as np
import pytest

import kbsim
from kbsim import PARAMETERS, Params
from kbsim.explorer import OutageControl, control
from kbsim.scenarios import direction_controls
from kbsim.service import first_pack
from kbsim.site import simulate
from kbsim.sweeps import t_quantile_975

SEEDS = (1, 2, 3, 4, 5, 6)
FRACTIONS = (0.0, 1 / 64, 1 / 16, 1 / 4, 1 / 2, 1.0)

#: Sites that are not the preset, by preset: kept small so that the whole file runs in seconds.
SITES = {
    "Q212894": [dict(n_clients=40, licenses=16, n_servers=3), dict(n_clients=60, licenses=30, office_hours=True)],
    "Q213261": [
        dict(n_clients=40, n_servers=1, days=4),
        dict(n_clients=60, launches_per_day=8.0, office_hours=True, days=3),
    ],
    "Q299261": [dict(n_clients=10, n_servers=1, days=8), dict(n_clients=20, n_servers=3, days=9)],
    "Q210202": [
        dict(n_clients=90, licenses=42, days=3),
        dict(n_servers=4, n_clients=120, licenses=55, timezone_shift_h=3.0, days=3),
    ],
    "Q226827": [dict(n_clients=120, licenses=42), dict(n_servers=3, n_clients=200, licenses=70, demand_skew=0.7)],
    "site": [
        dict(n_clients=100, licenses=22, days=3),
        dict(n_servers=3, n_clients=150, licenses=50, office_hours=True, days=3),
    ],
}


def test_every_control_of_every_preset_is_declared():
    for name, preset in kbsim.presets().items():
        assert {d.control for d in preset.directions} == set(direction_controls(preset.explore)), name


def widget_values(name: str, params: Params) -> list:
    """The values a student can give this control, low to high, from the widget kbsim.explorer builds."""
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
        if PARAMETERS[base].kind == "pack_time":  # the default ("") is the first Sunday: read in date order
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


def holds(direction: str, series: list[np.ndarray]) -> bool:
    steps = [step(a, b) for a, b in itertools.pairwise(series)]
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


CASES = [(name, d) for name in sorted(SITES) for d in kbsim.get_preset(name).directions]


@pytest.mark.parametrize("preset, declared", CASES, ids=[f"{p}-{d.control}-{d.metric}" for p, d in CASES])
def test_each_control_moves_its_numbers_as_declared(preset, declared):
    chosen = kbsim.get_preset(preset)
    for site in SITES[preset]:
        params = Params.from_values({**site, **dict(declared.when)}, base=chosen.params)
        values = widget_values(declared.control, params)
        assert len(values) >= 2
        series, kept = [], []
        for value in values:
            moved = with_value(params, declared.control, value)
            numbers = np.array(
                [summary(Params.from_values({"seed": s}, base=moved))[declared.metric] for s in SEEDS], dtype=float
            )
            if not np.isnan(numbers).any():
                series.append(numbers)
                kept.append(value)
        assert len(series) >= 2, f"{declared.metric} is undefined at almost every value of {declared.control}"
        means = [round(float(s.mean()), 3) for s in series]
        assert holds(declared.direction, series), (
            f"{preset} on {site}: {declared.control} should move {declared.metric} {declared.direction}; "
            f"means over seeds {dict(zip(map(str, kept), means))}"
        )
