"""Balancing unit behaviour on a small site: skips, pooling, instant draws, conservation."""

import kbsim
from kbsim.parameters import Params
from kbsim.site import Site


def site(**values):
    base = dict(mode="online", n_servers=3, n_clients=30, licenses=30, days=1, reserve_pct=10, min_licenses=1, buffer=2)
    return Site(Params.from_values({**base, **values}))


def test_a_cycle_pools_free_licences_by_demand_and_keeps_the_reserve():
    s = site()
    ledger = s.ledger
    ledger.free[0], ledger.in_use[0] = 0, ledger.free[0]  # every licence of server 0 in use
    s.balancer.denials_since[0] = 5
    s.balancer.cycle()
    assert ledger.reserve[0] == 3
    assert ledger.held(0) == 30
    assert ledger.free[0] > ledger.free[1] and ledger.free[0] > ledger.free[2]
    assert min(ledger.free) >= 1
    assert s.balancer.denials_since == [0, 0, 0]


def test_unreachable_and_offline_servers_are_left_alone():
    s = site(unreachable_servers=[1])
    s.up[2] = False
    ledger = s.ledger
    before = ledger.free[:]
    s.balancer.cycle()
    assert ledger.free[1] == before[1] and ledger.free[2] == before[2]
    skipped = [detail for kind, detail in zip(s.log.kind, s.log.detail) if detail.startswith("cannot read")]
    assert len(skipped) == 2 and "no ODBC access" in skipped[0] and "offline" in skipped[1]


def test_instant_balancing_draws_the_buffer_from_the_reserve_then_the_richest_server():
    s = site()
    ledger = s.ledger
    ledger.free[:] = [0, 9, 3]
    ledger.reserve[0] = 1
    drawn = s.balancer.instant(0, 0)
    assert drawn == 2 and ledger.reserve[0] == 0 and ledger.free == [2, 8, 3]
    assert s.balancer.instant_balancings == 1 and s.balancer.licenses_moved == 2


def test_licences_moved_counts_each_licence_that_changed_holder():
    result = kbsim.run("Q210202", variant="fix", seed=1)
    assert result.summary["licenses_moved"] > 0
    assert result.summary["balancing_cycles"] == 5 * 24 - 1
