"""Client agents worked by hand: a tiny site, a few clients, launches at known times.

Q212894: a Windows 95/98 client knows one server from its install until its first CCIM cycle or a
restart, then fails over like Windows NT; a restart runs a cycle and the CCIM clock counts from it.
Q213261: the upload state is the clock at install; a clock correction alone changes nothing; a
reinstall after it resumes uploads and deletes what the offline log held.
"""

import dataclasses

import numpy as np
import pandas as pd
import pytest

import kbsim
from kbsim import Params
from kbsim.model.clients import ClientAgents
from kbsim.model.events import Scheduler
from kbsim.model.launches import Launches, draw_clients
from kbsim.model.licenses import LicenseLedger
from kbsim.model.outages import Outages
from kbsim.model.record import EventLog
from kbsim.model.report import report
from kbsim.model.site import Site, streams

H = 60.0  # minutes in an hour


def run_by_hand(launches, poll_phase_min=None, **values):
    """A site whose launches are ``[(hour, client), ...]`` (product 0, 30 minutes each), run to the end."""
    by_hand = Launches.of(
        [h * H for h, _ in launches], [c for _, c in launches], [0] * len(launches), [30.0] * len(launches)
    )
    params = Params(**values)
    clients = None
    if poll_phase_min is not None:  # the clients as drawn, each with its first configuration poll at poll_phase_min
        rng = streams(params)
        drawn = draw_clients(params, rng["clients"], rng["phases"])
        clients = dataclasses.replace(drawn, poll_phase_min=np.full(params.n_clients, poll_phase_min))
    site = Site(params, launches=by_hand, clients=clients)
    return site, report(site.run())


# Two Windows 95/98 clients whose home is server 0, installed at the run's start; server 0 is down
# from 10 h to 40 h. The first CCIM cycle of both comes at 23 h.
WIN9X = dict(
    mode="online",
    n_servers=2,
    n_clients=2,
    licenses=10,
    demand_skew=1.0,
    win9x_fraction=1.0,
    install_h=0.0,
    install_spread_h=0.0,
    outages=[[0, 10.0, 1800.0]],
    days=2,
    service_pack="SP4",
)


def kinds(result, client):
    events = result.events[result.events["client"] == client]
    shown = ["contact_failed", "failover", "rebind", "restart", "reconnect", "grant", "deny"]
    return events.loc[events["kind"].isin(shown), ["hours", "kind", "server"]].values.tolist()


def test_q212894_bound_until_the_first_ccim_cycle_after_install_then_like_windows_nt():
    _site, result = run_by_hand([(12, 0), (24, 0), (30, 1)], **WIN9X)
    assert result.usage["first_ccim_h"].tolist() == [23.0, 23.0]
    # client 0 fails at 12 h, keeps retrying server 0 once a minute, and is rebound at its first cycle
    assert kinds(result, 0) == [
        [12.0, "contact_failed", 0],
        [23.0, "rebind", 1],
        [23.0, "reconnect", 1],
        [24.0, "grant", 1],
    ]
    retries = result.events[(result.events["kind"] == "retry") & (result.events["client"] == 0)]
    assert len(retries) == 659 and set(retries["server"]) == {0}  # 12:01 to 22:59
    assert np.allclose(np.diff(retries["hours"].to_numpy()) * H, 1.0)
    # client 1 fails at 30 h, after its first cycle: it fails over at once, like Windows NT
    assert kinds(result, 1) == [[30.0, "contact_failed", 0], [30.0, "failover", 1], [30.0, "grant", 1]]
    # recovery: client 0 cut off from 12 h to its rebind at 23 h (11 h), client 1 failed over at once (0 h)
    assert result.summary["recovery_h_win9x"] == pytest.approx((11.0 + 0.0) / 2)


def test_q212894_installed_more_than_a_cycle_before_the_run_the_clients_start_cured():
    _, result = run_by_hand([(12, 0)], **{**WIN9X, "install_h": -30.0})
    assert result.usage["first_ccim_h"].tolist() == [-7.0, -7.0]
    assert kinds(result, 0) == [[12.0, "contact_failed", 0], [12.0, "failover", 1], [12.0, "grant", 1]]


def test_q212894_the_windows_95_98_cadence_does_not_follow_the_failover_switch():
    _, result = run_by_hand([(12, 0), (30, 1)], **{**WIN9X, "failover": "after_retries", "retry_delay_min": 15.0})
    retries = result.events[result.events["kind"] == "retry"]
    bound = retries[retries["client"] == 0]
    assert len(bound) == 659  # still once a minute while bound, not every 15 minutes
    # client 1, past its first cycle, follows the configured retries: its one retry after 15 minutes moves it
    assert kinds(result, 1) == [[30.0, "contact_failed", 0], [30.25, "failover", 1], [30.25, "reconnect", 1]]
    assert result.events.query("client == 1 and kind == 'failover'")["detail"].tolist() == [
        "moved from SWM0 after 1 retries"
    ]


def test_q212894_a_restart_runs_a_cycle_and_the_ccim_clock_counts_from_it():
    site, result = run_by_hand([(12, 0)], **{**WIN9X, "users_restart": True, "restart_after_h": 2.0})
    assert kinds(result, 0) == [
        [12.0, "contact_failed", 0],
        [14.0, "restart", 0],
        [14.0, "rebind", 1],
        [14.0, "reconnect", 1],
    ]
    assert result.usage["first_ccim_h"].tolist() == [14.0, 23.0]  # client 1 never restarted
    agents = site.agents
    assert agents.next_ccim_min(0, 14 * H + 1) == (14 + 23) * H  # the next cycle counts from the restart
    assert agents.next_ccim_min(1, 14 * H + 1) == 23 * H  # from the install
    assert agents.restarts == 1


def test_q212894_a_restart_left_for_later_than_the_cycle_never_happens():
    _, result = run_by_hand([(12, 0)], **{**WIN9X, "users_restart": True, "restart_after_h": 20.0})
    assert "restart" not in set(result.events["kind"])
    assert result.usage["first_ccim_h"].tolist() == [23.0, 23.0]


# One offline client whose clock is 4 hours behind, installed at the run's start; it polls at
# 0.5 h, 4.5 h, 8.5 h... and runs programs at 1, 5, 15, 25 and 30 h.
SKEWED = dict(
    mode="offline",
    n_servers=1,
    n_clients=1,
    skewed_fraction=1.0,
    clock_offset_min=240.0,
    clock_threshold_min=60.0,
    install_h=0.0,
    install_spread_h=0.0,
    days=2,
    service_pack="SP2",
)
RUNS = [(1, 0), (5, 0), (15, 0), (25, 0), (30, 0)]


def usage_row(result):
    return result.usage.loc[0, ["sessions", "reported", "pending", "unreported", "lost_at_reinstall"]].tolist()


def test_q213261_a_clock_set_right_during_the_run_does_not_resume_uploads():
    _, result = run_by_hand(RUNS, poll_phase_min=30.0, **SKEWED, clock_sync_h=10.0)
    assert usage_row(result) == [5, 0, 0, 5, 0]
    assert result.events.query("kind == 'clock_sync'")["hours"].tolist() == [10.0]
    assert any("did not help" in note for note in result.notes)


def test_q213261_a_reinstall_after_the_correction_resumes_uploads_and_loses_the_held_runs():
    _, result = run_by_hand(RUNS, poll_phase_min=30.0, **SKEWED, clock_sync_h=10.0, reinstall_h=20.0)
    # runs at 1, 5 and 15 h were held and go with the client software at 20 h; 25 h goes up at 28.5 h,
    # 30 h at 32.5 h
    assert usage_row(result) == [5, 2, 0, 0, 3]
    assert result.events.query("kind == 'upload'")["hours"].tolist() == [28.5, 32.5]
    assert result.events.query("kind == 'reinstall'")["detail"].tolist() == [
        "client software removed and installed again; 3 runs in the offline log deleted"
    ]
    assert any("lost at reinstall" in note for note in result.notes)


def test_q213261_a_reinstall_before_the_correction_installs_the_fault_again():
    _, result = run_by_hand(RUNS, poll_phase_min=30.0, **SKEWED, clock_sync_h=30.0, reinstall_h=20.0)
    assert usage_row(result) == [5, 0, 0, 2, 3]
    assert any("installed the same fault again" in note for note in result.notes)


@pytest.mark.parametrize(
    "service_pack, fixed_in, held",
    [
        *((pack, "none", 5) for pack in ("SP2", "SP2+hotfix", "SP3", "SP4")),  # no source names a fix
        ("SP2+hotfix", "SP3", 5),
        ("SP3", "SP3", 0),
        ("SP3", "SP4", 5),
        ("SP4", "SP4", 0),
    ],
)
def test_q213261_applies_at_every_pack_unless_a_fix_is_assumed(service_pack, fixed_in, held):
    values = {**SKEWED, "service_pack": service_pack, "clock_fault_fixed_in": fixed_in}
    _, result = run_by_hand(RUNS, poll_phase_min=30.0, **values)
    assert usage_row(result)[3] == held


# --- the agents on their own: a clock, an event record, a ledger, outages and a stand-in for the callbacks


class Heard:
    """Stands in for the callbacks: remembers the refused users it is told of."""

    def __init__(self):
        self.callbacks = []

    def refused(self, launch, client, key):
        self.callbacks.append((launch, client, key))


class Services:
    def server_down(self, server):
        pass

    def server_up(self, server):
        pass


def agents_alone(launches, outages=(), free=(1, 1), **values):
    """Agents of two Windows NT clients homed on server 0, one product; ``launches`` are (minute, client, run
    minutes). Runs to the end; returns the agents, the event frame, what the callbacks heard and the ledger."""
    base = dict(mode="online", n_servers=2, n_clients=2, days=1, win9x_fraction=0.0, install_h=0.0)
    params = Params(**{**base, **values})
    scheduler, log, heard = Scheduler(), EventLog(), Heard()
    ledger = LicenseLedger(2, 1, sum(free), 0.0, [1.0, 1.0])
    ledger.free[:] = list(free)
    servers = Outages(2, outages, scheduler, log, Services())
    by_hand = Launches.of(
        [t for t, _, _ in launches], [c for _, c, _ in launches], [0] * len(launches), [d for *_, d in launches]
    )
    log.set_launches(*by_hand.arrays())
    home = np.zeros(2, dtype=np.int64)
    agents = ClientAgents(
        params,
        by_hand,
        home,
        np.zeros(2, dtype=bool),
        np.zeros(2),
        [[0, 1], [0, 1]],
        scheduler=scheduler,
        log=log,
        ledger=ledger,
        servers=servers,
        callbacks=heard,
        reinstall_at=np.inf,
        until=1440.0,
    )
    servers.start()
    scheduler.run(1440.0, by_hand.time.tolist(), agents.online_launches())
    events = log.to_frame(pd.Timestamp("2001-06-01"))
    return agents, events, heard, ledger


def rows(events, client=None):
    chosen = events if client is None else events[events["client"] == client]
    servers = chosen["server"].fillna(-1).astype(int).tolist()
    return list(zip((chosen["hours"] * H).round(6).tolist(), chosen["kind"].astype(str), servers))


def test_a_launch_takes_a_free_licence_until_its_run_ends_and_a_refusal_is_counted_for_license_metering():
    agents, events, heard, ledger = agents_alone(
        [(10.0, 0, 30.0), (20.0, 1, 30.0), (40.0, 1, 30.0)], free=(1, 5), callback_share=0.5
    )
    assert rows(events) == [(10.0, "grant", 0), (20.0, "deny", 0), (40.0, "grant", 0)]  # freed at 40, first in
    assert ledger.refusals == [1, 0] and heard.callbacks == [(1, 1, 0)]  # launch 1, client 1, key (0, 0)
    assert (agents.grants, agents.denials, agents.attempts) == (2, 1, 3)
    assert ledger.free == [1, 5] and ledger.in_use == [0, 0]  # every run ended: every licence back


def test_without_callbacks_a_refused_user_is_never_offered_one():
    _, _, heard, ledger = agents_alone([(10.0, 0, 30.0), (20.0, 1, 30.0)], callback_share=0.0)
    assert ledger.refusals == [1, 0] and heard.callbacks == []


def test_immediate_failover_moves_the_client_at_once_and_its_request_goes_to_the_other_server():
    agents, events, _, _ = agents_alone([(90.0, 0, 30.0)], outages=[(0, 1.0, 60.0)], failover="immediate")
    assert rows(events, client=0) == [(90.0, "contact_failed", 0), (90.0, "failover", 1), (90.0, "grant", 1)]
    assert agents.bound == [1, 1] and agents.server == [1, 0] and agents.failovers == 1
    assert agents.attempts == 2
    client, hours = agents.recovery_h()
    assert client.tolist() == [0] and hours.tolist() == [0.0]  # connected to a server that answers at once


def test_after_retries_the_client_meters_locally_retries_and_stays_when_its_server_comes_back():
    agents, events, _, _ = agents_alone(
        [(70.0, 0, 30.0), (100.0, 0, 30.0), (150.0, 0, 30.0)],
        outages=[(0, 1.0, 60.0)],
        failover="after_retries",
        retries=3,
        retry_delay_min=30.0,
    )
    assert rows(events, client=0) == [
        (70.0, "contact_failed", 0),
        (70.0, "logged_locally", -1),
        (100.0, "retry", 0),  # the first retry, 30 min on: still down
        (100.0, "logged_locally", -1),  # stranded: it meters locally without asking
        (130.0, "reconnect", 0),  # back at 120 min: the second retry finds it
        (150.0, "grant", 0),
    ]
    assert agents.failovers == 0 and agents.bound == [2, 0]
    client, hours = agents.recovery_h()
    assert client.tolist() == [0] and hours.tolist() == [1.0]  # cut off from 70 to 130 min: its retry's schedule


def test_attempts_while_no_server_is_up_are_counted():
    agents, events, _, _ = agents_alone(
        [(70.0, 0, 30.0)], outages=[(0, 1.0, 60.0), (1, 1.0, 60.0)], failover="immediate", no_server_retry_s=600
    )
    assert rows(events, client=0)[:3] == [(70.0, "contact_failed", 0), (70.0, "logged_locally", -1), (80.0, "retry", 0)]
    # both servers tried at 70 min and at each retry every 10 minutes until 120, when server 0 answers
    assert (agents.attempts_no_server, agents.attempts) == (10, 11)
    client, hours = agents.recovery_h()
    assert client.tolist() == [0] and hours.tolist() == [(120.0 - 70.0) / H]  # until the outage's end


def test_recovery_counts_each_loss_and_a_client_still_cut_off_counts_to_the_end():
    # client 0 loses server 0 twice (two outages); client 1 loses it in the second; neither server is back by the end
    agents, _, _, _ = agents_alone(
        [(70.0, 0, 5.0), (400.0, 0, 5.0), (410.0, 1, 5.0)],
        outages=[(0, 1.0, 60.0), (0, 6.5, 2000.0), (1, 1.0, 1440.0)],
        failover="after_retries",
        retries=2,
        retry_delay_min=30.0,
    )
    client, hours = agents.recovery_h()
    assert client.tolist() == [0, 0, 1]
    # 70 -> 130 (the retry after the return at 120); 400 and 410 -> the run's end at 1440 (no server back)
    assert hours.tolist() == [1.0, (1440.0 - 400.0) / H, (1440.0 - 410.0) / H]


# Q213167: clients do not use the retry setting. Fixed (after_retries) Windows NT clients move exactly retries x
# retry_delay_min after their failed contact, across the retry widgets' whole ranges; buggy ones at once.
RETRY_SETTINGS = [(1, 1.0), (1, 60.0), (4, 15.0), (13, 7.0), (37, 2.0), (100, 1.0), (100, 60.0)]


@pytest.mark.parametrize("seed", (1, 2, 3))
@pytest.mark.parametrize("retries, delay", RETRY_SETTINGS)
def test_q213167_fixed_clients_move_after_exactly_their_retries_and_buggy_ones_at_once(retries, delay, seed):
    wait = retries * delay
    # Server 0 out from hour 2 for longer than the wait and then some; busy: 20 licences for 120 clients.
    site = dict(
        mode="online",
        n_servers=3,
        n_clients=120,
        licenses=20,
        launches_per_day=24,
        mean_session_min=30,
        demand_skew=0.6,
        days=max(1, int((2 * 60 + wait + 180) // 1440) + 1),
        outages=[[0, 2.0, wait + 120.0]],
        retries=retries,
        retry_delay_min=delay,
        win9x_fraction=0.0,
        seed=seed,
    )
    fixed = kbsim.simulate(Params(**site, failover="after_retries"))
    buggy = kbsim.simulate(Params(**site, failover="immediate"))
    table = kbsim.failover_delays({"buggy": buggy, "fixed": fixed})
    moved = kbsim.minutes_to_move(fixed)
    assert len(moved) > 0 and moved["minutes"].to_numpy() == pytest.approx(wait, abs=1e-6)
    assert table.loc["fixed", "failovers"] == len(moved) == fixed.summary["failovers"]
    assert table.loc["fixed", "configured_wait_min"] == pytest.approx(wait)
    assert table.loc["buggy", "failovers"] == buggy.summary["failovers"] > 0
    assert table.loc["buggy", "most_min"] == 0.0


def test_failover_delays_names_bad_input():
    with pytest.raises(kbsim.ParameterError, match="results"):
        kbsim.failover_delays({"x": 3})
