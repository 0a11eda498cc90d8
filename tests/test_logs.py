"""SMS-style logs: LICSRVC.log, the status message viewer and Liccli.log say what the run did, when and where."""

import re

import pandas as pd
import pytest
from IPython.lib.pretty import pretty

import kbsim
from kbsim import logs
from kbsim.ui.cli import main

STAMP = re.compile(
    r"^(?P<text>.+)  \$\$<(?P<component>\w+)><(?P<time>\w{3} \w{3} \d\d \d\d:\d\d:\d\d\.\d{3} \d{4})>"
    r"<thread=(?P<thread>\d+) \(0x(?P<hex>[0-9A-F]+)\)>$"
)


def parts(line):
    match = STAMP.match(line)
    assert match, line
    assert int(match["hex"], 16) == int(match["thread"])
    return match["text"], match["component"], match["time"]


def test_q299261_status_messages_as_the_console_listed_them():
    result = kbsim.run("Q299261")
    lines = logs.status_messages(result)
    assert lines[0].split() == [
        "Severity",
        "Date",
        "/",
        "Time",
        "Site",
        "code",
        "Component",
        "Message",
        "ID",
        "Description",
    ]
    assert len(lines) == 1 + result.summary["status_9406"]
    # The first pack is Sunday 2001-06-03 01:59:59; the manager's 02:00 poll finds both servers stopping.
    assert lines[1].split()[:7] == ["Error", "6/3/2001", "2:00:00", "AM", "KB1", "SMS_LICENSE_SERVER_MANAGER", "9406"]
    assert "not running on SWM0" in lines[1] and "Win32 error 1061" in lines[1]
    assert "not running on SWM1" in lines[2] and "6/3/2001 2:15:00 AM" in lines[3]
    assert lines[-1].split()[1:5] == ["6/14/2001", "11:45:00", "PM", "KB1"]  # at every poll to the end: until SP4
    assert logs.status_messages(kbsim.run("Q299261", variant="fix")) == lines[:1]


def test_q210202_unreachable_server_is_skipped_at_every_cycle_in_licsrvc_log():
    result = kbsim.run("Q210202", variant="unreachable")
    lines = logs.licsrvc(result)
    skipped = [parts(line) for line in lines if "cannot read minimum licences and buffer" in line]
    cycles = [parts(line) for line in lines if line.startswith("License balancing (scheduled)")]
    assert len(skipped) == len(cycles) == result.summary["balancing_cycles"] == 119
    assert all(text.startswith("SWM2: ") and "no ODBC access" in text for text, _, _ in skipped)
    assert all(component == "LICENSE_METERING" for _, component, _ in skipped + cycles)
    assert [time for _, _, time in skipped[:3]] == [
        "Fri Jun 01 01:00:00.000 2001",
        "Fri Jun 01 02:00:00.000 2001",
        "Fri Jun 01 03:00:00.000 2001",
    ]
    assert cycles[0][0].startswith("License balancing (scheduled), cycle 1:") and "over 2 servers" in cycles[0][0]
    first = next(i for i, line in enumerate(lines) if line.startswith("SWM2: "))  # after the 01:00 callbacks
    assert lines[first + 1].startswith("License balancing (scheduled), cycle 1:")


def test_q210202_instant_balancing_lines_match_the_summary():
    result = kbsim.run("Q210202", variant="on_demand")
    lines = logs.licsrvc(result)
    instant = [line for line in lines if line.startswith("Instant license balancing") and "licences moved" in line]
    assert len(instant) == result.summary["instant_balancings"] > 0
    moves = result.events[result.events["kind"] == "instant_balancing"]
    first = moves[moves["licences"] > 0].iloc[0]
    text, _, time = parts(instant[0])
    assert text == f"Instant license balancing to SWM{first['server']}, product 0: 2 licences moved on demand."
    answered = [line for line in lines if line.startswith("Callback answered")]
    assert len(answered) == result.summary["callbacks_granted"] > 0
    assert time == f"{first['time']:%a %b %d %H:%M:%S}.{first['time'].microsecond // 1000:03d} 2001"


def test_q226827_client_fails_over_at_once_in_its_liccli_log():
    result = kbsim.run("Q226827")
    client = logs.troubled_client(result)
    lines = logs.client_log(result, client)
    failed = next(i for i, line in enumerate(lines) if line.startswith("FAILED"))
    text, component, time = parts(lines[failed])
    assert text == "FAILED - Severity:0 Error:2 Failed to connect to the pipe-service on \\\\SWM0"
    assert component == "Licclint" and time.startswith("Sat Jun 02 08:")  # outage from 32.5 h: Sat 08:30
    switched, _, switched_at = parts(lines[failed + 1])
    assert switched.startswith("Switching to metering server \\\\SWM1") and switched_at == time
    assert not any("Will try again" in line for line in lines)


@pytest.mark.parametrize("variant, wait_s", [("fix", 900), ("no_server", 60)])
def test_q226827_retrying_clients_log_their_waits_and_reconnect(variant, wait_s):
    result = kbsim.run("Q226827", variant=variant)
    lines = logs.client_log(result, logs.troubled_client(result))
    texts = [parts(line)[0] for line in lines]
    assert f"+ON +: Will try again in {wait_s} secs." in texts
    back = next(line for line in lines if "back on-line" in line)
    assert parts(back)[2].startswith("Sat Jun 02 09:30")  # the outage ends at 33.5 h
    assert not any(text.startswith("Switching") for text in texts)


def test_q213261_a_lagging_client_logs_in_its_own_clock_and_holds_back_its_log():
    result = kbsim.run("Q213261")
    client = logs.troubled_client(result)
    assert result.usage.loc[client, "clock_offset_min"] == 240
    refused = result.events[(result.events["kind"] == "upload_refused") & (result.events["client"] == client)].iloc[0]
    line = next(line for line in logs.client_log(result, client) if "Offline upload not attempted" in line)
    text, _, time = parts(line)
    own_clock = refused["time"] - pd.Timedelta(minutes=240)
    assert time == f"{own_clock:%a %b %d %H:%M:%S}.{own_clock.microsecond // 1000:03d} 2001"
    assert "clock 240 min behind the site server" in text
    in_step = int(result.usage.index[result.usage["clock_offset_min"] == 0][0])
    assert any("Offline upload successful" in line for line in logs.client_log(result, in_step))


def test_q311764_a_client_set_ahead_logs_in_its_own_clock_and_says_when_its_upload_is_due():
    result = kbsim.run("Q311764")
    client = logs.troubled_client(result)
    ahead = result.usage.loc[client, "clock_ahead_min"]
    assert ahead == result.params.clock_ahead_min > 0
    events = result.events[result.events["client"] == client]
    skipped = events[events["kind"] == "upload_skipped"].iloc[1]
    lines = logs.client_log(result, client)
    line = next(line for line in lines if logs.UPLOAD_NOT_DUE in line and f"{skipped['minutes']:g} min" in line)
    text, _, time = parts(line)
    assert time == f"{skipped['time']:%a %b %d %H:%M:%S}.{skipped['time'].microsecond // 1000:03d} 2001"  # set right
    assert f"{skipped['runs']} runs held" in text or f"{skipped['runs']} run held" in text
    upload = events[(events["kind"] == "upload") & (events["hours"] < result.params.clock_sync_h)].iloc[0]
    own_clock = upload["time"] + pd.Timedelta(minutes=ahead)  # before 24 h the client's clock ran ahead
    stamp = f"{own_clock:%a %b %d %H:%M:%S}.{own_clock.microsecond // 1000:03d} 2001"
    assert any("Offline upload successful" in line and parts(line)[2] == stamp for line in lines)
    assert any("Date and time changed: clock set to the site server's (14400 min back)" in line for line in lines)


def test_windows_95_clients_log_as_liccli95():
    result = kbsim.run("Q212894")
    client = int(result.usage.index[result.usage["os"] == "Windows 95/98"][0])
    assert all(parts(line)[1] == "Liccli95" for line in logs.client_log(result, client))


def test_a_client_outside_the_run_is_refused():
    with pytest.raises(
        kbsim.ParameterError, match=r"client=200 is not a client of this run: expected a number from 0 to 199"
    ):
        logs.client_log(kbsim.run("Q226827"), 200)


def test_write_logs_and_show_in_a_notebook(tmp_path):
    result = kbsim.run("Q299261", days=8)
    paths = logs.write_logs(result, tmp_path / "logs")
    assert [p.name for p in paths] == ["LICSRVC.log", "status.txt", "Liccli.log"]
    assert (tmp_path / "logs" / "status.txt").read_text().splitlines() == logs.status_messages(result)
    lines = logs.status_messages(result)
    shown = logs.show(lines, count=2)
    assert isinstance(shown, str) and pretty(shown) == "\n".join(lines[:2])
    assert logs.show(lines, count=3, start_at="6/3/2001 2:15:00 AM").splitlines() == lines[3:6]
    with pytest.raises(ValueError, match="no line of this log contains it"):
        logs.show(lines, start_at="9407")


# --- the command line -----------------------------------------------------------------------------


def test_cli_prints_one_log(capsys):
    assert main(["logs", "Q299261", "--log", "status", "--set", "days=8"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == logs.status_messages(kbsim.run("Q299261", days=8))


def test_cli_prints_all_three_with_headers(capsys):
    assert main(["logs", "Q226827", "--variant", "fix", "--seed", "2"]) == 0
    out = capsys.readouterr().out
    client = logs.troubled_client(kbsim.run("Q226827", variant="fix", seed=2))
    assert "==> LICSRVC.log <==" in out and "==> status.txt <==" in out
    assert f"==> Liccli.log (client {client}) <==" in out and "Will try again in 900 secs." in out


def test_cli_writes_the_files_into_a_folder(tmp_path, capsys):
    assert main(["logs", "Q210202", "--variant", "unreachable", "--client", "3", "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().out.split() == [
        str(tmp_path / name) for name in ("LICSRVC.log", "status.txt", "Liccli.log")
    ]
    assert "cannot read minimum licences and buffer" in (tmp_path / "LICSRVC.log").read_text()
    client_3 = logs.client_log(kbsim.run("Q210202", variant="unreachable"), 3)
    assert (tmp_path / "Liccli.log").read_text().splitlines() == client_3


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--log", "nope"], "--log: unknown log 'nope': expected one of 'licsrvc', 'status', 'client'"),
        (["--client", "999"], "client=999 is not a client of this run"),
        (["--set", "retrys=2"], "unknown parameter"),
        (["--variant", "nope"], "unknown variant 'nope'"),
        (["--out", "FILE"], "is not a folder, cannot write there"),
    ],
)
def test_cli_bad_logs_are_one_line_and_exit_2(tmp_path, capsys, argv, words):
    (tmp_path / "FILE").write_text("a file, not a folder")
    argv = [str(tmp_path / "FILE") if a == "FILE" else a for a in argv]
    assert main(["logs", "Q226827", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kbsim: error: ") and words in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "preset, variant, seed",
    [("Q212894", None, 1), ("Q212894", "restart", 2), ("Q226827", "fix", 3), ("Q226827", "no_server", 4)],
)
def test_each_failed_try_records_the_cadence_of_the_clients_next_try(preset, variant, seed):
    """The retry cadence is an event fact, recorded where the retry is scheduled: the gap to the next try is it,
    and Liccli.log's "Will try again" reads it (a failure that failed over at once records none)."""
    result = kbsim.run(preset, variant=variant, seed=seed)
    events = result.events
    tries = events[events["kind"].isin(["contact_failed", "retry", "failover", "rebind", "reconnect", "restart"])]
    checked = 0
    for _, client in tries.groupby("client", observed=True):
        rows = list(client[["hours", "kind", "minutes"]].itertuples(index=False))
        for (hours, kind, retry_min), following in zip(rows, [*rows[1:], None]):
            if kind == "retry":
                assert not pd.isna(retry_min), "every retry says when the next comes"
            if kind == "contact_failed" and following is not None and following.kind == "failover":
                assert following.hours == hours and pd.isna(retry_min), "failed over at once: no retry to wait for"
            if kind in ("contact_failed", "retry") and following is not None and following.kind == "retry":
                assert abs((following.hours - hours) * 60 - retry_min) < 1e-6
                checked += 1
    assert checked > 50
    client = logs.troubled_client(result)
    waits = [
        float(m.group(1))
        for line in logs.client_log(result, client)
        for m in [re.search(r"Will try again in ([0-9.e+]+) secs", line)]
        if m
    ]
    mine = events[
        (events["client"] == client) & events["minutes"].notna() & events["kind"].isin(["retry", "contact_failed"])
    ]
    assert waits == pytest.approx((mine["minutes"].astype(float) * 60).tolist())
