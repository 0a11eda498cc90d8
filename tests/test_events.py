"""The event loop: time order, named priorities, first-in first-out ties, and the launch stream."""

import pytest

from kbsim.model.events import NORMAL, OBSERVE, STATE, Scheduler


def test_runs_in_time_then_priority_then_arrival_order():
    scheduler, seen = Scheduler(), []
    scheduler.schedule(5.0, seen.append, "late")
    scheduler.schedule(1.0, seen.append, "observe", OBSERVE)
    scheduler.schedule(1.0, seen.append, "normal-1", NORMAL)
    scheduler.schedule(1.0, seen.append, "state", STATE)
    scheduler.schedule(1.0, seen.append, "normal-2", NORMAL)
    scheduler.run(until=10.0)
    assert seen == ["state", "normal-1", "normal-2", "observe", "late"]
    assert scheduler.now == 10.0


def test_entries_at_or_after_until_wait():
    scheduler, seen = Scheduler(), []
    scheduler.schedule(10.0, seen.append, "at the end")
    scheduler.run(until=10.0)
    assert seen == [] and scheduler.now == 10.0
    scheduler.run(until=10.5)
    assert seen == ["at the end"]


def test_the_stream_merges_after_calendar_entries_due_by_then():
    scheduler, seen = Scheduler(), []
    scheduler.schedule(2.0, seen.append, "calendar@2")
    scheduler.schedule(3.5, seen.append, "calendar@3.5")

    def on_stream(i):
        seen.append(f"stream#{i}@{scheduler.now}")
        if i == 0:
            scheduler.schedule(scheduler.now + 0.5, seen.append, "scheduled by stream")

    scheduler.run(until=4.0, stream=[1.0, 2.0, 3.0, 5.0], on_stream=on_stream)
    assert seen == ["stream#0@1.0", "scheduled by stream", "calendar@2", "stream#1@2.0", "stream#2@3.0", "calendar@3.5"]


def test_cannot_schedule_in_the_past():
    scheduler = Scheduler()
    scheduler.run(until=5.0)
    with pytest.raises(ValueError, match="before now"):
        scheduler.schedule(4.0, print)
