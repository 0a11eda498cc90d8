"""The outage mechanism on its own: a scheduler, an event record and a stand-in for the servers' services."""

import math

import pandas as pd

from kbsim.model.events import Scheduler
from kbsim.model.outages import Outages
from kbsim.model.record import EventLog


class Services:
    """Stands in for the service monitor: remembers what the outages told it, and when."""

    def __init__(self, scheduler):
        self.scheduler = scheduler
        self.told = []

    def server_down(self, server):
        self.told.append((self.scheduler.now, "down", server))

    def server_up(self, server):
        self.told.append((self.scheduler.now, "up", server))


def rows(log):
    """The events recorded: (minute, kind, server, detail)."""
    frame = log.to_frame(pd.Timestamp("2001-06-01"))
    return list(
        zip((frame["hours"] * 60).tolist(), frame["kind"].astype(str), frame["server"].tolist(), frame["detail"])
    )


def outages(n_servers, spans):
    scheduler, log = Scheduler(), EventLog()
    services = Services(scheduler)
    return Outages(n_servers, spans, scheduler, log, services), scheduler, log, services


def test_a_server_is_down_while_any_of_its_outages_lasts_and_its_services_hear_it_once():
    # server 0: 1 h to 3 h and 2 h to 4 h overlap, so it is down from 1 h to 4 h
    servers, scheduler, log, services = outages(2, [(0, 1.0, 120.0), (0, 2.0, 120.0)])
    servers.start()
    seen = []
    for minute in (30.0, 90.0, 150.0, 210.0, 250.0):
        scheduler.schedule(minute, lambda _: seen.append((scheduler.now, servers.up[:], servers.n_up)))
    scheduler.run(300.0)
    assert seen == [
        (30.0, [True, True], 2),
        (90.0, [False, True], 1),
        (150.0, [False, True], 1),
        (210.0, [False, True], 1),
        (250.0, [True, True], 2),
    ]
    assert services.told == [(60.0, "down", 0), (240.0, "up", 0)]
    assert rows(log) == [(60.0, "outage_start", 0, "SWM0 offline"), (240.0, "outage_end", 0, "SWM0 back online")]
    assert servers.all_down == []


def test_the_spans_with_no_server_up_are_kept_and_one_still_going_ends_with_the_run():
    servers, scheduler, _, _ = outages(2, [(0, 1.0, 60.0), (1, 1.5, 60.0), (0, 5.0, 600.0), (1, 6.0, 600.0)])
    servers.start()
    scheduler.run(480.0)
    assert servers.all_down == [(90.0, 120.0)] and servers.n_up == 0  # both down again since 6 h
    servers.close(480.0)
    assert servers.all_down == [(90.0, 120.0), (360.0, 480.0)]


def test_the_next_state_change_is_the_next_outage_boundary_of_any_server():
    servers, *_ = outages(3, [(2, 1.0, 30.0), (0, 2.0, 60.0)])
    assert servers.next_state_change(0.0) == 60.0
    assert servers.next_state_change(60.0) == 90.0  # strictly after now
    assert servers.next_state_change(100.0) == 120.0
    assert servers.next_state_change(180.0) == math.inf


def test_outages_go_down_before_anything_else_due_at_the_same_minute():
    servers, scheduler, _, _ = outages(1, [(0, 1.0, 60.0)])
    seen = []
    scheduler.schedule(60.0, lambda _: seen.append(servers.up[0]))  # on the calendar before the outage
    servers.start()
    scheduler.run(100.0)
    assert seen == [False]
