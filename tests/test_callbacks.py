"""Callbacks on their own: a ledger, a scheduler, an event record and a stand-in for the user who starts a program."""

import numpy as np
import pandas as pd

from kbsim import Params
from kbsim.model.callbacks import Callbacks
from kbsim.model.events import Scheduler
from kbsim.model.licenses import LicenseLedger
from kbsim.model.record import EventLog


def callbacks(share=1.0, duration_min=30.0, free=(0, 0)):
    """Callbacks on two servers of one product; ``free`` licences on each, none in the reserve."""
    params = Params(callback_share=share, callback_duration_min=duration_min)
    scheduler, log = Scheduler(), EventLog()
    ledger = LicenseLedger(2, 1, sum(free), 0.0, [1.0, 1.0])
    ledger.free[:] = list(free)
    started = []

    def start(launch, client, server, product):  # the user starts the program: it takes a licence
        started.append((scheduler.now, launch, client, server, product))
        ledger.free[server] -= 1
        ledger.in_use[server] += 1

    return Callbacks(params, np.random.default_rng(1), scheduler, log, ledger, start), scheduler, log, ledger, started


def kinds(log):
    frame = log.to_frame(pd.Timestamp("2001-06-01"))
    return list(zip((frame["hours"] * 60).tolist(), frame["kind"].astype(str), frame["client"].tolist()))


def test_the_oldest_callback_is_answered_first_while_a_licence_is_free():
    cb, scheduler, log, ledger, started = callbacks()
    for minute, launch, client in ((1.0, 10, 0), (2.0, 11, 1), (3.0, 12, 2)):
        scheduler.now = minute
        cb.refused(launch, client, key=1)  # server 1, product 0
    ledger.free[1] = 2
    scheduler.now = 15.0
    cb.serve(15.0, 1)
    assert started == [(15.0, 10, 0, 1, 0), (15.0, 11, 1, 1, 0)]  # two licences: the two oldest
    assert cb.asked == 3 and cb.granted == 2 and cb.waits_min == [14.0, 13.0]
    assert cb.close(20.0) == 1 and cb.lapsed == 0  # the third still waits at the run's end
    assert kinds(log) == [(1.0, "callback", 0), (2.0, "callback", 1), (3.0, "callback", 2)]


def test_a_callback_lapses_after_its_duration_and_is_recorded_when_it_lapsed():
    cb, scheduler, log, ledger, started = callbacks(duration_min=30.0)
    scheduler.now = 0.0
    cb.refused(launch=0, client=4, key=0)
    cb.serve(20.0, 0)
    assert cb.lapsed == 0
    ledger.free[0] = 1
    cb.serve(31.0, 0)  # a licence is free, but too late
    assert cb.lapsed == 1 and cb.granted == 0 and started == []
    assert kinds(log)[-1] == (30.0, "callback_lapsed", 4)


def test_callbacks_that_would_have_lapsed_by_the_end_are_counted_lapsed_not_waiting():
    cb, scheduler, _, _, _ = callbacks(duration_min=30.0)
    for minute in (0.0, 50.0):
        scheduler.now = minute
        cb.refused(launch=0, client=0, key=0)
    assert cb.close(60.0) == 1 and cb.lapsed == 1
    assert cb.asked == cb.granted + cb.lapsed + 1


def test_the_share_of_users_who_ask_follows_callback_share():
    asked = {}
    for share in (0.0, 0.25, 1.0):
        cb, *_ = callbacks(share=share)
        for launch in range(2000):
            cb.refused(launch, client=launch, key=0)
        asked[share] = cb.asked
    assert asked[0.0] == 0 and asked[1.0] == 2000
    assert 400 < asked[0.25] < 600
