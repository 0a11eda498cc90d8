"""Offline log uploads worked by hand: a lagging clock, a site with no server up, the last poll,
and Q213261's state: set at install, untouched by a clock correction, reset by a reinstall that deletes the log."""

import numpy as np
import pytest

from kbsim.model.usage import NEVER, settle_uploads, upload_blocked_until


def settle(blocked_until=(0.0, 0.0), wiped_at=(NEVER, NEVER), all_down=()):
    # client 0 polls at 10, 110, 210; client 1 at 50, 150. The run ends at 250 minutes.
    # client 0 logs runs at 5, 20, 120, 215; client 1 at 60, 160.
    return settle_uploads(
        logged_time=np.array([5.0, 20.0, 60.0, 120.0, 215.0, 160.0]),
        logged_client=np.array([0, 0, 1, 0, 0, 1]),
        n_clients=2,
        poll_phase_min=np.array([10.0, 50.0]),
        poll_interval_min=100.0,
        until_min=250.0,
        blocked_until=np.array(blocked_until),
        wiped_at=np.array(wiped_at),
        all_down=list(all_down),
    )


def test_each_run_goes_up_at_the_first_poll_after_it():
    u = settle()
    assert u.reported.tolist() == [3, 1] and u.pending.tolist() == [1, 1] and u.unreported.tolist() == [0, 0]
    assert u.lost.tolist() == [0, 0]
    assert list(zip(u.upload_time, u.upload_client, u.upload_count)) == [
        (10, 0, 1),
        (110, 0, 1),
        (210, 0, 1),
        (150, 1, 1),
    ]


def test_a_lagging_clock_holds_every_run_back():
    u = settle(blocked_until=(NEVER, 0.0))
    assert u.reported.tolist() == [0, 1] and u.unreported.tolist() == [4, 0] and u.pending.tolist() == [0, 1]
    assert list(zip(u.refused_time, u.refused_count)) == [(10, 1), (110, 2), (210, 3)]


def test_a_poll_with_no_server_up_waits_for_the_next():
    u = settle(all_down=[(100.0, 200.0)])
    assert list(zip(u.upload_time, u.upload_client, u.upload_count)) == [(10, 0, 1), (210, 0, 2)]
    assert u.pending.tolist() == [1, 2] and u.reported.tolist() == [3, 0]


def test_a_reinstall_after_the_clock_is_right_resumes_uploads_and_loses_what_the_log_held():
    # client 0 reinstalled at 100 with its clock right: runs at 5 and 20 were held (poll 10 refused) and are
    # deleted with the client software; the run at 120 goes up at 210, the one at 215 waits.
    u = settle(blocked_until=(100.0, 0.0), wiped_at=(100.0, NEVER))
    assert u.lost.tolist() == [2, 0] and u.reported.tolist() == [1, 1]
    assert u.pending.tolist() == [1, 1] and u.unreported.tolist() == [0, 0]
    assert list(zip(u.refused_time, u.refused_count)) == [(10, 1)]
    assert list(zip(u.upload_time, u.upload_client, u.upload_count)) == [(210, 0, 1), (150, 1, 1)]


def test_a_reinstall_before_the_clock_is_right_installs_the_fault_again():
    u = settle(blocked_until=(NEVER, 0.0), wiped_at=(100.0, NEVER))
    assert u.lost.tolist() == [2, 0] and u.unreported.tolist() == [2, 0] and u.reported.tolist() == [0, 1]
    # after the reinstall the log starts empty: poll 110 has nothing to refuse, poll 210 holds the run at 120
    assert list(zip(u.refused_time, u.refused_count)) == [(10, 1), (210, 1)]


def test_a_reinstall_deletes_runs_waiting_for_the_next_poll_even_on_a_healthy_client():
    u = settle(wiped_at=(100.0, NEVER))
    assert u.lost.tolist() == [1, 0] and u.reported.tolist() == [2, 1] and u.pending.tolist() == [1, 1]


def test_the_upload_state_is_set_by_the_clock_at_install():
    minutes = 60.0
    install = np.array([-100, -100, -100, -100, 25]) * minutes
    lag = np.array([240.0, 240.0, 240.0, 30.0, 240.0])
    reinstall = np.array([NEVER, 40 * minutes, 10 * minutes, NEVER, NEVER])
    sync = 20 * minutes
    until = upload_blocked_until(install, lag, 60.0, "SP2", sync, reinstall, "none")
    assert until[0] == NEVER  # lagging at install, the clock set right later, never reinstalled: still blocked
    assert until[1] == 40 * minutes  # reinstalled after the clock was set right: uploads from the reinstall on
    assert until[2] == NEVER  # reinstalled before the clock was set right: the same fault again
    assert until[3] == 0.0  # a lag within the threshold is harmless
    assert until[4] == 0.0  # installed after the clock was set right
    # no source says a service pack fixed it: the same at every pack by default
    for pack in ("SP2+hotfix", "SP3", "SP4"):
        assert (upload_blocked_until(install, lag, 60.0, pack, sync, reinstall, "none") == until).all()


@pytest.mark.parametrize("fixed_in", ["SP3", "SP4"])
def test_an_assumed_fix_lifts_the_clock_fault_from_its_pack_on_only(fixed_in):
    install, lag = np.array([-6000.0]), np.array([240.0])
    at = {
        pack: upload_blocked_until(install, lag, 60.0, pack, 1e9, np.array([NEVER]), fixed_in)[0]
        for pack in ("SP2", "SP2+hotfix", "SP3", "SP4")
    }
    before = ("SP2", "SP2+hotfix") if fixed_in == "SP3" else ("SP2", "SP2+hotfix", "SP3")
    assert at == {pack: NEVER if pack in before else 0.0 for pack in at}


# Q311764 / Q226832: NextOfflineSyncTime, stored as the client's clock at a successful upload plus the interval.
def settle_ahead(ahead=300.0, sync=150.0, until=650.0, wiped_at=NEVER, all_down=(), install=-1000.0):
    # one client, polls at 10, 110, ..., 610; its clock runs `ahead` minutes ahead until `sync`.
    return settle_uploads(
        logged_time=np.array([5.0, 20.0, 120.0, 160.0, 220.0, 330.0, 420.0, 520.0]),
        logged_client=np.zeros(8, dtype=int),
        n_clients=1,
        poll_phase_min=np.array([10.0]),
        poll_interval_min=100.0,
        until_min=until,
        blocked_until=np.array([0.0]),
        wiped_at=np.array([wiped_at]),
        all_down=list(all_down),
        ahead_min=np.array([ahead]),
        sync_min=sync,
        install_min=np.array([install]),
    )


def uploads_of(u):
    return list(zip(u.upload_time.tolist(), u.upload_count.tolist()))


def test_an_upload_made_while_the_clock_ran_ahead_stalls_later_polls_until_the_stored_time_comes_round():
    u = settle_ahead()
    # last upload at 110 read 410 on the clock: NextOfflineSyncTime 510; the clock set right at 150
    assert uploads_of(u) == [(10, 1), (110, 1), (510, 5), (610, 1)]
    assert list(zip(u.skipped_time, u.skipped_count, u.skipped_wait)) == [(210, 2, 300), (310, 3, 200), (410, 4, 100)]
    assert u.stalled.tolist() == [0] and u.reported.tolist() == [8]


def test_runs_held_when_the_run_ends_inside_the_stall_are_counted_stalled_not_lost():
    u = settle_ahead(until=450.0)
    assert u.logged.tolist() == [8] and u.reported.tolist() == [2] and u.stalled.tolist() == [6]
    assert u.pending.tolist() == [0] and u.unreported.tolist() == [0] and u.lost.tolist() == [0]


def test_a_clock_never_ahead_or_never_set_right_keeps_the_grid_of_polls():
    plain = settle_ahead(ahead=0.0)
    assert uploads_of(plain) == [(10, 1), (110, 1), (210, 2), (310, 1), (410, 1), (510, 1), (610, 1)]
    assert uploads_of(settle_ahead(sync=NEVER)) == uploads_of(plain)
    assert len(plain.skipped_time) == 0 and plain.stalled.tolist() == [0]


def test_the_stall_lasts_as_far_as_the_clock_ran_ahead():
    assert uploads_of(settle_ahead(ahead=100.0))[2] == (310, 3)  # NextOfflineSyncTime 310
    assert uploads_of(settle_ahead(ahead=150.0))[2] == (410, 4)  # 360: the first poll at or after it
    assert uploads_of(settle_ahead(ahead=1000.0)) == [(10, 1), (110, 1)]  # beyond the run: stalled to its end
    assert settle_ahead(ahead=1000.0).stalled.tolist() == [6]


def test_a_reinstall_after_the_clock_is_right_clears_the_stored_time_and_deletes_the_log():
    u = settle_ahead(wiped_at=260.0)
    assert u.lost.tolist() == [3]  # 120, 160 and 220 went with the client software
    assert uploads_of(u) == [(10, 1), (110, 1), (410, 1), (510, 1), (610, 1)]
    assert list(zip(u.skipped_time, u.skipped_count)) == [(210, 2)]


def test_a_reinstall_while_the_clock_still_runs_ahead_cures_nothing():
    # reinstalled at 50 (the run at 20 deleted), the client's poll at 110 reaches a server with its clock still
    # ahead and stores 510 again, though its log was empty [assumed]: the stall comes back
    u = settle_ahead(wiped_at=50.0)
    assert uploads_of(u) == [(10, 1), (510, 5), (610, 1)] and u.lost.tolist() == [1]
    assert u.skipped_time.tolist() == [210, 310, 410]


def test_the_upload_before_the_run_counts_when_the_clock_is_set_right_before_any_poll_in_it():
    # the poll at -90 read 210 on the clock: NextOfflineSyncTime 310
    u = settle_ahead(sync=0.0)
    assert uploads_of(u)[0] == (310, 5) and u.skipped_time.tolist() == [10, 110, 210]
    assert uploads_of(settle_ahead(sync=0.0, install=0.0))[0] == (10, 1)  # installed in the run: nothing stored


def test_a_due_poll_that_finds_no_server_leaves_the_stored_time_and_the_next_poll_tries():
    u = settle_ahead(all_down=[(500.0, 520.0)])
    assert uploads_of(u)[2:] == [(610, 6)] and u.skipped_time.tolist() == [210, 310, 410]


def test_the_stall_is_timed_from_the_first_skipped_poll_to_the_upload_or_the_run_end():
    assert settle_ahead().stall_min.tolist() == [300.0]  # skipped from 210, uploaded at 510
    assert settle_ahead(until=450.0).stall_min.tolist() == [240.0]  # skipped from 210 to the end at 450
    assert settle_ahead(wiped_at=260.0).stall_min.tolist() == [100.0]  # from 210 to the poll at 310 after it
    assert settle_ahead(ahead=0.0).stall_min.tolist() == [0.0]
