"""Fuzzing every input a user writes (issue 21): preset files, --set values, grids, Remodbc.ini texts.

Hypothesis writes them; each either runs or fails with one ParameterError line that names the
input (exit 2 on the command line), never a traceback. Examples are few and derandomized, so the
suite stays fast and CI deterministic.
"""

from __future__ import annotations

import codecs
import math
import string
from concurrent.futures import Executor, Future
from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kbsim
import kbsim.analysis.sweeps
from kbsim.ui.cli import main

FUZZ = settings(
    max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
#: Small runs of Q226827 (its outage at 32.5 h needs two days).
SMALL = {"days": 2, "n_clients": 20}
NAMES = [*kbsim.PARAMETERS, "retrys", "", "n clients", "seed"]


def one_line(err: str) -> bool:
    return err.startswith("kbsim: error: ") and err.count("\n") == 1 and "Traceback" not in err


# Values of every kind a user might write: right, wrong, out of range, not finite, numpy, zoned.
numbers = st.one_of(
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, 2, 3, 20, 60, 0.5, 1.0, 24.0, math.nan, math.inf, -math.inf, 2**63]),
)
dates = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
    st.dates(),
    st.datetimes(timezones=st.just(UTC)),
    st.sampled_from(
        [datetime(2001, 6, 1), datetime(2262, 4, 10), datetime(2001, 6, 1, tzinfo=timezone(timedelta(hours=2)))]
    ),
)
words = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["online", "offline", "SP3", "immediate", "after_retries", "0:30:45", "1,2", "²", "nan", "1e3"]),
)
scalars = st.one_of(numbers, st.booleans(), words, dates)
values = st.one_of(scalars, st.lists(st.one_of(numbers, st.lists(numbers, max_size=4)), max_size=3))
python_values = st.one_of(
    values,
    st.none(),
    numbers.filter(lambda x: isinstance(x, int) and abs(x) < 2**62).map(np.int64),
    st.floats(allow_nan=True).map(np.float64),
    st.booleans().map(np.bool_),
)


def toml(value) -> str:
    """A value as TOML (what a user's file would hold)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if value != value else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(map(toml, value)) + "]"
    return '"' + "".join(c if c.isprintable() and c not in '"\\' else f"\\u{ord(c):04x}" for c in value) + '"'


@st.composite
def preset_texts(draw) -> str:
    lines = []
    for key in draw(
        st.lists(st.sampled_from(["title", "article", "plots", "explore", "metrics", "nope"]), unique=True)
    ):
        lines.append(f"{key} = {toml(draw(values))}")
    lines.append("[params]")
    for name in draw(st.lists(st.sampled_from([*kbsim.PARAMETERS, "retrys"]), max_size=4, unique=True)):
        lines.append(f"{name} = {toml(draw(values))}")
    for variant in draw(st.lists(st.sampled_from(["fault", "fix", "x y"]), max_size=2, unique=True)):
        lines.append(f'[variants."{variant}"]')
        for name in draw(st.lists(st.sampled_from(list(kbsim.PARAMETERS)), max_size=2, unique=True)):
            lines.append(f"{name} = {toml(draw(values))}")
    return "\n".join(lines) + "\n"


@FUZZ
@given(text=preset_texts(), encoding=st.sampled_from(["utf-8", "utf-16", "latin-1"]))
def test_a_preset_file_runs_or_fails_in_one_line_naming_the_file(tmp_path_factory, capsys, text, encoding):
    path = tmp_path_factory.mktemp("presets") / "mine.toml"
    path.write_bytes(text.encode(encoding, errors="replace"))
    code = main(["run", str(path), "--set", "days=2", "--set", "n_clients=20", "--json"])
    err = capsys.readouterr().err
    assert code in (0, 2)
    if code == 2:
        assert one_line(err) and ("mine.toml" in err or "--set" in err or "days" in err or "n_clients" in err), err


@FUZZ
@given(name=st.sampled_from(NAMES), text=st.one_of(st.text(max_size=20), words, numbers.map(str), dates.map(str)))
def test_a_set_value_runs_or_fails_in_one_line_naming_it(capsys, name, text):
    code = main(["run", "Q226827", "--set", "days=2", "--set", "n_clients=20", "--set", f"{name}={text}"])
    err = capsys.readouterr().err
    assert code in (0, 2)
    if code == 2:
        assert one_line(err) and (name or "NAME=VALUE") in err, err


class InlineExecutor(Executor):
    """Runs each run as it is submitted, in this process: the command line's sweeps, without a pool."""

    def submit(self, fn, *args, **kwargs):
        future: Future = Future()
        future.set_result(fn(*args, **kwargs))
        return future


@FUZZ
@given(grid=st.dictionaries(st.sampled_from(NAMES), st.lists(python_values, min_size=0, max_size=3), max_size=2))
def test_a_grid_runs_every_point_or_fails_in_one_line(grid):
    try:
        frame = kbsim.sweep("Q226827", grid, seeds=1, executor=InlineExecutor(), progress=False, **SMALL)
    except kbsim.ParameterError as exc:
        assert "\n" not in str(exc)
        return
    assert len(frame) == math.prod(len(v) for v in grid.values())
    assert (frame["requests"] >= 0).all()


@FUZZ
@given(name=st.sampled_from(NAMES), text=st.text(alphabet=string.printable + "²é;:[]", max_size=16))
def test_a_command_line_grid_runs_or_fails_in_one_line(monkeypatch, tmp_path_factory, capsys, name, text):
    monkeypatch.setattr(kbsim.analysis.sweeps, "ProcessPoolExecutor", lambda **_: InlineExecutor())
    out = tmp_path_factory.mktemp("sweeps") / "runs.csv"
    argv = ["sweep", "Q226827", "--grid", f"{name}={text}", "--seeds", "1", "--set", "n_clients=20"]
    code = main([*argv, "--out", str(out)])
    err = capsys.readouterr().err
    assert code in (0, 2)
    if code == 2:
        assert one_line(err) and not out.exists(), err
    else:
        assert len(pd.read_csv(out)) >= 1


ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252", "latin-1"]
ini_lines = st.one_of(
    st.sampled_from(["[DS]", "[Other]", "[ds]", "[", "]", "", "; a comment", "PackTime", "=", "PackInterval=3600"]),
    st.builds(
        lambda key, value: f"{key}={value}",
        st.sampled_from(["PackTime", "packtime", "PackInterval", "Other"]),
        st.one_of(st.integers(-5, 2**33).map(str), st.text(max_size=8), st.just("²")),
    ),
    st.text(max_size=20),
)


@FUZZ
@given(
    lines=st.lists(ini_lines, max_size=8),
    encoding=st.sampled_from(ENCODINGS),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_a_remodbc_ini_is_read_or_refused_in_one_line(tmp_path_factory, lines, encoding, newline):
    path = tmp_path_factory.mktemp("ini") / "Remodbc.ini"
    path.write_bytes(newline.join(lines).encode(encoding, errors="replace"))
    try:
        config = kbsim.read_remodbc(path)
    except kbsim.ParameterError as exc:
        assert "\n" not in str(exc) and "Remodbc.ini" in str(exc)
        return
    kbsim.Params.from_values(config.overrides())  # what it reads is a value the run accepts


@FUZZ
@given(
    seconds=st.integers(0, 2**32 - 1),
    interval=st.integers(3600, 10**6),
    encoding=st.sampled_from(ENCODINGS),
    before=st.lists(st.sampled_from(["; SMS 2.0", "[General]", "Server=SWM1"]), max_size=3, unique=True),
)
def test_a_remodbc_ini_in_any_windows_encoding_gives_its_pack_time(
    tmp_path_factory, seconds, interval, encoding, before
):
    path = tmp_path_factory.mktemp("ini") / "Remodbc.ini"
    text = "\r\n".join([*before, "[DS]", f"PackTime={seconds}", f"PackInterval={interval}"]) + "\r\n"
    path.write_bytes(text.encode(encoding))
    config = kbsim.read_remodbc(path)
    assert config.pack_time == datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
    assert config.pack_interval_s == interval


def test_a_byte_order_mark_or_utf_16_is_read_as_windows_writes_it(tmp_path):
    path = tmp_path / "Remodbc.ini"
    for prefix, encoding in ((codecs.BOM_UTF8, "utf-8"), (b"", "utf-16"), (b"", "utf-16-le")):
        path.write_bytes(prefix + "[DS]\r\nPackTime=991533599\r\n".encode(encoding))
        assert kbsim.read_remodbc(path).pack_time == datetime(2001, 6, 3, 1, 59, 59)


@pytest.mark.parametrize(
    "values, words",
    [
        ({"n_clients": math.nan}, "n_clients=nan is not allowed (not a finite number)"),
        ({"n_clients": math.inf}, "n_clients=inf is not allowed (not a finite number)"),
        ({"start": "2300-01-01"}, "start='2300-01-01T00:00:00' is not allowed (out of range)"),
        ({"start": "2262-04-10", "days": 2}, "(out of range)"),
        ({"start": datetime(2001, 6, 1, tzinfo=UTC)}, "(a time zone"),
        ({"start": "2001-06-01T00:00+02:00"}, "(a time zone"),
        ({"pack_time": "²"}, "pack_time='²' is not allowed"),
        ({"outages": [[0, 1, math.inf]]}, "minutes must be a finite number"),
        ({"outages": [[math.inf, 1, 30]]}, "server must be a whole number"),
        ({"unreachable_servers": [math.nan]}, "servers are whole numbers"),
    ],
)
def test_the_issue_s_bad_values_are_one_line(values, words):
    with pytest.raises(kbsim.ParameterError) as refused:
        kbsim.run("site", **values)
    assert words in str(refused.value) and "\n" not in str(refused.value)


def test_numpy_numbers_are_taken_wherever_python_numbers_are():
    plain = kbsim.run("Q226827", n_clients=30, licenses=5, retry_delay_min=10.0, office_hours=True, seed=3)
    numpy = kbsim.run(
        "Q226827",
        n_clients=np.int64(30),
        licenses=np.int32(5),
        retry_delay_min=np.float64(10.0),
        office_hours=np.bool_(True),
        seed=np.uint32(3),
    )
    pd.testing.assert_series_equal(pd.Series(numpy.summary), pd.Series(plain.summary))
    assert numpy.params == plain.params
    outage = kbsim.Params.from_values({"outages": [[np.int64(1), np.float32(2.5), np.int64(30)]]})
    assert outage.outages == ((1, 2.5, 30.0),)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: kbsim.compare(5), "results"),
        (lambda: kbsim.compare({"a": 5}), "results"),
        (lambda: kbsim.summarize_sweep("x", "denials"), "frame"),
        (lambda: kbsim.seed_convergence("x", "denials"), "frame"),
        (lambda: kbsim.seed_convergence(pd.DataFrame({"seed": [1, 2]}), "denials", counts=5), "counts"),
        (lambda: kbsim.read_remodbc(5), "path"),
        (lambda: kbsim.load_preset(None), "path"),
        (lambda: kbsim.estimate("x"), "params"),
        (lambda: kbsim.check_size(5), "params"),
        (lambda: kbsim.Params.from_values([("days", 1)]), "values"),
        (lambda: kbsim.run("site", variant=3), "variant"),
        (lambda: kbsim.sweep("site", {"days": [1]}, seeds="3"), "seeds"),
        (lambda: kbsim.sweep("site", {"days": [1]}, seeds=1, progress="no"), "progress"),
        (lambda: kbsim.sweep("site", {3: [1]}, seeds=1), "grid"),
        (lambda: kbsim.analysis.sweeps.write_table("x", "runs.csv"), "frame"),
        (lambda: kbsim.logs.write_logs(kbsim.run("site", days=1), 5), "directory"),
        (lambda: kbsim.logs.write_logs(5, "logs"), "result"),
        (lambda: kbsim.logs.write_logs(kbsim.run("site", days=1), "logs", logs=("nope",)), "log 'nope'"),
        (lambda: kbsim.logs.render(5, "licsrvc"), "result"),
        (lambda: kbsim.logs.troubled_client("x"), "result"),
        (lambda: kbsim.logs.show(5), "lines"),
        (lambda: kbsim.logs.show(["a"], count="x"), "count"),
    ],
)
def test_wrong_typed_arguments_to_public_functions_are_one_parameter_error_naming_them(call, name):
    with pytest.raises(kbsim.ParameterError) as refused:
        call()
    assert name in str(refused.value) and "\n" not in str(refused.value)


def test_the_seed_is_given_once_by_seed_or_by_set(capsys):
    assert main(["run", "Q226827", "--set", "days=2", "--set", "seed=3", "--json"]) == 0
    by_set = capsys.readouterr().out
    assert main(["run", "Q226827", "--set", "days=2", "--seed", "3", "--json"]) == 0
    assert capsys.readouterr().out == by_set
    assert main(["run", "Q226827", "--seed", "3", "--set", "seed=4"]) == 2
    assert one_line(capsys.readouterr().err)
