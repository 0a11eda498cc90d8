"""The summary numbers: one declaration each, and each computed as its definition says, worked by hand."""

import math

import numpy as np
import pandas as pd
import pytest

import kbsim
from kbsim.model.balancing import BalancingCounts
from kbsim.model.callbacks import CallbackCounts
from kbsim.model.clients import AgentCounts
from kbsim.model.configuration import ConfigurationCounts
from kbsim.model.phantoms import PhantomCounts
from kbsim.model.remodbc import RemodbcCounts
from kbsim.model.summary import LABELS, SUMMARY, SUMMARY_NUMBERS, Finished, summarize


def test_the_listing_and_a_runs_summary_are_both_read_from_the_one_table():
    assert list(SUMMARY) == list(SUMMARY_NUMBERS) == list(LABELS)
    assert all(SUMMARY[name] == number.description and number.description for name, number in SUMMARY_NUMBERS.items())
    assert all(LABELS[name] == number.label and number.label for name, number in SUMMARY_NUMBERS.items())
    assert len(set(LABELS.values())) == len(LABELS)  # no two numbers read alike
    assert kbsim.SUMMARY is SUMMARY
    result = kbsim.run("Q226827", seed=1)
    assert list(result.summary) == list(SUMMARY)  # the same names, in the same order
    table = kbsim.compare({"run": result})
    assert list(table.index) == list(SUMMARY)
    assert list(table.columns) == ["label", "run", "meaning"]  # each number in words, its value, its meaning
    assert table.loc["max_imbalance", "label"] == LABELS["max_imbalance"]
    assert table.loc["denials", "meaning"] == SUMMARY["denials"]
    assert list(result.summary_frame().columns) == ["label", "value", "meaning"]


def test_compare_keeps_the_label_and_meaning_columns_apart_from_the_runs():
    result = kbsim.run("Q226827", seed=1, days=2)
    with pytest.raises(kbsim.ParameterError, match="a run cannot be called 'label'"):
        kbsim.compare({"label": result})


def agent_counts(
    grants=30, denials=10, logged_locally=2, loss_client=(0, 2, 3, 0, 2), loss_h=(2.0, 22.0, 1.0, 0.0, 0.5)
):
    """The agents' final record, made by hand: four clients; the arrays the summary does not read are empty."""
    empty = np.zeros(0)
    return AgentCounts(
        grants=grants,
        denials=denials,
        logged_locally=logged_locally,
        failovers=2,
        attempts=40,
        attempts_no_server=5,
        granted=np.zeros(4, dtype=np.int64),
        home=np.zeros(4, dtype=np.int64),
        knows_all_at=np.full(4, -np.inf),
        logged_time=empty,
        logged_client=empty.astype(np.int64),
        refused_time=empty,
        refused_server=empty.astype(np.int64),
        refused_product=empty.astype(np.int64),
        loss_client=np.array(loss_client, dtype=np.int64),
        loss_h=np.array(loss_h),
    )


def finished(**changes):
    """A finished run made by hand: three Windows NT clients and one Windows 95/98 client."""
    balancer = BalancingCounts(
        cycles=6,
        instant_balancings=3,
        instant_balancings_failed=1,
        busy_min=36.0,
        cycle_delays=(0.0, 0.0, 4.0, 0.0, 0.0, 14.0),
        move_waits=(5.0, 10.0, 15.0, 5.0),
        licenses_moved=17,
    )
    callbacks = CallbackCounts(asked=4, granted=2, lapsed=1, waiting=1, waits_min=(10.0, 20.0))
    values = dict(
        agents=agent_counts(),  # its losses of a client's server: (client, hours to recover)
        balancer=balancer,
        callbacks=callbacks,
        # three restarts, one failed: server 1 hung from 10:00 with its reboot 20 h later, past the run's end
        remodbc=RemodbcCounts(restarts=3, hung=((1, 600.0, 1800.0),)),
        # a product forbidden at 6:00 (Q244906): clients 0 and 1 downloaded it at 8:00 and 16:00, client 2 never did,
        # client 3 was not installed by the end; 3 launches stopped, 2 let through
        configuration=ConfigurationCounts(
            changed_at=360.0,
            downloaded_at=np.array([480.0, 960.0, np.inf, np.inf]),
            installed=np.array([True, True, True, False]),
            stopped=3,
            let_through=2,
        ),
        # three phantoms (Q226838): two on server 0 from minute 600, one freed at 900; one on server 1 from 1200
        phantoms=PhantomCounts(
            server=np.array([0, 0, 1]),
            product=np.array([0, 1, 0]),
            start=np.array([600.0, 600.0, 1200.0]),
            end=np.array([900.0, 1440.0, 1440.0]),
            second_licences=2,
        ),
        until=1440.0,
        usage=pd.DataFrame(
            {
                "sessions": [10, 20, 2, 2],
                "reported": [10, 18, 0, 0],
                "pending": [0, 2, 0, 0],
                "unreported": [0, 0, 2, 0],
                "stalled": [0, 0, 0, 2],
                "upload_stall_h": [0.0, 0.0, 0.0, 30.5],
                "lost_at_reinstall": [0, 0, 0, 0],
            }
        ),
        status=pd.DataFrame({"server": [0, 0, 1]}),
        # licences idle while another server refused: four intervals (the last 5 minutes long), two products
        misplaced=np.array([[0, 0], [2, 1], [1, 0], [0, 3]]),
        interval_h=np.array([0.25, 0.25, 0.25, 5 / 60]),
        win9x=np.array([False, False, False, True]),
    )
    return Finished(**{**values, **changes})


def test_each_number_is_computed_as_its_definition_says():
    s = summarize(finished())
    assert list(s) == list(SUMMARY)
    assert (s["requests"], s["grants"], s["denials"], s["denial_rate"]) == (40, 30, 10, 0.25)
    # 10 refused at once: 2 served later by a callback, 8 never (4 asked no callback, 1 lapsed, 1 waits, and 2
    # of the 4 callbacks were granted)
    assert (s["runs_served"], s["runs_never_served"], s["never_served_rate"]) == (32, 8, 0.2)
    assert (s["launches"], s["runs_metered_locally"], s["launches_stopped"]) == (45, 2, 3)
    assert s["launches"] == (
        s["runs_served"] + s["runs_never_served"] + s["runs_metered_locally"] + s["launches_stopped"]
    )
    # client 2 never had the ban, so no time until every client had it; client 3 (not installed) does not count
    assert (s["launches_let_through"], s["clients_without_ban"]) == (2, 1) and math.isnan(s["ban_reach_h"])
    assert (s["failovers"], s["connection_attempts"], s["attempts_no_server"]) == (2, 40, 5)
    assert s["metering_busy_pct"] == 2.5  # 36 of 1440 minutes
    assert s["instant_balancings"] == 3 and s["instant_balancings_failed"] == 1
    assert s["balancing_delay_min"] == 3.0 and s["balancing_delay_max_min"] == 14.0  # 18 min late over 6 cycles
    assert s["instant_balancing_wait_min"] == 8.75
    assert s["callback_wait_min"] == 15.0 and s["callbacks"] == 4 == 2 + 1 + s["callbacks_waiting"]
    assert s["max_imbalance"] == 3.0  # the worst product at any sample
    assert s["imbalance_licence_h"] == round(0.25 * 3 + 0.25 * 1 + 5 / 60 * 3, 1)  # every product, by its interval
    assert (s["sessions"], s["sessions_reported"], s["sessions_pending"], s["sessions_unreported"]) == (34, 28, 2, 2)
    assert s["sessions_stalled"] == 2  # client 3's runs held by a NextOfflineSyncTime still to come (Q311764)
    assert s["upload_stall_h"] == 30.5
    assert s["sessions"] == s["runs_served"] + s["runs_metered_locally"]
    assert s["status_9406"] == 3
    assert (s["remodbc_restarts"], s["server_hangs"], s["hours_hung"]) == (3, 1, 14.0)  # 10:00 to the end at 24:00
    # phantoms: 5 + 14 + 4 hours held; at most two at once (the one freed at 900 is gone before the one at 1200)
    assert (s["phantom_licences"], s["phantom_licence_h"], s["phantom_peak"], s["second_licences"]) == (3, 23.0, 2, 2)
    # Windows NT clients 0 and 2 lost their server four times: 2, 22, 0 and 0.5 h; median 1.25 h
    assert s["recovery_h_nt"] == 1.25 and s["recovery_h_win9x"] == 1.0


def test_numbers_with_nothing_to_measure_say_so():
    s = summarize(
        finished(
            agents=agent_counts(grants=0, denials=0, loss_client=(0, 2), loss_h=(1.0, 2.0)),
            callbacks=CallbackCounts(asked=0, granted=0, lapsed=0, waiting=0, waits_min=()),
            balancer=BalancingCounts(
                cycles=0,
                instant_balancings=0,
                instant_balancings_failed=0,
                busy_min=0.0,
                cycle_delays=(),
                move_waits=(),
                licenses_moved=0,
            ),
            misplaced=np.zeros((0, 2)),
            interval_h=np.zeros(0),
            win9x=np.array([False, True, False, False]),  # the Windows 95/98 client never lost its server
        )
    )
    assert s["denial_rate"] == 0.0 and s["never_served_rate"] == 0.0
    assert s["max_imbalance"] == 0.0 and s["imbalance_licence_h"] == 0.0
    assert s["balancing_delay_min"] == s["balancing_delay_max_min"] == 0.0
    assert math.isnan(s["instant_balancing_wait_min"])
    assert math.isnan(s["callback_wait_min"]) and math.isnan(s["recovery_h_win9x"]) and s["recovery_h_nt"] == 1.5


def test_the_ban_reaches_every_client_when_the_last_installed_one_downloads_it():
    reached = ConfigurationCounts(
        changed_at=360.0,
        downloaded_at=np.array([480.0, 960.0, 600.0, np.inf]),
        installed=np.array([True, True, True, False]),
        stopped=0,
        let_through=0,
    )
    s = summarize(finished(configuration=reached))
    assert s["ban_reach_h"] == 10.0 and s["clients_without_ban"] == 0  # 6:00 to client 1's 16:00
    nothing = ConfigurationCounts(
        changed_at=np.inf, downloaded_at=np.full(4, np.inf), installed=np.ones(4, bool), stopped=0, let_through=0
    )
    s = summarize(finished(configuration=nothing))
    assert s["clients_without_ban"] == 0 and math.isnan(s["ban_reach_h"])
