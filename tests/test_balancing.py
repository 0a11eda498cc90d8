"""Balancing, worked by hand: licence targets, one cycle's allocation, the trend, on-demand moves, callbacks."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import kbsim
from kbsim.model.balancing import Balancer, Trend, allocate, chance_shares, even_out, expected_hours, licence_targets
from kbsim.model.callbacks import Callbacks
from kbsim.model.events import Scheduler
from kbsim.model.licenses import LicenseLedger
from kbsim.model.parameters import Params
from kbsim.model.record import EventLog

from fakes import Servers

# --- licence targets: each licence where it would be used for the most hours ------------------


def test_targets_cover_every_peak_when_there_are_licences_enough():
    demand = np.array([[4.0, 4.0, 4.0], [0.0, 6.0, 6.0]])
    assert licence_targets(demand, 10).tolist() == [4.0, 6.0]
    assert licence_targets(demand, 14).tolist() == [4.0, 6.0]  # a surplus is not demand's to place


def test_short_of_licences_the_busiest_hours_come_first():
    # server 0 needs 4 for all three hours, server 1 needs 6 for two of them: 4 licences of
    # server 0 are used 3 hours each, so they come before server 1's, used 2 hours each
    demand = np.array([[4.0, 4.0, 4.0], [0.0, 6.0, 6.0]])
    assert licence_targets(demand, 8).tolist() == [4.0, 4.0]
    assert licence_targets(demand, 3).tolist() == [3.0, 0.0]


def test_one_hour_targets_follow_demand():
    assert licence_targets(np.array([[1.0], [3.0]]), 2).tolist() == [0.5, 1.5]
    assert licence_targets(np.array([[1.0], [3.0]]), 8).tolist() == [1.0, 3.0]


def test_a_cycle_gives_the_floor_then_fills_shortfalls_and_the_reserve_takes_what_is_left():
    # pool: reserve 2 + free 2 + 2 + 0 = 6; floors 1 each; 3 left. Demand 1, 1, 2 is met by what the
    # servers hold (floors and licences in use): no shortfall, so the reserve keeps ceil(10% of 6) = 1
    # and the 2 beyond it follow the demand, 1:1:2 (largest remainder)
    free, kept = allocate([2, 2, 0], [0, 4, 6], 2, 10.0, 1, np.array([[1.0], [1.0], [2.0]]))
    assert (free, kept) == ([2, 1, 2], 1)
    assert sum(free) + kept == 6  # nothing created or lost
    # demand 9, 5, 8: shortfalls 8, 0, 1 take 9 of the 9 left over the floors; the reserve gets none
    free, kept = allocate([10, 0, 0], [0, 4, 6], 2, 10.0, 1, np.array([[9.0], [5.0], [8.0]]))
    assert (free, kept) == ([9, 1, 2], 0)


def test_a_surplus_fills_the_reserve_up_to_its_share_and_the_rest_follows_demand():
    # 100 free, demand 1 and 3: targets are the peaks; the reserve keeps 10, the other 86 follow 1:3
    free, kept = allocate([50, 50], [0, 0], 0, 10.0, 0, np.array([[1.0], [3.0]]))
    assert kept == 10 and free == [1 + 22, 3 + 64]


def test_licences_in_use_never_move():
    free, kept = allocate([0, 5], [10, 0], 0, 1.0, 0, np.array([[0.0], [1.0]]))
    assert free == [0, 4] and kept == 1  # server 0 is far over its target, but what it holds is in use


# --- planning for chance peaks: demand Poisson about the trend -------------------------------------


def test_a_licence_is_worth_the_hours_it_is_expected_to_be_in_use():
    # mean 1 for two hours: the first licence is in use when one or more are wanted, 1 - e^-1 of each hour
    worth = expected_hours(np.array([[1.0, 1.0], [0.0, 0.0]]), 2)
    assert np.allclose(worth[0], [2 * (1 - np.exp(-1)), 2 * (1 - 2 * np.exp(-1))])
    assert worth[1].tolist() == [0.0, 0.0]  # no demand, no use
    assert expected_hours(np.zeros((2, 3)), 4).tolist() == [[0.0] * 4] * 2  # nor on any server


def test_each_licence_goes_where_it_is_expected_to_be_in_use_longest():
    worth = expected_hours(np.array([[1.0], [3.0]]), 4)
    # server 1's first two (0.95 and 0.80 of the hour) come before server 0's first (0.63)
    assert chance_shares(worth, [0, 0], 2) == [0, 2]
    # holding two, server 1's third is worth 1 - 8.5 e^-3 = 0.58 of the hour: server 0's first comes first
    assert chance_shares(worth, [0, 2], 1) == [1, 0]
    # licences nobody is expected to use even out the holdings: 3 to server 1, then one each
    assert chance_shares(expected_hours(np.zeros((2, 1)), 8), [3, 0], 5) == [1, 4]


def test_licences_nobody_expects_to_use_even_out_the_holdings_fewest_first():
    assert even_out([3, 0, 0], 5) == [3, 3, 2]  # the two empty servers up to 2 each, the fifth to the first of them
    assert even_out([1, 4], 0) == [1, 4]
    assert even_out([0, 0, 0], 3000) == [1000, 1000, 1000]
    assert even_out([], 4) == []  # no server reached: nothing to hold them
    rng = np.random.default_rng(5)
    for _ in range(200):  # one at a time, each to a server holding fewest (ties to the first), as the rule says
        held, licences = rng.integers(0, 20, size=int(rng.integers(1, 6))).tolist(), int(rng.integers(0, 80))
        one_by_one = list(held)
        for _ in range(licences):
            one_by_one[one_by_one.index(min(one_by_one))] += 1
        assert even_out(held, licences) == one_by_one


def test_planning_for_chance_peaks_a_cycle_fills_the_wanted_licences_first():
    # mean demand 1 and 3: server 0 wants 4 licences (the 4th is in use 1.9 % of the hour, the 5th 0.4 %),
    # server 1 wants 8; the 6 of the pool cannot cover that, so the reserve keeps none and they go in order
    # of expected use: 0.95 and 0.80 (server 1), 0.63 (server 0), 0.58 and 0.35 (server 1), 0.26 (server 0)
    free, kept = allocate([3, 3], [0, 0], 0, 10.0, 0, np.array([[1.0], [3.0]]), chance=True, wanted=0.01)
    assert (free, kept) == ([2, 4], 0)
    # with licences to spare the reserve keeps its share, ceil(10 % of 20) = 2; a server nobody uses gets none
    free, kept = allocate([10, 10], [0, 0], 0, 10.0, 0, np.array([[0.0], [3.0]]), chance=True, wanted=0.01)
    assert (free, kept) == ([0, 18], 2)


def test_planning_for_chance_peaks_one_busy_hour_does_not_claim_licences_for_a_whole_day():
    # a day's plan: server 0 wants 16 in its first hour (the hour under way) and 2 after; server 1 wants
    # 8 for ten office hours. Taken as exact, the busiest hours rank first: server 0 gets its 16 for the
    # whole day and server 1 exactly its mean, short whenever chance lifts it. Planning for chance,
    # server 1's 9th to 12th licences would be in use 4.1, 2.8, 1.8 and 1.1 hours, more than the
    # hour or so each of server 0's 13th to 16th would: 12 each
    demand = np.zeros((2, 24))
    demand[0, 0], demand[0, 1:], demand[1, 8:18] = 16.0, 2.0, 8.0
    assert allocate([12, 12], [0, 0], 0, 10.0, 0, demand) == ([16, 8], 0)
    assert allocate([12, 12], [0, 0], 0, 10.0, 0, demand, chance=True, wanted=0.01) == ([12, 12], 0)


# --- the trend ----------------------------------------------------------------------------------


def test_the_trend_keeps_demand_by_hour_of_day():
    trend = Trend(n_servers=2, n_products=1, slot_min=60)
    assert trend.hours_of(0, 120, [0]) == [None]  # nothing recorded yet
    for day in range(3):
        for server, at_9, at_10 in ((0, 4.0, 1.0), (1, 0.0, 1.0)):
            minutes = [day * 1440 + 9 * 60, day * 1440 + 10 * 60]
            trend.record_many(minutes, [server, server], np.array([[at_9 + 0.1 * day], [at_10 + 0.1 * day]]))
    assert trend.hours_of(9 * 60, 180, [0]) == [None]  # 11:00 has no record
    # the servers differ far beyond their day-to-day noise at 09:00: each keeps its own mean
    nine_to_eleven = trend.hours_of(9 * 60, 120, [0])[0]
    assert nine_to_eleven.shape == (1, 2) and nine_to_eleven[0, 0] > 3.5


def test_a_trend_of_servers_whose_clients_used_nothing_expects_nothing():
    trend = Trend(n_servers=2, n_products=2, slot_min=60)
    trend.record_many([9 * 60, 9 * 60], [0, 1], np.zeros((2, 2)))  # offline clients: nothing ever in use
    assert [h.tolist() for h in trend.hours_of(9 * 60, 60, [0, 1])] == [[[0.0], [0.0]]] * 2
    assert trend.hours_of(9 * 60, 120, [0, 1]) == [None, None]  # 10:00 still has no record


def test_records_taken_together_sum_as_the_same_records_one_by_one():
    """License Metering folds its cycles into the trend when it reads it: the sums must be bit for bit those
    of recording each cycle as it happens (the same additions in the same order, repeated slots included)."""
    rng = np.random.default_rng(3)
    minutes = [float(m) for m in rng.integers(0, 3 * 1440, 200)]
    servers = [int(s) for s in rng.integers(0, 3, 200)]
    per_client = rng.random((200, 2)) / 7
    one_by_one, together = Trend(3, 2, 60), Trend(3, 2, 60)
    for m, s, row in zip(minutes, servers, per_client):
        one_by_one.record_many([m], [s], row[None, :])
    together.record_many(minutes, servers, per_client)
    for name in ("total", "squares", "count"):
        assert np.array_equal(getattr(one_by_one, name), getattr(together, name)), name
    assert np.array_equal(together.hours_of(600, 240, [0, 1, 2])[2], one_by_one.hours_of(600, 240, [2])[0])


def test_a_trend_that_differs_by_chance_only_leans_on_the_sites():
    """Three servers with the same true demand: each estimate lies between its own mean and the site's,
    and over many draws most of the chance difference is shrunk away."""
    own_gaps, shrunk_gaps = [], []
    for seed in range(20):
        rng = np.random.default_rng(seed)
        trend = Trend(n_servers=3, n_products=1, slot_min=60)
        for day in range(3):
            for server in range(3):
                trend.record_many([day * 1440 + 9 * 60], [server], rng.normal(1.0, 0.3, size=(1, 1)))
        site = trend.total[:, 0, 9].sum() / trend.count[:, 0, 9].sum()
        for server in range(3):
            own = trend.total[server, 0, 9] / trend.count[server, 0, 9]
            estimate = trend.hours_of(9 * 60, 60, [server])[0][0, 0]
            assert min(own, site) - 1e-12 <= estimate <= max(own, site) + 1e-12
            own_gaps.append(abs(own - site))
            shrunk_gaps.append(abs(estimate - site))
    assert np.mean(shrunk_gaps) < 0.5 * np.mean(own_gaps)


# --- the License Metering thread on its own: a ledger, a clock, servers up, callbacks ----------------


def metering(**values):
    """License Metering over three servers (or ``n_servers``) of one product, ten clients bound to each, and its
    callbacks."""
    base = dict(mode="online", n_servers=3, n_clients=30, licenses=30, days=1, reserve_pct=10, min_licenses=1, buffer=2)
    params = Params.from_values({**base, **values})
    scheduler, log = Scheduler(), EventLog()
    n = params.n_servers
    ledger = LicenseLedger(n, 1, params.licenses, params.reserve_pct, [1.0] * n)
    servers, bound = Servers(n), [10] * n

    def start(launch, client, server, product):  # stands in for the agents: the user starts the program
        ledger.free[server] -= 1
        ledger.in_use[server] += 1

    callbacks = Callbacks(params, np.random.default_rng(1), scheduler, log, ledger, start)
    balancer = Balancer(params, scheduler, log, ledger, servers, bound, callbacks)
    return SimpleNamespace(
        balancer=balancer,
        callbacks=callbacks,
        ledger=ledger,
        servers=servers,
        scheduler=scheduler,
        log=log,
        bound=bound,
    )


def frame(log):
    return log.to_frame(pd.Timestamp("2001-06-01"))


def test_before_a_trend_exists_the_clients_bound_are_a_weight_not_a_demand():
    """With no trend yet, a cycle splits by the clients bound to each server whether or not it plans for
    chance peaks: 40 and 80 clients are not 40 and 80 licences wanted at once."""
    held = []
    for chance in (False, True):
        s = metering(n_clients=120, demand_skew=0.0, n_servers=2, chance_peaks=chance)
        s.bound[:] = [40, 80]
        assert not s.balancer.expected_demand(0.0, [0, 1])[1]  # not from a trend
        s.balancer._balance(0.0, delay=0.0)
        held.append(s.ledger.free[:])
    assert held[0] == held[1] == [10, 20]  # the 30 licences, reserve and free, 1:2


def test_unreachable_and_offline_servers_are_left_alone():
    s = metering(unreachable_servers=[1])
    s.servers.up[2] = False
    ledger = s.ledger
    before = ledger.free[:]
    s.balancer._balance(0.0, delay=0.0)
    assert ledger.free[1] == before[1] and ledger.free[2] == before[2]
    events = frame(s.log)
    skipped = events[events["kind"] == "balancing_skipped"]
    assert skipped[["server", "reason"]].astype(object).to_numpy().tolist() == [[1, "no ODBC access"], [2, "offline"]]


def test_a_refusal_brings_licences_only_after_the_next_metering_cycle_and_the_move():
    s = metering(metering_cycle_min=15, instant_balancing_min=2, callback_share=1.0)
    ledger, balancer = s.ledger, s.balancer
    ledger.free[:] = [0, 9, 3]
    ledger.reserve[0] = 1
    held = ledger.held(0)
    s.scheduler.now = 3.0
    ledger.refuse(0, 0)
    s.callbacks.refused(launch=0, client=0, key=0)
    assert ledger.free == [0, 9, 3]  # refused now: nothing moves at the request
    s.scheduler.now = 15.0
    balancer.metering_cycle()
    assert balancer.busy_until == 17.0 and ledger.free == [0, 9, 3]  # the move takes License Metering 2 min
    s.scheduler.now = 17.0
    balancer._move_on_demand((0, 15.0))
    # the buffer of 2: 1 from the reserve, 1 from the richest server; then the callback takes one
    assert ledger.reserve[0] == 0 and ledger.free == [1, 8, 3] and ledger.in_use[0] == 1
    assert balancer.instant_balancings == 1 and balancer.licenses_moved == 2
    assert s.callbacks.granted == 1 and s.callbacks.waits_min == [14.0] and balancer.move_waits == [2.0]
    assert ledger.held(0) == held


def test_refusals_count_as_demand_until_the_next_metering_cycle():
    s = metering(mean_session_min=30, metering_cycle_min=15, instant_balancing=False)
    s.ledger.in_use[:] = [2, 0, 0]
    s.ledger.refuse(0, 0)
    s.ledger.refuse(0, 0)
    on_server_0 = s.balancer.observed_on([0])[0]
    assert on_server_0.tolist() == [2 + 2 * 30 / 15]  # each refusal: a run of 30 min in a 15-min cycle
    s.scheduler.now = 15.0
    s.balancer.metering_cycle()
    on_server_0 = s.balancer.observed_on([0])[0]
    assert on_server_0.tolist() == [2.0] and s.ledger.refusals == [0, 0, 0]  # read and counted afresh


def test_a_scheduled_cycle_waits_while_license_metering_is_busy():
    s = metering(balancing_interval_h=1, instant_balancing_min=30)
    balancer = s.balancer
    balancer.busy_until = 75.0
    s.scheduler.now = 60.0
    balancer.scheduled_cycle(60.0)
    assert balancer.cycles == 0  # it waits
    s.scheduler.run(76.0)
    assert balancer.cycles == 1 and balancer.cycle_delays == [15.0]
    cycle = frame(s.log).iloc[-1]
    assert cycle["kind"] == "balancing" and cycle["cycle"] == 1 and cycle["minutes"] == 15.0
    assert "15 min late" in cycle["detail"]


def test_nobody_asks_for_a_callback_at_share_zero():
    result = kbsim.run("Q210202", seed=1, callback_share=0.0)
    assert result.summary["denials"] > 0 and result.summary["callbacks"] == 0


def test_licences_moved_counts_each_licence_that_changed_holder():
    result = kbsim.run("Q210202", variant="fix", seed=1)
    assert result.summary["licenses_moved"] > 0
    assert result.summary["balancing_cycles"] == 5 * 24 - 1


# --- License Metering does one job at a time (Q210202's third check) ---------------------------------


def test_on_demand_moves_queue_one_after_another_and_busy_time_stops_at_the_run_s_end():
    s = metering(days=1, instant_balancing_min=10)
    balancer, ledger = s.balancer, s.ledger
    ledger.free[:] = [0, 0, 0]
    ledger.refusals[:] = [1, 1, 1]  # every server refused: three moves at this cycle
    s.scheduler.now = 1425.0  # 15 minutes before the end of a one-day run
    balancer.metering_cycle()
    assert balancer.work == [(1425.0, 1435.0), (1435.0, 1445.0), (1445.0, 1455.0)]  # back to back
    assert balancer.busy_min == 15.0  # 10 + 5 within the run; the last move starts after it
    s.scheduler.run(1440.0)
    events = frame(s.log)
    assert events["kind"].astype(str).tolist() == ["instant_balancing"]  # only the first finished in time


def test_a_move_that_finds_no_licence_is_a_failed_attempt_not_an_on_demand_move():
    s = metering(instant_balancing_min=3)
    balancer, ledger = s.balancer, s.ledger
    ledger.free[:] = [0, 1, 0]
    ledger.reserve[0] = 0
    ledger.in_use[:] = [10, 9, 10]
    s.scheduler.now = 30.0
    balancer._move_on_demand((0, 30.0))  # server 1's one free licence: half of one, rounded up, moves
    ledger.free[0], ledger.in_use[0] = 0, 11  # and a launch takes it
    balancer._move_on_demand((2, 30.0))  # nothing left anywhere
    kinds = frame(s.log)[["kind", "server", "licences"]].astype(object).fillna(-1).to_numpy().tolist()
    assert kinds == [["instant_balancing", 0, 1], ["instant_balancing_failed", 2, -1]]  # -1: no licences fact
    assert balancer.instant_balancings == 1 and balancer.instant_balancings_failed == 1
    assert balancer.licenses_moved == 1


def test_a_scheduled_cycle_due_at_a_metering_cycle_runs_after_the_moves_that_cycle_ordered():
    s = metering(balancing_interval_h=1, instant_balancing_min=4)
    balancer, ledger = s.balancer, s.ledger
    balancer.start()
    ledger.free[:] = [0, 0, 9]
    s.scheduler.run(59.0)
    ledger.refusals[:] = [1, 1, 0]  # servers 0 and 1 refused in the quarter before the hour
    s.scheduler.run(61.0)
    assert balancer.cycles == 0  # at 60 the cycle waits behind the two moves: 8 minutes of work
    s.scheduler.run(69.0)
    assert balancer.cycles == 1 and balancer.cycle_delays == [8.0]
    late = frame(s.log).query("kind == 'balancing'").iloc[0]
    assert late["minutes"] == 8.0 and "8 min late" in late["detail"]
    s.scheduler.run(121.0)
    assert balancer.cycle_delays == [8.0, 0.0]  # nothing queued at 120: on time


def test_callbacks_are_answered_after_the_work_queued_before_the_cycle():
    s = metering(instant_balancing_min=20, callback_share=1.0)
    balancer, ledger, callbacks = s.balancer, s.ledger, s.callbacks
    ledger.free[:] = [0, 0, 0]
    ledger.reserve[0] = 0
    s.scheduler.now = 10.0
    callbacks.refused(launch=0, client=0, key=1)
    balancer.busy_until = 40.0  # License Metering is busy with moves queued earlier
    s.scheduler.now = 30.0
    balancer.metering_cycle()
    ledger.free[1] = 1  # a run on server 1 ends
    s.scheduler.run(39.0)
    assert callbacks.granted == 0  # the cycle's answers wait
    s.scheduler.run(41.0)
    assert callbacks.granted == 1 and callbacks.waits_min == [30.0] and balancer.callback_poll_delays == [10.0]


@pytest.mark.parametrize("priority, answered_at_once", [("callbacks_first", True), ("launches_first", False)])
def test_licences_a_move_brings_go_to_the_callbacks_waiting_only_when_they_come_first(priority, answered_at_once):
    s = metering(callback_share=1.0, callback_priority=priority)
    balancer, ledger, callbacks = s.balancer, s.ledger, s.callbacks
    ledger.free[:] = [0, 6, 0]
    ledger.reserve[0] = 0
    s.scheduler.now = 5.0
    callbacks.refused(launch=0, client=0, key=0)
    s.scheduler.now = 20.0
    balancer._move_on_demand((0, 15.0))  # 2 licences from server 1
    assert callbacks.granted == (1 if answered_at_once else 0)
    assert ledger.free[0] == (1 if answered_at_once else 2)  # launches first: both free for any launch
    s.scheduler.now = 30.0
    balancer.metering_cycle()  # launches first: the callback is answered at the cycle, from what is still free
    assert callbacks.granted == 1
