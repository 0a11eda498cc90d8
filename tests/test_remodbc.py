"""Remodbc.exe's leak, the manager's restarts at the threshold and the hang a failed stop brings (Q245271).

Checked on sites that are not the preset, quiet and busy, on several seeds: the restarts follow the
requests each server answered, a restart that works changes nothing else, a hung server answers nobody
and is left out of balancing until its reboot while 9406 names the failed stop, and the hotfix, SP3 and
SP4 never leak.
"""

import math

import numpy as np
import pandas as pd
import pytest

import kbsim
from kbsim.analysis.logs import licsrvc, status_messages
from kbsim.model.service import STOP_FAILED, WIN32_1061

SEEDS = (1, 2, 3)
#: Sites that are not the preset: a quiet one with a fast leak, a busy one (licences short), one with a
#: low threshold and office hours, and one server alone (nobody to fail over to).
SITES = [
    dict(n_servers=2, n_clients=80, licenses=60, launches_per_day=16.0, days=5, remodbc_leak_kb=60.0),
    dict(n_servers=3, n_clients=120, licenses=20, launches_per_day=12.0, days=4, remodbc_leak_kb=40.0),
    dict(
        n_servers=2,
        n_clients=100,
        licenses=70,
        launches_per_day=16.0,
        office_hours=True,
        days=6,
        remodbc_restart_mb=20.0,
    ),
    dict(n_servers=1, n_clients=60, licenses=40, launches_per_day=16.0, days=4, remodbc_leak_kb=80.0),
]
CASES = [(i, seed) for i in range(len(SITES)) for seed in SEEDS]


def run(site: dict, seed: int, **changes) -> kbsim.Result:
    return kbsim.simulate(kbsim.Params(**{"mode": "online", "service_pack": "SP2", "seed": seed, **site, **changes}))


def same_numbers(one: dict, two: dict, but: str) -> bool:
    return all(v == two[k] or (math.isnan(v) and math.isnan(two[k])) for k, v in one.items() if k != but)


def of(events: pd.DataFrame, *kinds: str) -> pd.DataFrame:
    return events[events["kind"].isin(kinds)]


@pytest.mark.parametrize("i, seed", CASES)
def test_each_restart_comes_at_a_poll_when_its_server_had_answered_enough_requests(i, seed):
    site = SITES[i]
    result = run(site, seed, remodbc_stop_fail_pct=0.0)
    params, events = result.params, result.events
    restarts = of(events, "remodbc_restart")
    assert len(restarts) == result.summary["remodbc_restarts"] > 0
    answered = of(events, "grant", "deny")
    leak_mb, poll = params.remodbc_leak_kb / 1024, params.poll_interval_min
    for server in range(params.n_servers):
        mine = answered.loc[answered["server"] == server, "hours"].to_numpy() * 60
        own = restarts[restarts["server"] == server]
        since = 0.0
        for minute, megabytes in zip(own["hours"].to_numpy() * 60, own["megabytes"].to_numpy()):
            assert minute / poll == pytest.approx(round(minute / poll))  # at one of the manager's polls
            # the requests it answered since its last restart; those at a check's minute come after it
            memory = int(((mine >= since) & (mine < minute)).sum()) * leak_mb
            assert memory >= params.remodbc_restart_mb and megabytes == int(memory)
            # and at the poll before it was still below the threshold
            assert int(((mine >= since) & (mine < minute - poll)).sum()) * leak_mb < params.remodbc_restart_mb
            since = minute
        # after its last restart it never reached the threshold at a poll
        last_poll = math.floor(params.days * 1440 / poll) * poll
        assert int(((mine >= since) & (mine < last_poll)).sum()) * leak_mb < params.remodbc_restart_mb
    assert result.summary["server_hangs"] == 0 and result.summary["hours_hung"] == 0


@pytest.mark.parametrize("i, seed", CASES)
def test_a_restart_that_works_changes_nothing_but_the_record_of_it(i, seed):
    site = SITES[i]
    restarted = run(site, seed, remodbc_stop_fail_pct=0.0)
    fixed = run(site, seed, remodbc_leak_kb=0.0)
    assert restarted.summary["remodbc_restarts"] > 0 and fixed.summary["remodbc_restarts"] == 0
    assert same_numbers(restarted.summary, fixed.summary, but="remodbc_restarts")
    others = restarted.events[restarted.events["kind"] != "remodbc_restart"].reset_index(drop=True)
    words = {"kind": str, "detail": str}
    pd.testing.assert_frame_equal(others.astype(words), fixed.events.astype(words))


@pytest.mark.parametrize("i, seed", CASES)
def test_a_hung_server_answers_nobody_and_is_not_balanced_until_its_reboot(i, seed):
    site = SITES[i]
    result = run(site, seed, remodbc_stop_fail_pct=100.0, hang_reboot_h=6.0)
    params, events, s = result.params, result.events, result.summary
    hangs = of(events, "remodbc_hang")
    assert len(hangs) == s["server_hangs"] == s["remodbc_restarts"] > 0
    assert not len(of(events, "remodbc_restart"))  # every stop failed
    until_h = params.days * 24
    hours = 0.0
    for server, hung_h in zip(hangs["server"], hangs["hours"]):
        reboot_h = hung_h + params.hang_reboot_h
        hours += min(reboot_h, until_h) - hung_h
        during = events[(events["server"] == server) & (events["hours"] >= hung_h) & (events["hours"] < reboot_h)]
        assert not len(of(during, "grant", "deny", "instant_balancing")), "a hung server answers nobody"
        skipped = of(during, "balancing_skipped")
        assert (skipped["reason"].astype(str) == "offline").all()
        state = of(during, "service_state")
        assert state["state"].astype(str).tolist()[:1] == ["hung"]
        polls = result.status[
            (result.status["server"] == server)
            & (result.status["hours"] >= hung_h)
            & (result.status["hours"] < reboot_h)
        ]
        expected = math.ceil((min(reboot_h, until_h) - hung_h) * 60 / params.poll_interval_min - 1e-9)
        assert len(polls) == expected and polls["text"].str.contains(STOP_FAILED).all()
        if reboot_h < until_h:
            back = events[(events["server"] == server) & (events["hours"] == reboot_h)]
            assert {"reboot", "service_state"} <= set(back["kind"])
    assert s["hours_hung"] == pytest.approx(hours)
    if params.n_servers > 1:
        moved = of(events, "failover")
        assert len(moved) and set(moved["from_server"].astype(int)) <= set(hangs["server"])
    else:  # one server alone: while it hangs, clients reach none
        assert s["attempts_no_server"] > 0
    lines = licsrvc(result)
    assert sum("could not be stopped for its restart" in line for line in lines) == len(hangs)
    assert sum(STOP_FAILED in line for line in status_messages(result)) == len(result.status)


@pytest.mark.parametrize("i", range(len(SITES)))
def test_a_longer_wait_for_the_reboot_hangs_servers_longer_and_moves_more_clients(i):
    site = SITES[i]
    quick = [run(site, seed, remodbc_stop_fail_pct=100.0, hang_reboot_h=1.0).summary for seed in SEEDS]
    slow = [run(site, seed, remodbc_stop_fail_pct=100.0, hang_reboot_h=24.0).summary for seed in SEEDS]
    for q, w in zip(quick, slow):
        assert w["hours_hung"] > q["hours_hung"]
        assert w["status_9406"] > q["status_9406"]


@pytest.mark.parametrize("pack", ["SP2+hotfix", "SP3", "SP4"])
@pytest.mark.parametrize("i", range(len(SITES)))
def test_the_hotfix_sp3_and_sp4_do_not_leak_and_the_hotfix_brings_the_pack_hang(pack, i):
    result = run(SITES[i], SEEDS[0], service_pack=pack, remodbc_stop_fail_pct=100.0, days=5)
    assert result.summary["remodbc_restarts"] == result.summary["hours_hung"] == 0
    assert not len(of(result.events, "remodbc_restart", "remodbc_hang", "reboot"))
    if pack == "SP4":
        assert result.summary["status_9406"] == 0
    else:  # the first Sunday's pack leaves the service stopping and still serving (Q299261)
        assert result.summary["status_9406"] > 0 and result.status["text"].str.contains(WIN32_1061).all()


def test_offline_clients_ask_for_nothing_so_nothing_leaks():
    result = run(SITES[0], SEEDS[0], mode="offline", remodbc_stop_fail_pct=100.0)
    assert result.summary["remodbc_restarts"] == 0


def test_the_same_seed_gives_the_same_hangs():
    one, two = (run(SITES[1], 7, remodbc_stop_fail_pct=50.0).events for _ in range(2))
    pd.testing.assert_frame_equal(one, two)
    assert len(of(one, "remodbc_hang"))


def test_an_outage_restarts_remodbc_afresh():
    site = dict(SITES[0], remodbc_stop_fail_pct=0.0)
    plain = run(site, 1)
    first = float(of(plain.events, "remodbc_restart")["hours"].min())
    # server 0 is out for an hour just before its first restart: it comes back with no leak
    server = int(of(plain.events, "remodbc_restart").sort_values("hours")["server"].iloc[0])
    rebooted = run(site, 1, outages=[[server, first - 2.0, 60.0]])
    later = of(rebooted.events, "remodbc_restart")
    assert float(later[later["server"] == server]["hours"].min()) > first


@pytest.mark.parametrize(
    "name, value",
    [("remodbc_restart_mb", 0), ("remodbc_stop_fail_pct", 101), ("hang_reboot_h", 0), ("remodbc_leak_kb", -1)],
)
def test_a_value_out_of_range_is_one_short_error(name, value):
    with pytest.raises(kbsim.ParameterError, match=name) as caught:
        kbsim.Params(**{name: value})
    assert "\n" not in str(caught.value)


def test_the_preset_shows_restarts_hangs_and_the_fix():
    fault, hotfix, fix = (kbsim.run("Q245271", variant=v) for v in ("fault", "hotfix", "fix"))
    assert fault.summary["remodbc_restarts"] > fault.summary["server_hangs"] > 0
    assert fault.summary["failovers"] > 0 and fix.summary["failovers"] == 0
    assert fault.summary["denials"] > fix.summary["denials"]
    assert hotfix.summary["remodbc_restarts"] == 0 and hotfix.summary["status_9406"] > fault.summary["status_9406"]
    assert np.isfinite(fault.summary["hours_hung"])


def test_a_reboot_inside_an_outage_ends_the_hang_but_not_the_outage():
    site = dict(SITES[0], remodbc_stop_fail_pct=100.0, hang_reboot_h=2.0)
    hung = of(run(site, 1).events, "remodbc_hang").iloc[0]
    server, start_h = int(hung["server"]), float(hung["hours"])
    # an outage of that server from an hour into its hang until three hours after its reboot
    result = run(site, 1, outages=[[server, start_h + 1.0, 240.0]])
    events = result.events
    states = of(events, "service_state")
    states = states[(states["server"] == server) & (states["hours"] >= start_h)]
    assert states["state"].astype(str).tolist()[:3] == ["hung", "stopped", "running"]
    assert states["hours"].tolist()[1:3] == [start_h + 2.0, start_h + 5.0]  # stopped at the reboot, up at the end
    polls = result.status[(result.status["server"] == server) & (result.status["hours"] >= start_h + 2.0)]
    assert not polls[polls["hours"] < start_h + 5.0]["text"].str.contains(STOP_FAILED).any()
