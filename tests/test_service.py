"""Remodbc.ini and the weekly pack: PackTime read as a date, errors that name the file and entry."""

from datetime import datetime

import pytest

import kbsim
from kbsim import ParameterError, read_remodbc
from kbsim.service import first_pack


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
