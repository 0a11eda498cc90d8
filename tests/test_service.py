"""Remodbc.ini and the weekly pack: PackTime read as a date, errors that name the file and entry.

The service monitor on its own: the pack that hangs after SP3, 9406 at every poll, an offline
server stopped and its restart clearing the hang.
"""

from datetime import datetime

import pandas as pd
import pytest

import kbsim
from kbsim import ParameterError, Params, read_remodbc
from kbsim.model.events import Scheduler
from kbsim.model.record import EventLog
from kbsim.model.service import RUNNING, STOP_PENDING, STOPPED, WIN32_1061, ServiceMonitor, first_pack


def test_the_default_pack_is_the_first_sunday_at_01_59_59():
    assert first_pack(datetime(2001, 6, 1)) == datetime(2001, 6, 3, 1, 59, 59)  # Friday -> Sunday
    assert first_pack(datetime(2001, 6, 3, 1, 0)) == datetime(2001, 6, 3, 1, 59, 59)
    assert first_pack(datetime(2001, 6, 3, 3, 0)) == datetime(2001, 6, 10, 1, 59, 59)


def test_read_remodbc_gives_packtime_as_a_date_and_feeds_a_run(tmp_path):
    ini = tmp_path / "Remodbc.ini"
    ini.write_text("[DS]\nPackTime=991533599\nPackInterval=86400\n[Logging]\nLogon=1\n")
    config = read_remodbc(ini)
    assert config.pack_time == datetime(2001, 6, 3, 1, 59, 59)  # the FACTS example: Sunday 01:59:59
    assert config.overrides() == {"pack_time": datetime(2001, 6, 3, 1, 59, 59), "pack_interval_h": 24.0}
    result = kbsim.run("Q299261", **config.overrides())
    packs = result.events.loc[result.events["kind"] == "pack", "time"].drop_duplicates()
    assert packs.iloc[0] == datetime(2001, 6, 3, 1, 59, 59) and len(packs) == 12  # daily from the 3rd to the 14th


def test_the_shipped_example_file_reads(tmp_path):
    config = read_remodbc("data/Remodbc.ini")
    assert config.pack_time.weekday() == 6 and config.pack_time.strftime("%H:%M:%S") == "01:59:59"


@pytest.mark.parametrize(
    "text, words",
    [
        ("[DS]\nPackInterval=604800\n", "no PackTime entry"),
        ("[DS]\nPackTime=next sunday\n", "[DS] PackTime='next sunday' is not allowed"),
        ("[DS]\nPackTime=-5\n", "[DS] PackTime='-5' is not allowed"),
        ("[DS]\nPackTime=991533599\nPackInterval=0\n", "[DS] PackInterval='0' is not allowed"),
        ("PackTime=991533599\n", "not a valid INI file"),
        ("[DS]\nPackTime=1\nPackTime=2\n", "not a valid INI file"),
    ],
)
def test_a_broken_remodbc_ini_names_the_file_and_the_entry(tmp_path, text, words):
    ini = tmp_path / "Remodbc.ini"
    ini.write_text(text)
    with pytest.raises(ParameterError) as caught:
        read_remodbc(ini)
    assert str(caught.value).startswith(str(ini)) and words in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_missing_remodbc_ini_is_a_clear_error(tmp_path):
    with pytest.raises(ParameterError, match=r"cannot read the Remodbc\.ini file"):
        read_remodbc(tmp_path / "Remodbc.ini")


# --- the service monitor on its own: a scheduler and an event record, no site ---------------------


def monitor(service_pack, **values):
    """A service monitor on two servers whose first pack is at 1 h, packing every 24 h."""
    params = Params(
        n_servers=2, service_pack=service_pack, pack_time=datetime(2001, 6, 1, 1), pack_interval_h=24.0, **values
    )
    scheduler, log = Scheduler(), EventLog()
    service = ServiceMonitor(params, scheduler, log)
    service.start()
    return service, scheduler, log


def test_after_sp3_the_pack_leaves_the_service_stopping_and_every_poll_raises_9406():
    service, scheduler, _ = monitor("SP3")
    scheduler.run(61.0)  # the pack at 60 min, polls at 15, 30, 45, 60 (after the pack: OBSERVE comes last)
    assert service.state == [STOP_PENDING, STOP_PENDING]
    assert [(m, s, message, state) for m, s, message, state, _ in service.status] == [
        (60.0, 0, 9406, STOP_PENDING),
        (60.0, 1, 9406, STOP_PENDING),
    ]
    assert all(WIN32_1061 in text for *_, text in service.status)  # the state, as the message's text says it


def test_sp4_packs_and_keeps_running():
    service, scheduler, log = monitor("SP4")
    scheduler.run(24 * 60 + 61.0)
    assert service.state == [RUNNING, RUNNING] and service.status == []
    packs = log.to_frame(pd.Timestamp("2001-06-01")).query("kind == 'pack'")
    assert packs["hours"].tolist() == [1.0, 1.0, 25.0, 25.0] and packs["server"].tolist() == [0, 1, 0, 1]


def test_an_offline_server_is_stopped_skips_the_pack_and_a_restart_clears_the_hang():
    service, scheduler, _ = monitor("SP3")
    scheduler.schedule(30.0, lambda _: service.server_down(1))
    scheduler.schedule(90.0, lambda _: service.server_up(1))
    scheduler.run(61.0)
    assert service.state == [STOP_PENDING, STOPPED]  # server 1 was offline at the pack
    assert [s for m, s, *_ in service.status if m == 45.0] == [1]
    assert service.status[0][3] == STOPPED and "does not answer" in service.status[0][4]
    scheduler.run(91.0)
    assert service.state == [STOP_PENDING, RUNNING]
    service.server_down(0)
    service.server_up(0)
    assert service.state == [RUNNING, RUNNING]  # the server's restart cleared its hang
