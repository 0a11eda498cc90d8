"""The summary numbers: one declaration each, and each computed as its definition says, worked by hand."""

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd

import kbsim
from kbsim.summary import SUMMARY, SUMMARY_NUMBERS, Finished, summarize


def test_the_listing_and_a_runs_summary_are_both_read_from_the_one_table():
    assert list(SUMMARY) == list(SUMMARY_NUMBERS)
    assert all(SUMMARY[name] == number.description and number.description for name, number in SUMMARY_NUMBERS.items())
    assert kbsim.SUMMARY is SUMMARY
    result = kbsim.run("Q226827", seed=1)
    assert list(result.summary) == list(SUMMARY)  # the same names, in the same order
    assert list(kbsim.compare({"run": result}).index) == list(SUMMARY)


def finished(**changes):
    """A finished run made by hand: three Windows NT clients and one Windows 95/98 client."""
    agents = SimpleNamespace(
        failovers=2,
        attempts=40,
        attempts_no_server=5,
        first_failure=[60.0, np.nan, 120.0, 30.0],
        recovered=[180.0, np.nan, np.nan, 90.0],
    )
    balancer = SimpleNamespace(
        cycles=6,
        instant_balancings=3,
        instant_balancings_failed=1,
        busy_min=36.0,
        cycle_delays=[0.0, 0.0, 4.0, 0.0, 0.0, 14.0],
        move_waits=[5.0, 10.0, 15.0, 5.0],
        licenses_moved=17,
    )
    callbacks = SimpleNamespace(asked=4, granted=2, lapsed=1, waits_min=[10.0, 20.0])
    values = dict(
        agents=agents,
        balancer=balancer,
        callbacks=callbacks,
        callbacks_waiting=1,
        grants=30,
        denials=10,
        until=1440.0,
        usage=pd.DataFrame(
            {
                "sessions": [10, 20, 5, 5],
                "reported": [10, 18, 0, 5],
                "pending": [0, 2, 0, 0],
                "unreported": [0, 0, 5, 0],
                "lost_at_reinstall": [0, 0, 0, 0],
            }
        ),
        status=pd.DataFrame({"server": [0, 0, 1]}),
        imbalance=np.array([0.0, 2.5, 1.0, 0.5]),
        win9x=np.array([False, False, False, True]),
    )
    return Finished(**{**values, **changes})


def test_each_number_is_computed_as_its_definition_says():
    s = summarize(finished())
    assert list(s) == list(SUMMARY)
    assert (s["requests"], s["grants"], s["denials"], s["denial_rate"]) == (40, 30, 10, 0.25)
    assert (s["failovers"], s["connection_attempts"], s["attempts_no_server"]) == (2, 40, 5)
    assert s["metering_busy_pct"] == 2.5  # 36 of 1440 minutes
    assert s["instant_balancings"] == 3 and s["instant_balancings_failed"] == 1
    assert s["balancing_delay_min"] == 3.0 and s["balancing_delay_max_min"] == 14.0  # 18 min late over 6 cycles
    assert s["instant_balancing_wait_min"] == 8.75
    assert s["callback_wait_min"] == 15.0 and s["callbacks"] == 4 == 2 + 1 + s["callbacks_waiting"]
    assert s["max_imbalance"] == 2.5 and s["imbalance_licence_h"] == 1.0  # 4 licences x 15 minutes
    assert (s["sessions"], s["sessions_reported"], s["sessions_pending"], s["sessions_unreported"]) == (40, 33, 2, 5)
    assert s["status_9406"] == 3
    # Windows NT: clients 0 and 2 failed; 0 waited 2 h, 2 was never served again: 22 h to the end. Median 12 h
    assert s["recovery_h_nt"] == 12.0 and s["recovery_h_win9x"] == 1.0


def test_numbers_with_nothing_to_measure_say_so():
    s = summarize(
        finished(
            grants=0,
            denials=0,
            callbacks=SimpleNamespace(asked=0, granted=0, lapsed=0, waits_min=[]),
            balancer=SimpleNamespace(
                cycles=0,
                instant_balancings=0,
                instant_balancings_failed=0,
                busy_min=0.0,
                cycle_delays=[],
                move_waits=[],
                licenses_moved=0,
            ),
            imbalance=np.zeros(0),
            win9x=np.array([False, True, False, False]),  # the Windows 95/98 client never failed
        )
    )
    assert s["denial_rate"] == 0.0 and s["max_imbalance"] == 0.0
    assert s["balancing_delay_min"] == s["balancing_delay_max_min"] == 0.0
    assert math.isnan(s["instant_balancing_wait_min"])
    assert math.isnan(s["callback_wait_min"]) and math.isnan(s["recovery_h_win9x"])
