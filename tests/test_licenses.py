"""Licences: shared by weight without loss, and the initial ledger holds every licence."""

from hypothesis import given
from hypothesis import strategies as st

from kbsim.model.licenses import LicenseLedger, split_by_weight


@given(st.integers(0, 10_000), st.lists(st.floats(0, 1e6), min_size=1, max_size=12))
def test_split_by_weight_shares_every_unit(total, weights):
    shares = split_by_weight(total, weights)
    assert sum(shares) == total and min(shares) >= 0


def test_split_by_weight_follows_the_weights():
    assert split_by_weight(10, [3, 1, 1]) == [6, 2, 2]
    assert split_by_weight(3, [0, 0, 0]) == [1, 1, 1]


def test_ledger_starts_with_the_reserve_and_the_rest_by_clients():
    ledger = LicenseLedger(n_servers=2, n_products=2, licenses=50, reserve_pct=10, server_weights=[140, 60])
    assert ledger.reserve == [5, 5]
    assert ledger.free == [32, 32, 13, 13]  # 45 split 70:30 by largest remainder
    assert ledger.held(0) == ledger.held(1) == 50
