"""The event record: facts in typed columns, the sentence of each event written from them, time order kept."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import kbsim
from kbsim import plots
from kbsim.model import record
from kbsim.model.record import DENY, EVENT_FACTS, EVENT_KINDS, GRANT, LOGGED_LOCALLY, EventLog, launch_outcome
from kbsim.model.service import HANGS_AFTER_PACK, HUNG, RUNNING, STOP_PENDING, STOPPED

START = pd.Timestamp("2001-06-01")

#: One event of every kind, with the facts the model records for it, and its sentence as kbsim
#: wrote it when events were stored as sentences (before issue 11): the wording must read the same.
EVERY_KIND = [
    ("contact_failed", dict(client=3, server=1, product=0), {}, "SWM1 does not answer"),
    (
        "failover",
        dict(client=3, server=0),
        dict(reason="first failure", from_server=1),
        "moved from SWM1 at the first failure, no retries",
    ),
    (
        "failover",
        dict(client=4, server=2),
        dict(reason="retries", from_server=0, attempt=4),
        "moved from SWM0 after 4 retries",
    ),
    ("rebind", dict(client=5, server=1), dict(reason="CCIM cycle"), "server list re-read at CCIM cycle; bound to SWM1"),
    ("rebind", dict(client=5, server=1), dict(reason="restart"), "server list re-read at restart; bound to SWM1"),
    ("restart", dict(client=5, server=0), {}, "the user restarted the computer: a CCIM cycle runs"),
    ("retry", dict(client=6, server=0), dict(attempt=658), "attempt 658: SWM0 did not answer"),
    ("reconnect", dict(client=6, server=0), {}, "back online with SWM0"),
    ("outage_start", dict(server=1), {}, "SWM1 offline"),
    ("outage_end", dict(server=1), {}, "SWM1 back online"),
    ("balancing", {}, dict(cycle=23, licences=0, servers=3, minutes=0.0), "cycle 23: 0 licences moved over 3 servers"),
    (
        "balancing",
        {},
        dict(cycle=2, licences=5, servers=2, minutes=15.4),
        "cycle 2: 5 licences moved over 2 servers, 15 min late: License Metering was busy balancing on demand",
    ),
    (
        "balancing_skipped",
        dict(server=2),
        dict(reason="no ODBC access"),
        "cannot read minimum licences and buffer (no ODBC access)",
    ),
    ("balancing_skipped", dict(server=0), dict(reason="offline"), "cannot read minimum licences and buffer (offline)"),
    ("instant_balancing", dict(server=1, product=0), dict(licences=2), "2 licences moved on demand"),
    (
        "instant_balancing_failed",
        dict(server=1, product=0),
        {},
        "no licence free in the reserve or on another reachable server",
    ),
    (
        "phantom",
        dict(client=7, server=0, product=0),
        {},
        "the running program's licence stays in use on SWM0 (Q226838)",
    ),
    (
        "second_licence",
        dict(client=7, server=1, product=0),
        {},
        "SWM1 grants the running program a second licence (Q226838)",
    ),
    ("phantom_freed", dict(server=0, product=0), {}, "SWM0's service started again: a phantom licence freed"),
    ("callback", dict(client=7, server=1, product=0), {}, "the user asked to be called back"),
    ("callback_granted", dict(client=7, server=1, product=0), {}, "a licence is free: the program starts"),
    ("callback_lapsed", dict(client=8, server=1, product=0), dict(minutes=60.0), "no licence within 60 min"),
    ("pack", dict(server=0), {}, "FoxPro data cache packed (Remodbc.ini PackTime)"),
    (
        "service_state",
        dict(server=0),
        dict(state="stop pending", reason="pack under SP3"),
        "SMS_LICENSE_SERVER stop pending: reports stopping after the pack but keeps running (SP3, Q299261)",
    ),
    (
        "service_state",
        dict(server=0),
        dict(state="stop pending", reason="pack under SP2+hotfix"),
        "SMS_LICENSE_SERVER stop pending: reports stopping after the pack but keeps running (SP2+hotfix, Q299261)",
    ),
    (
        "service_state",
        dict(server=1),
        dict(state="stopped", reason="offline"),
        "SMS_LICENSE_SERVER stopped: the server is offline",
    ),
    (
        "service_state",
        dict(server=1),
        dict(state="running", reason="back online"),
        "SMS_LICENSE_SERVER running: started again with the server",
    ),
    ("upload", dict(client=9), dict(runs=1), "1 run uploaded from the offline log"),
    ("upload", dict(client=9), dict(runs=3), "3 runs uploaded from the offline log"),
    (
        "upload_refused",
        dict(client=9),
        dict(runs=6, minutes=240.0),
        "clock 240 min behind the site server; 6 runs held on the client",
    ),
    ("clock_sync", dict(client=9), dict(minutes=240.0), "clock set to the site server's (240 min forward)"),
    (
        "reinstall",
        dict(client=9),
        dict(runs=7),
        "client software removed and installed again; 7 runs in the offline log deleted",
    ),
    ("clock_sync", dict(client=8), dict(minutes=-14400.0), "clock set to the site server's (14400 min back)"),
    (
        "upload_skipped",
        dict(client=8),
        dict(runs=2, minutes=14160.0),
        "next offline upload due in 14160 min by this computer's clock (NextOfflineSyncTime); 2 runs held on the "
        "client",
    ),
    (
        "remodbc_restart",
        dict(server=2),
        dict(megabytes=50),
        "Remodbc.exe at 50 MB: restarted by the License Server Manager",
    ),
    (
        "remodbc_hang",
        dict(server=1),
        dict(megabytes=51, minutes=480.0),
        "Remodbc.exe at 51 MB could not be stopped for its restart: SWM1 hangs until a reboot (8 h on)",
    ),
    (
        "service_state",
        dict(server=1),
        dict(state="hung", reason="stop failed"),
        "SMS_LICENSE_SERVER hung: Remodbc.exe could not be stopped for its restart; the server answers nobody "
        "(Q245271)",
    ),
    ("reboot", dict(server=1), {}, "SWM1 rebooted after its Remodbc.exe hang"),
    ("configuration_changed", dict(product=1), {}, "product 1 forbidden: its access times removed (Q244906)"),
    (
        "configuration_downloaded",
        dict(client=4, product=1),
        {},
        "client configuration downloaded: product 1 forbidden",
    ),
    (
        "configuration_failed",
        dict(client=4, product=1),
        {},
        "Downloading client configuration... failed: no metering server answers",
    ),
]


def log_of_every_kind():
    """A record holding one launch of each outcome, then EVERY_KIND, one minute apart."""
    log = EventLog()
    log.set_launches(np.array([0.0, 0.0, 0.0, 0.0]), np.array([1, 2, 3, 4]), np.array([0, 0, 0, 1]))
    for outcome in (
        launch_outcome(GRANT, 0),
        launch_outcome(DENY, 2),
        launch_outcome(LOGGED_LOCALLY, -1),
        launch_outcome(record.FORBIDDEN, -1),
    ):
        log.outcomes.append(outcome)
    for minute, (kind, where, facts, _) in enumerate(EVERY_KIND, start=1):
        ids = {"client": -1, "server": -1, "product": -1, **where}
        log.add(float(minute), kind, ids["client"], ids["server"], ids["product"], **facts)
    return log


def test_every_kind_has_a_sentence_that_reads_as_it_did():
    events = log_of_every_kind().to_frame(START)
    assert {kind for kind, *_ in EVERY_KIND} | set(record.LAUNCH_KINDS) == set(EVENT_KINDS)
    stopped = "forbidden program: stopped by the agent (no access times, Q244906)"
    launches = ["", "no free licence on SWM2", "", stopped]
    assert events["detail"].astype(str).tolist() == launches + [s for *_, s in EVERY_KIND]
    assert record.describe(events).tolist() == events["detail"].astype(str).tolist()
    assert record.describe(events.iloc[[5, 10]]).tolist() == [EVERY_KIND[1][3], EVERY_KIND[6][3]]


def test_the_facts_are_typed_columns_that_only_their_events_hold():
    events = log_of_every_kind().to_frame(START)
    assert list(events.columns) == ["time", "hours", "kind", "client", "server", "product", "detail", *EVENT_FACTS]
    assert str(events["attempt"].dtype) == "Int32" and str(events["minutes"].dtype) == "Float64"
    assert list(events["state"].cat.categories) == list(record.SERVICE_STATES)
    assert list(events["reason"].cat.categories) == list(record.REASONS)
    launches = events.iloc[:4]
    assert launches[list(EVENT_FACTS)].isna().all().all()
    retry = events[events["kind"] == "retry"].iloc[0]
    assert retry["attempt"] == 658 and pd.isna(retry["licences"]) and retry["server"] == 0
    states = events[events["kind"] == "service_state"]
    assert states["state"].astype(str).tolist() == ["stop pending", "stop pending", "stopped", "running", "hung"]
    moved = events[events["kind"] == "balancing"]
    assert moved[["cycle", "licences", "servers", "minutes"]].astype(float).to_numpy().tolist() == [
        [23, 0, 3, 0.0],
        [2, 5, 2, 15.4],
    ]
    # Every fact a kind carries in the declarations is one the record holds for it.
    for kind, _, facts, _ in EVERY_KIND:
        assert all(kind in EVENT_FACTS[name] for name in facts), kind


def test_every_service_pack_that_hangs_after_the_pack_has_its_reason():
    assert {f"pack under {pack}" for pack in HANGS_AFTER_PACK} <= set(record.REASONS)
    assert set(record.SERVICE_STATES) == {RUNNING, STOP_PENDING, STOPPED, HUNG}


def test_an_unknown_reason_or_state_is_refused_where_it_is_recorded():
    log = EventLog()
    with pytest.raises(KeyError):
        log.add(0.0, "service_state", -1, 0, -1, state="paused", reason="offline")


def test_same_minute_events_keep_the_order_they_were_recorded_in_around_the_launches():
    log = EventLog()
    log.set_launches(np.array([5.0, 5.0, 5.0, 7.0]), np.array([0, 1, 2, 3]), np.zeros(4, dtype=int))
    log.add(5.0, "outage_start", -1, 0, -1)  # before any launch
    log.outcomes.append(launch_outcome(GRANT, 1))
    log.add(9.0, "retry", 4, 0, -1, attempt=2)  # recorded early, for later (a retry ahead of time)
    log.add(5.0, "pack", -1, 1, -1)  # after the first launch of minute 5
    log.outcomes.append(launch_outcome(DENY, 1))
    log.outcomes.append(launch_outcome(GRANT, 1))
    log.add(5.0, "outage_end", -1, 0, -1)  # after all three
    log.outcomes.append(launch_outcome(GRANT, 0))
    log.add(2.0, "retry", 4, 0, -1, attempt=1)  # recorded late, for earlier
    events = log.to_frame(START)
    assert events["kind"].astype(str).tolist() == [
        "retry",
        "outage_start",
        "grant",
        "pack",
        "deny",
        "grant",
        "outage_end",
        "grant",
        "retry",
    ]
    assert events["client"].astype("Int64").tolist() == [4, pd.NA, 0, pd.NA, 1, 2, pd.NA, 3, 4]
    assert events["attempt"].dropna().tolist() == [1, 2]
    assert events["hours"].tolist() == [m / 60 for m in (2, 5, 5, 5, 5, 5, 5, 7, 9)]


def test_a_reworded_sentence_changes_no_figure_and_no_table(monkeypatch):
    """Nothing reads a fact back out of a sentence: rewording every event leaves the figures and numbers."""
    before = kbsim.run("Q299261", days=9)
    ax = plots.service_timeline(before)
    bars = [tuple(map(tuple, c.get_paths()[0].vertices.round(6).tolist())) for c in ax.collections]
    plt.close(ax.figure)
    for kind in EVENT_KINDS:
        monkeypatch.setitem(record._SENTENCES, kind, lambda facts, kind=kind: f"reworded {kind}")
    after = kbsim.run("Q299261", days=9)
    assert (after.events["detail"].astype(str) == "reworded " + after.events["kind"].astype(str)).all()
    ax = plots.service_timeline(after)
    assert [tuple(map(tuple, c.get_paths()[0].vertices.round(6).tolist())) for c in ax.collections] == bars
    plt.close(ax.figure)
    assert after.summary == before.summary or all(
        a == b or (a != a and b != b) for a, b in zip(after.summary.values(), before.summary.values())
    )
    pd.testing.assert_frame_equal(after.events.drop(columns="detail"), before.events.drop(columns="detail"))


def test_a_large_run_keeps_few_bytes_per_launch_row():
    """The launches' rows hold a clock, hours and small numbers; no text of their own (issue 11)."""
    result = kbsim.run("site", n_clients=2000, days=3, licenses=5, instant_balancing=False, callback_share=0.0)
    events = result.events
    launches = events["kind"].isin(["grant", "deny", "logged_locally"])
    assert launches.mean() > 0.95
    assert events["detail"].dtype == "category" and len(events["detail"].cat.categories) < 50
    written = sum(events[c].array.nbytes for c in ["kind", "client", "server", "product", "detail"])
    assert written / len(events) < 16  # kind 1, client 5, server 3, product 3, detail 1 byte (+ its texts)
