"""What is drawn before a run, on its own: home servers, server lists and launches."""

import numpy as np

from kbsim import Params
from kbsim.model.launches import Launches, chosen, draw_clients, draw_launches, home_servers, server_lists


def rng(seed=1):
    return np.random.default_rng(seed)


def test_demand_skew_puts_that_share_of_clients_on_server_zero_and_spreads_the_rest():
    home = home_servers(Params(n_clients=100, n_servers=3, demand_skew=0.4), rng())
    assert np.bincount(home).tolist() == [40, 30, 30]


def test_each_server_list_starts_at_home_and_holds_every_server_once():
    home = np.array([0, 1, 2, 1])
    lists = server_lists(home, 3, rng())
    assert [order[0] for order in lists] == home.tolist()
    assert all(sorted(order) == [0, 1, 2] for order in lists)


def test_chosen_picks_exactly_the_rounded_share():
    assert chosen(10, 0.25, rng()).sum() == 2 and chosen(10, 0.0, rng()).sum() == 0


def test_launches_are_sorted_within_the_run_and_none_before_a_clients_install():
    params = Params(n_clients=50, days=2, launches_per_day=10.0, n_products=3)
    install_min = np.where(np.arange(50) < 25, 0.0, 1440.0)  # half the clients installed a day in
    launches = draw_launches(params, np.zeros(50, dtype=np.int64), install_min, rng(1), rng(2), rng(3))
    time, client, product = launches.arrays()
    assert np.all(np.diff(time) >= 0) and time[0] >= 0 and time[-1] < 2 * 1440
    late = client >= 25
    assert late.any() and np.all(time[late] >= 1440.0)
    assert set(product.tolist()) == {0, 1, 2} and min(launches.duration) > 0
    assert 0.8 < len(launches) / (25 * 2 * 10 + 25 * 10) < 1.2
    assert time.tolist() == launches.time.tolist()  # the same launches, read through numpy


def test_office_hours_launches_fall_between_eight_and_six_of_the_clients_office():
    params = Params(n_clients=40, n_servers=2, days=3, office_hours=True, timezone_shift_h=2.0)
    home = np.array([0, 1] * 20)
    launches = draw_launches(params, home, np.zeros(40), rng(1), rng(2), rng(3))
    time, client, _ = launches.arrays()
    opens = 8 * 60 + 120 * home[client]
    in_day = (time - opens) % 1440
    assert len(launches) > 100 and np.all(in_day < 600)


def test_the_same_streams_draw_the_same_launches():
    params = Params(n_clients=20, days=1)
    home, install = np.zeros(20, dtype=np.int64), np.zeros(20)
    a, b = (draw_launches(params, home, install, rng(1), rng(2), rng(3)) for _ in range(2))
    assert a.time.tolist() == b.time.tolist() and a.duration.tolist() == b.duration.tolist()
    assert Launches.of([1.0], [0], [0], [5.0]).time.tolist() == [1.0] and len(Launches.of([], [], [], [])) == 0


def test_the_clients_drawn_have_the_shares_asked_for_and_only_the_skewed_lag_and_are_reinstalled():
    values = dict(
        n_clients=40,
        days=3,
        win9x_fraction=0.25,
        skewed_fraction=0.5,
        clock_offset_min=90.0,
        install_h=2.0,
        install_spread_h=10.0,
        reinstall_h=30.0,
    )
    params = Params(**values)
    clients = draw_clients(params, rng(1), rng(2))
    assert clients.win9x.sum() == 10 and clients.skewed.sum() == 20
    assert set(clients.clock_lag_min[clients.skewed]) == {90.0} and set(clients.clock_lag_min[~clients.skewed]) == {0.0}
    assert np.all((clients.install_min >= 120.0) & (clients.install_min < 720.0))
    assert np.all((clients.poll_phase_min >= 0) & (clients.poll_phase_min < params.config_poll_min))
    assert clients.reinstall_at == 1800.0
    assert np.array_equal(np.isfinite(clients.reinstall_min), clients.skewed)  # all installed before 30 h
    later = draw_clients(Params(**{**values, "reinstall_h": 100.0}), rng(1), rng(2))
    assert later.reinstall_at == np.inf and not np.isfinite(later.reinstall_min).any()  # after the run's end
