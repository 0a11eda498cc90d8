"""Offline log uploads worked by hand: a lagging clock, a site with no server up, the last poll."""

import numpy as np

from kbsim.usage import settle_uploads


def settle(blocked=(False, False), all_down=()):
    # client 0 polls at 10, 110, 210; client 1 at 50, 150. The run ends at 250 minutes.
    return settle_uploads(
        logged_time=np.array([5.0, 20.0, 60.0, 120.0, 215.0, 160.0]),
        logged_client=np.array([0, 0, 1, 0, 0, 1]),
        n_clients=2, poll_phase_min=np.array([10.0, 50.0]), poll_interval_min=100.0, until_min=250.0,
        blocked=np.array(blocked), all_down=list(all_down))


def test_each_run_goes_up_at_the_first_poll_after_it():
    u = settle()
    assert u.reported.tolist() == [3, 1] and u.pending.tolist() == [1, 1] and u.unreported.tolist() == [0, 0]
    assert list(zip(u.upload_time, u.upload_client, u.upload_count)) == [(10, 0, 1), (110, 0, 1), (210, 0, 1), (150, 1, 1)]


def test_a_lagging_clock_holds_every_run_back():
    u = settle(blocked=(True, False))
    assert u.reported.tolist() == [0, 1] and u.unreported.tolist() == [4, 0] and u.pending.tolist() == [0, 1]
    assert list(zip(u.refused_time, u.refused_count)) == [(10, 1), (110, 2), (210, 3)]


def test_a_poll_with_no_server_up_waits_for_the_next():
    u = settle(all_down=[(100.0, 200.0)])
    assert list(zip(u.upload_time, u.upload_client, u.upload_count)) == [(10, 0, 1), (210, 0, 2)]
    assert u.pending.tolist() == [1, 2] and u.reported.tolist() == [3, 0]
