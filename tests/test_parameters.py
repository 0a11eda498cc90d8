"""The one declaration of parameters: complete, consistent, and strict about bad input."""

from datetime import datetime

import matplotlib.pyplot as plt
import pytest

import kbsim
from kbsim import PARAMETERS, ParameterError, Params, plots
from kbsim.model.kinds import ChoiceKind, NumberKind
from kbsim.ui.cli import parse_settings

ISSUE_NAMES = [
    "seed",
    "start",
    "days",
    "n_servers",
    "n_clients",
    "n_products",
    "licenses",
    "launches_per_day",
    "mean_session_min",
    "demand_skew",
    "mode",
    "retries",
    "retry_delay_min",
    "config_poll_min",
    "failover",
    "outages",
    "balancing_interval_h",
    "instant_balancing",
    "unreachable_servers",
    "min_licenses",
    "buffer",
    "win9x_fraction",
    "ccim_interval_h",
    "clock_offset_min",
    "skewed_fraction",
    "clock_threshold_min",
    "service_pack",
    "poll_interval_min",
    "pack_time",
]


def test_every_shared_name_is_declared():
    assert set(ISSUE_NAMES) <= set(PARAMETERS)


def test_every_declaration_is_complete_and_its_default_valid():
    for p in PARAMETERS.values():
        assert p.help, p.name
        assert p.check(p.default) == p.default, p.name
        if isinstance(p.kind, NumberKind):
            assert p.low <= p.default <= p.high, p.name
            assert p.step is None or p.step > 0, p.name
        if isinstance(p.kind, ChoiceKind):
            assert p.default in p.choices


def test_product_defaults_from_the_documentation():
    params = Params()
    assert (params.retries, params.retry_delay_min, params.config_poll_min) == (1, 15.0, 240.0)
    assert (params.balancing_interval_h, params.ccim_interval_h, params.poll_interval_min) == (4.0, 23.0, 15.0)
    assert params.mode == "offline" and params.failover == "immediate"


@pytest.mark.parametrize(
    "name, value",
    [
        ("retries", 0),
        ("retries", 101),
        ("retries", 1.5),
        ("retries", "3"),
        ("retries", True),
        ("retry_delay_min", 61.0),
        ("demand_skew", -0.1),
        ("mode", "sometimes"),
        ("service_pack", "SP5"),
        ("instant_balancing", "yes"),
        ("start", "not a date"),
        ("outages", [[0, 1]]),
        ("outages", [[0, 1, 0]]),
        ("outages", [[0, 1, float("inf")]]),
        ("outages", "0:1:2"),
        ("unreachable_servers", [-1]),
        ("pack_time", "next sunday"),
        ("days", 0),
    ],
)
def test_bad_values_name_the_parameter_and_what_is_allowed(name, value):
    with pytest.raises(ParameterError) as caught:
        Params.from_values({name: value})
    message = str(caught.value)
    assert message.startswith(f"{name}=") and "expected" in message
    assert "\n" not in message


def test_unknown_parameter_names_the_nearest_ones_or_where_to_read_them_all():
    with pytest.raises(ParameterError, match=r"^unknown parameter 'retrys': did you mean 'retries'( or '\w+')?\?$"):
        Params.from_values({"retrys": 3})
    with pytest.raises(
        ParameterError,
        match=r"^unknown parameter 'zzz': no parameter is named like it; "
        r"'python -m kbsim params' lists them all$",
    ):
        Params.from_values({"zzz": 3})


def unknown_names():
    """Every way a user can give kbsim a name it does not know, and the words the error must hold."""
    result = kbsim.run("site", days=1)
    return [
        (
            "Params.from_values",
            lambda: Params.from_values({"retrys": 3}),
            "unknown parameter 'retrys': did you mean 'retries'",
        ),
        ("run", lambda: kbsim.run("Q226827", retrys=3), "unknown parameter 'retrys': did you mean 'retries'"),
        ("run preset", lambda: kbsim.run("Q22682"), "unknown preset 'Q22682': did you mean 'Q226827'"),
        ("run variant", lambda: kbsim.run("Q226827", variant="fixed"), "unknown variant 'fixed': expected one of"),
        (
            "Explorer.set",
            lambda: kbsim.explore("Q226827").set(retrys=3),
            "unknown parameter 'retrys': did you mean 'retries'",
        ),
        (
            "explore plots",
            lambda: kbsim.explore("Q226827", plots=("denial_over_time",)),
            "unknown plot 'denial_over_time'",
        ),
        (
            "compare",
            lambda: kbsim.compare({"run": result}, ["denails"]),
            "unknown summary number 'denails': did you mean 'denials'",
        ),
        (
            "plots.show",
            lambda: plots.show(result, "denial_over_time"),
            "unknown plot 'denial_over_time': did you mean 'denials_over_time'",
        ),
        (
            "sweep grid",
            lambda: kbsim.sweep("Q226827", {"retrys": [1, 2]}, 1, executor="serial"),
            "grid: unknown parameter 'retrys': did you mean 'retries'",
        ),
        (
            "sweep overrides",
            lambda: kbsim.sweep("Q226827", {"retries": [1]}, 1, executor="serial", retrys=2),
            "unknown parameter 'retrys': did you mean 'retries'",
        ),
        (
            "CLI --set",
            lambda: parse_settings(["retrys=3"]),
            "--set: unknown parameter 'retrys': did you mean 'retries'",
        ),
        ("logs.render", lambda: kbsim.logs.render(result, "licsrv"), "unknown log 'licsrv': expected one of 'licsrvc'"),
    ]


def test_an_unknown_name_is_one_short_parameter_error_with_the_nearest_names_everywhere():
    for where, call, words in unknown_names():
        with pytest.raises(ParameterError) as caught:
            call()
        message = str(caught.value)
        assert words in message, where
        assert "\n" not in message and len(message) < 160, f"{where}: {message}"
    plt.close("all")


def test_cross_checks_against_the_number_of_servers_and_days():
    with pytest.raises(ParameterError, match=r"outages=.*names server 2.*servers are 0 to 1"):
        Params.from_values({"outages": [[2, 1, 30]]})
    with pytest.raises(ParameterError, match=r"outages=.*after the run ends at 24 h"):
        Params.from_values({"days": 1, "outages": [[0, 30, 30]]})
    with pytest.raises(ParameterError, match=r"unreachable_servers=\[3\]"):
        Params.from_values({"unreachable_servers": [3]})


def test_values_are_normalised():
    params = Params.from_values(
        {
            "outages": [[0, 1, 30]],
            "unreachable_servers": [1, 1],
            "start": "2001-06-02",
            "pack_time": 991533599,
            "retry_delay_min": 10,
        }
    )
    assert params.outages == ((0, 1.0, 30.0),)
    assert params.unreachable_servers == (1,)
    assert params.start == datetime(2001, 6, 2)
    assert params.pack_time == datetime(2001, 6, 3, 1, 59, 59)
    assert isinstance(params.retry_delay_min, float)


@pytest.mark.parametrize(
    "name, text, value",
    [
        ("retries", "3", 3),
        ("instant_balancing", "off", False),
        ("outages", "0:30:45,1:2:3", ((0, 30.0, 45.0), (1, 2.0, 3.0))),
        ("outages", "[[0, 30, 45]]", ((0, 30.0, 45.0),)),
        ("outages", "none", ()),
        ("unreachable_servers", "1,0", (0, 1)),
        ("pack_time", "991533599", datetime(2001, 6, 3, 1, 59, 59)),
        ("mode", "online", "online"),
    ],
)
def test_command_line_text_is_parsed_through_the_declaration(name, text, value):
    assert PARAMETERS[name].parse_text(text) == value


def test_changed_and_repr_read_like_the_call():
    params = Params.from_values({"retries": 3, "mode": "online"})
    assert params.changed() == {"mode": "online", "retries": 3}
    assert repr(params) == "Params(mode='online', retries=3)"
