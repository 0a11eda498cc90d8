"""A Result is built with its provenance (preset, variant, their parameters, version): its call() reproduces it.

The call is evaluated as a user would paste it, and the run it gives must match the first in every summary
number, every event and every licence sample: for Results from ``kbsim.run`` and from ``kbsim.simulate``,
including parameters whose ``service_pack`` is not the one the ``site`` preset sets.
"""

import dataclasses
import math

import pytest

import kbsim
from kbsim.model.site import simulate


def same_summary(a, b):
    """Every summary number equal, NaN (nothing to measure) equal to NaN."""
    assert list(a) == list(b)
    for name in a:
        both_nan = isinstance(a[name], float) and math.isnan(a[name]) and math.isnan(b[name])
        assert both_nan or a[name] == b[name], name


def reproduced(result):
    again = eval(result.call(), {"kbsim": kbsim})
    assert again.params == result.params, result.call()
    same_summary(again.summary, result.summary)
    assert again.events.equals(result.events), result.call()
    assert again.licenses.equals(result.licenses), result.call()
    assert (again.preset, again.variant, again.base, again.version) == (
        result.preset,
        result.variant,
        result.base,
        result.version,
    )
    return again


def test_the_site_preset_sets_another_service_pack_than_the_default():
    """What makes a call without the preset's base wrong: kbsim.run('site') would run SP4, the default is SP2."""
    assert kbsim.get_preset("site").params.service_pack != kbsim.Params().service_pack


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(
    "values",
    [
        {"days": 2},  # the defaults: offline, SP2, which the site preset changes
        {"days": 2, "mode": "online", "licenses": 6, "outages": [[0, 10.0, 300.0]]},  # busy, a server down
        {"days": 3, "mode": "online", "service_pack": "SP3", "poll_interval_min": 30.0, "n_clients": 40},
        {"days": 2, "skewed_fraction": 0.5, "reinstall_h": 20.0, "clock_sync_h": 10.0},
    ],
)
def test_a_result_of_simulate_is_reproduced_by_its_call(values, seed):
    params = kbsim.Params.from_values({**values, "seed": seed})
    result = simulate(params)
    assert (result.preset, result.variant, result.base, result.version) == ("", "", None, kbsim.__version__)
    assert result.call().startswith("kbsim.simulate(kbsim.Params(")
    assert result.stamp().startswith(f"custom · seed {seed}")
    reproduced(result)


def test_simulate_of_a_presets_parameters_is_reproduced_from_them_and_kbsim_simulate_is_the_same_function():
    assert kbsim.simulate is simulate
    for name in ("Q299261", "Q213261", "site"):
        params = dataclasses.replace(kbsim.get_preset(name).variant("fix" if name == "Q299261" else None), days=2)
        reproduced(kbsim.simulate(params))


@pytest.mark.parametrize(
    ("preset", "variant", "overrides"),
    [
        ("site", None, {"seed": 2, "days": 2}),
        ("Q299261", "fix", {"seed": 3, "days": 3}),  # the variant's service pack (SP4) is not the preset's (SP3)
        ("Q299261", None, {"seed": 1, "service_pack": "SP2", "days": 3}),
        ("Q226827", "fix", {"seed": 7, "retries": 2}),
        ("Q213261", None, {"seed": 4, "service_pack": "SP4", "days": 2}),
    ],
)
def test_a_result_of_run_is_built_with_its_provenance_and_reproduced_by_its_call(preset, variant, overrides):
    result = kbsim.run(preset, variant=variant, **overrides)
    chosen = kbsim.get_preset(preset)
    assert result.preset == chosen.name and result.base == chosen.variant(variant)
    assert result.variant == (variant or "") and result.version == kbsim.__version__
    assert result.call().startswith(f"kbsim.run({preset!r}")
    reproduced(result)


def test_a_results_provenance_cannot_be_patched_on_afterwards():
    result = kbsim.simulate(kbsim.Params(days=1))
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.preset = "Q226827"  # type: ignore[misc]


def test_simulate_refuses_what_could_not_be_reproduced_in_one_line():
    with pytest.raises(kbsim.ParameterError, match=r"^params=\{'days': 1\} is not allowed: expected a kbsim.Params$"):
        kbsim.simulate({"days": 1})
    with pytest.raises(kbsim.ParameterError, match=r"^base=None is not allowed with preset='site'"):
        kbsim.simulate(kbsim.Params(days=1), preset="site")
