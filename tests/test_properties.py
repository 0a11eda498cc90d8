"""Invariants over random sites (hypothesis): conservation, no negatives, time order, determinism."""

import copy
from datetime import timedelta

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from test_articles import check_retry_series

import kbsim
from kbsim import PARAMETERS, SITE_RESERVE
from kbsim.model.clients import ClientAgents
from kbsim.model.kinds import (
    BoolKind,
    ChoiceKind,
    DateTimeKind,
    FloatKind,
    IntKind,
    OutagesKind,
    PackTimeKind,
    ProductKind,
    ServersKind,
)
from kbsim.model.parameters import EARLIEST_START, LATEST_START

#: Where a parameter's declared range would make a run too long for a property test, the part of it drawn:
#: the run's size (days, clients, products, licences, launches) and the cadences that add an event per client
#: per minute or so (config polls, retries with no server up). Every other parameter is drawn over its whole
#: declared range, and every parameter is drawn: a new one is varied here without a word.
NARROWED = {
    "days": (1, 3),
    "n_servers": (1, 4),
    "n_clients": (1, 120),
    "n_products": (1, 3),
    "licenses": (0, 60),
    "launches_per_day": (0, 20),
    "config_poll_min": (15, 600),
    "no_server_retry_s": (30, 3600),
}


def _number(parameter: kbsim.Parameter, values: dict) -> st.SearchStrategy:
    low, high = NARROWED.get(parameter.name, (parameter.low, parameter.high))
    assert parameter.low <= low <= high <= parameter.high, parameter.name
    return st.integers(int(low), int(high)) if isinstance(parameter.kind, IntKind) else st.floats(low, high)


def _outages(parameter: kbsim.Parameter, values: dict) -> st.SearchStrategy:
    days, n_servers = values["days"], values["n_servers"]
    outage = st.tuples(st.integers(0, n_servers - 1), st.floats(0, days * 24 - 0.1), st.floats(1, 600))
    return st.lists(outage, max_size=3)


def _pack_time(parameter: kbsim.Parameter, values: dict) -> st.SearchStrategy:
    """The default (the first Sunday), or a pack in the run or the week after it."""
    run = values["start"]
    return st.one_of(st.none(), st.datetimes(run, run + timedelta(days=values["days"] + 7)))


#: Each kind's values as a declaration allows them (by kind class, :mod:`kbsim.model.kinds`); a server or a time
#: fits the site drawn so far (``values``: the parameters declared before it, its servers and run's length among
#: them). A kind missing here fails test_the_random_sites_draw_every_parameter_and_every_choice, by name.
STRATEGIES = {
    IntKind: _number,
    FloatKind: _number,
    BoolKind: lambda parameter, values: st.booleans(),
    ChoiceKind: lambda parameter, values: st.sampled_from(parameter.choices),
    # the run's start: any minute from 1970 to 2099
    DateTimeKind: lambda parameter, values: st.datetimes(EARLIEST_START, LATEST_START - timedelta(days=61)).map(
        lambda t: t.replace(second=0)
    ),
    OutagesKind: _outages,
    ServersKind: lambda parameter, values: st.lists(st.integers(0, values["n_servers"] - 1), max_size=2),
    ProductKind: lambda parameter, values: st.integers(0, values["n_products"] - 1),
    PackTimeKind: _pack_time,
}


def declared(parameter: kbsim.Parameter, values: dict) -> st.SearchStrategy:
    """Values of ``parameter`` as its declaration allows them (:data:`STRATEGIES`, by its kind's own class)."""
    strategy = STRATEGIES.get(type(parameter.kind))
    if strategy is None:
        raise AssertionError(f"{parameter.name}: no strategy for parameters of kind {parameter.kind.name!r}")
    return strategy(parameter, values)


@st.composite
def sites(draw):
    """A random site: every declared parameter drawn, in the declaration's order."""
    values: dict = {}
    for name, parameter in PARAMETERS.items():
        values[name] = draw(declared(parameter, values))
    return values


def test_the_random_sites_draw_every_parameter_and_every_choice():
    """Every declared parameter is drawn (none left at its default), and every value of a flag or a choice
    can be drawn: chance_peaks=False, callbacks served after launches, each service pack..."""
    once = settings(max_examples=1, phases=[Phase.generate], database=None)
    assert set(find(sites(), lambda v: True, settings=once)) == set(PARAMETERS)
    quick = settings(phases=[Phase.generate], database=None)
    for parameter in PARAMETERS.values():
        options = (False, True) if isinstance(parameter.kind, BoolKind) else parameter.choices
        for option in options:  # what sites() draws for this parameter (a flag or a choice needs no site)
            find(declared(parameter, {}), lambda v, option=option: v == option, settings=quick)


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(sites())
def test_licences_are_conserved_and_never_negative(values):
    result = kbsim.run("site", **values)
    table = result.licenses
    assert (table["free"] >= 0).all() and (table["in_use"] >= 0).all()
    held = table.assign(held=table["free"] + table["in_use"]).groupby(["hours", "product"])["held"].sum()
    assert (held == values["licenses"]).all()
    assert (table.loc[table["server"] == SITE_RESERVE, "in_use"] == 0).all()


@SETTINGS
@given(sites())
def test_every_run_is_accounted_for(values):
    result = kbsim.run("site", **values)
    usage, s = result.usage, result.summary
    kept = usage["reported"] + usage["pending"] + usage["unreported"] + usage["stalled"] + usage["lost_at_reinstall"]
    assert (usage["sessions"] == kept).all()
    assert s["sessions"] == (
        s["sessions_reported"]
        + s["sessions_pending"]
        + s["sessions_unreported"]
        + s["sessions_stalled"]
        + s["sessions_lost_at_reinstall"]
    )
    if s["sessions_lost_at_reinstall"]:
        assert any("lost at reinstall" in note for note in result.notes)
    assert s["requests"] == s["grants"] + s["denials"]
    started = result.events["kind"].isin(["grant", "logged_locally", "callback_granted"]).sum()
    assert started == s["sessions"]
    # every callback asked for is answered, lapses or is still waiting at the end
    assert s["callbacks"] == s["callbacks_granted"] + s["callbacks_lapsed"] + s["callbacks_waiting"]
    assert s["callbacks"] == (result.events["kind"] == "callback").sum() <= s["denials"]
    assert s["callbacks_granted"] == (result.events["kind"] == "callback_granted").sum()
    assert s["callbacks_lapsed"] == (result.events["kind"] == "callback_lapsed").sum()
    if values["mode"] == "offline":
        assert s["requests"] == 0
    # every launch is served (at once or by a callback), never served, metered locally, or stopped by its agent
    # as a forbidden program (Q244906): exactly
    kinds = result.events["kind"]
    assert s["launches"] == kinds.isin(["grant", "deny", "logged_locally", "launch_stopped"]).sum()
    assert s["launches"] == (
        s["runs_served"] + s["runs_never_served"] + s["runs_metered_locally"] + s["launches_stopped"]
    )
    assert s["launches_stopped"] == (kinds == "launch_stopped").sum()
    assert s["runs_served"] == (kinds == "grant").sum() + s["callbacks_granted"]
    assert s["runs_never_served"] == s["denials"] - s["callbacks_granted"] >= 0
    assert s["sessions"] == s["runs_served"] + s["runs_metered_locally"]


@SETTINGS
@given(sites())
def test_licences_are_idle_while_refused_only_where_requests_were_refused(values):
    s = kbsim.run("site", **values).summary
    assert 0 <= s["max_imbalance"] <= s["denials"]  # at most the refusals of one interval
    if s["denials"] == 0:  # licences to spare (or offline): nothing sits in the wrong place
        assert s["max_imbalance"] == 0 and s["imbalance_licence_h"] == 0
    assert (s["max_imbalance"] == 0) == (s["imbalance_licence_h"] == 0)


@SETTINGS
@given(sites())
def test_under_immediate_failover_with_another_server_up_a_client_recovers_at_once(values):
    n_servers = max(2, values["n_servers"])
    outage = values["outages"][:1] or [[0, 1.0, 60.0]]
    values = {
        **values,
        "n_servers": n_servers,
        "failover": "immediate",
        "win9x_fraction": 0.0,
        "mode": "online",
        "outages": outage,  # one server down at a time: another always answers
        "remodbc_stop_fail_pct": 0.0,  # and no Remodbc.exe hang (Q245271) takes down another
        "unreachable_servers": [s for s in values["unreachable_servers"] if s < n_servers],
    }
    s = kbsim.run("site", **values).summary
    assert s["recovery_h_nt"] == 0 or s["recovery_h_nt"] != s["recovery_h_nt"]  # 0, or NaN: no client lost one


@SETTINGS
@given(sites())
def test_events_and_samples_are_in_time_order(values):
    result = kbsim.run("site", **values)
    for table in (result.events, result.licenses, result.status):
        assert table["hours"].is_monotonic_increasing
        assert table["time"].is_monotonic_increasing
        assert (table["hours"] >= 0).all() and (table["hours"] <= values["days"] * 24).all()


@settings(max_examples=10, deadline=None)
@given(sites())
def test_the_same_seed_gives_the_same_results(values):
    first, second = kbsim.run("site", **values), kbsim.run("site", **values)
    assert first.summary.keys() == second.summary.keys()
    for key in first.summary:
        a, b = first.summary[key], second.summary[key]
        assert a == b or (np.isnan(a) and np.isnan(b)), key
    for name in ("events", "licenses", "usage", "status"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name))


def test_a_different_seed_gives_different_launches():
    a, b = kbsim.run("site", seed=1), kbsim.run("site", seed=2)
    assert a.summary["requests"] != b.summary["requests"]


def test_a_run_does_not_change_its_preset():
    """Runs by name, by object and of a variant leave the preset as its file says, variants included."""
    preset = kbsim.get_preset("Q226827")
    before = copy.deepcopy(preset)
    kbsim.run(preset, retries=9, seed=4)
    kbsim.run("Q226827", variant="fix", retries=2, outages=[[1, 3, 30]])
    kbsim.explore("Q226827").set(retries=7, failover="after_retries")
    after = kbsim.get_preset("Q226827")
    assert after is preset  # the one loaded copy, which every run shares...
    assert after == before == kbsim.load_preset(preset.path)  # ...unchanged, field by field, and as in its file


def test_the_preset_comparison_above_notices_a_change():
    """Changing any field of a loaded preset makes it differ from its copy and from its file."""
    preset = kbsim.load_preset(kbsim.get_preset("Q226827").path)
    before = copy.deepcopy(preset)
    object.__setattr__(preset.variants["fix"], "retries", 9)
    assert preset != before and preset != kbsim.load_preset(preset.path)


# --- outages: any valid list, however they fall (issue 25, item 8) -------------------------------------------------


@st.composite
def outage_sites(draw):
    """A small online site with a valid outage list drawn to meet the awkward cases: several outages per
    server, overlapping ones (the declaration allows them), back-to-back ones (one ends at the minute the next
    starts), long ones running past the run's end, and every server out at once."""
    n_servers = draw(st.integers(1, 3))
    days = draw(st.integers(1, 2))
    hours = days * 24
    # quarter-hours and 15-minute lengths make back-to-back outages meet exactly; free floats fall anywhere
    start = st.one_of(st.integers(0, hours * 4 - 1).map(lambda q: q / 4), st.floats(0, hours - 0.01))
    length = st.one_of(
        st.integers(1, hours * 4 * 2).map(lambda q: q * 15.0),  # up to twice the run, so some run past its end
        st.floats(0.5, 240),
    )
    outages = []
    for _ in range(draw(st.integers(1, 5))):
        server, start_h, minutes = draw(st.integers(0, n_servers - 1)), draw(start), draw(length)
        outages.append([server, start_h, minutes])
        if draw(st.booleans()) and start_h + minutes / 60 < hours:  # the same server out again from its return
            outages.append([server, start_h + minutes / 60, draw(length)])
    if draw(st.booleans()):  # every server out at once for a while
        start_h, minutes = draw(start), draw(length)
        outages += [[server, start_h, minutes] for server in range(n_servers)]
    outages = draw(st.permutations(outages))
    return dict(
        seed=draw(declared(PARAMETERS["seed"], {})),
        days=days,
        n_servers=n_servers,
        n_clients=draw(st.integers(1, 40)),
        n_products=draw(st.integers(1, 2)),
        licenses=draw(st.integers(0, 30)),
        launches_per_day=draw(st.floats(1, 12)),
        mode="online",
        failover=draw(st.sampled_from(["immediate", "after_retries"])),
        retries=draw(st.integers(1, 4)),
        retry_delay_min=draw(st.floats(5, 60)),
        no_server_retry_s=draw(st.floats(300, 3600)),
        outages=outages,
        win9x_fraction=draw(st.floats(0, 1)),
        ccim_interval_h=draw(st.floats(1, 24)),
        users_restart=draw(st.booleans()),
        restart_after_h=draw(st.floats(0, 6)),
        install_h=draw(st.floats(-24, hours)),
        install_spread_h=draw(st.floats(0, 24)),
        win9x_retry_s=draw(st.floats(300, 3600)),
        reinstall_h=draw(st.one_of(st.just(1000.0), st.floats(0, hours))),
        skewed_fraction=draw(st.floats(0, 1)),
        callback_share=draw(st.floats(0, 1)),
    )


def test_two_outages_of_one_server_a_restart_apart_do_not_crash():
    """Issue 25, item 8: a Windows 95/98 client stranded by a first outage had its CCIM wake-up still noted
    after it reconnected; stranded again by a second outage after that minute, its batched retries took the
    stale minute for their horizon and asked for a negative number of retries."""
    result = kbsim.run("Q212894", seed=1, n_servers=1, outages=[[0, 10.0, 60.0], [0, 14.0, 3000.0]])
    assert result.summary["attempts_no_server"] > 0
    check_retry_series(result)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(outage_sites())
def test_any_valid_outage_list_runs_conserves_and_batches_retries_exactly(values):
    """Every valid outage list runs to its end, conserves licences and runs, and the batched failing retries
    (clients.ClientAgents._fail_retries) give the same run, event for event, as retries run one at a time."""
    result = kbsim.run("site", **values)
    check_conserved(result, values)
    if values["reinstall_h"] >= values["days"] * 24:  # the check reads the cadence from the first CCIM cycle
        check_retry_series(result, at_least=0)
    ClientAgents.batch_retries = False
    try:
        one_at_a_time = kbsim.run("site", **values)
    finally:
        ClientAgents.batch_retries = True
    events = result.events.sort_values(["time", "client", "kind"], kind="stable").reset_index(drop=True)
    others = one_at_a_time.events.sort_values(["time", "client", "kind"], kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(events, others)
    for key, value in result.summary.items():
        assert value == one_at_a_time.summary[key] or (np.isnan(value) and np.isnan(one_at_a_time.summary[key])), key


def check_conserved(result, values):
    """No licence created or lost, none negative, every run counted once."""
    table = result.licenses
    assert (table["free"] >= 0).all() and (table["in_use"] >= 0).all()
    held = table.assign(held=table["free"] + table["in_use"]).groupby(["hours", "product"])["held"].sum()
    assert (held == values["licenses"]).all()
    usage, s = result.usage, result.summary
    kept = usage["reported"] + usage["pending"] + usage["unreported"] + usage["stalled"] + usage["lost_at_reinstall"]
    assert (usage["sessions"] == kept).all()
    assert s["requests"] == s["grants"] + s["denials"]
    started = result.events["kind"].isin(["grant", "logged_locally", "callback_granted"]).sum()
    assert started == s["sessions"]
