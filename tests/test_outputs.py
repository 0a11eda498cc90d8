"""Nothing half-written, nothing replaced unasked, nothing lost with a worker (issue 21).

Every file kbsim writes goes to a temporary file beside its target and is renamed into place
when whole; an existing file is replaced only with overwrite=True (--force); an unwritable
target is refused before any run. A sweep survives a killed worker with a whole, identical
frame; Ctrl-C ends it with one line and exit 130. The fault cases run the command line in a
subprocess: a full disk (RLIMIT_FSIZE, as `ulimit -f`), a worker killed, SIGINT.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pandas as pd
import pytest

import kbsim
import kbsim.analysis.sweeps
from kbsim.analysis.outputs import write_text, write_whole
from kbsim.ui.cli import main

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["--set", "days=2", "--set", "n_clients=40"]
SWEEP = ["sweep", "Q226827", "--grid", "retries=1,2", "--seeds", "2", *SMALL]


def leftovers(folder: Path) -> list[str]:
    """Temporary files a writer left behind."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".partial"))


def cli(args: list[str], cwd: Path, limit_bytes: int | None = None, **options) -> subprocess.Popen:
    """``python -m kbsim args`` in a subprocess (its own session, so a signal can go to its whole group)."""

    def limit() -> None:
        if limit_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "kbsim", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=limit,
        start_new_session=True,
        **options,
    )


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (a sweep's pool workers), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def wait_for_workers(process: subprocess.Popen, count: int = 1) -> list[int]:
    """The sweep's workers once ``count`` of them run (the sweep has started its runs)."""
    while process.poll() is None:
        workers = children(process.pid)
        if len(workers) >= count:
            return workers
        time.sleep(0.05)
    raise AssertionError(f"the sweep ended before its workers started: {process.communicate()}")


# --- the helper ---------------------------------------------------------------------------------


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "runs.csv"
    target.write_text("old\n")

    def half(temporary: Path) -> None:
        temporary.write_text("new, but")
        raise OSError(28, "No space left on device")

    with pytest.raises(kbsim.ParameterError, match=r"runs.csv: cannot write the file \(No space left on device\)"):
        write_whole(target, half, overwrite=True)
    assert target.read_text() == "old\n" and leftovers(tmp_path) == []

    def interrupted(temporary: Path) -> None:
        temporary.write_text("header only\n")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_whole(target, interrupted, overwrite=True)
    assert target.read_text() == "old\n" and leftovers(tmp_path) == []


def test_an_existing_file_is_replaced_only_when_asked(tmp_path):
    target = tmp_path / "notes.txt"
    write_text(target, "first")
    with pytest.raises(kbsim.ParameterError, match=r"notes.txt: the file exists: pass overwrite=True .*--force"):
        write_text(target, "second")
    assert target.read_text() == "first"
    write_text(target, "second", overwrite=True)
    assert target.read_text() == "second" and leftovers(tmp_path) == []
    with pytest.raises(kbsim.ParameterError, match="overwrite='yes' is not allowed: expected True or False"):
        write_text(target, "third", overwrite="yes")


def test_the_written_file_gets_the_permissions_of_a_new_file(tmp_path):
    mask = os.umask(0o022)
    try:
        path = write_text(tmp_path / "x.txt", "x")
    finally:
        os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o644


# --- every writer, through the API and the command line ------------------------------------------


def test_write_table_refuses_to_replace_unasked_and_writes_whole_when_asked(tmp_path):
    frame = kbsim.sweep("Q226827", {"retries": [1]}, seeds=1, executor="serial", progress=False, days=2)
    for name in ("runs.csv", "runs.parquet"):
        target = tmp_path / name
        target.write_text("old")
        with pytest.raises(kbsim.ParameterError, match="the file exists"):
            kbsim.analysis.sweeps.write_table(frame, target)
        assert target.read_text() == "old"
        kbsim.analysis.sweeps.write_table(frame, target, overwrite=True)
        read = pd.read_csv(target) if name.endswith(".csv") else pd.read_parquet(target)
        assert len(read) == 1 and leftovers(tmp_path) == []


def test_logs_and_evidence_refuse_to_replace_unasked(tmp_path):
    result = kbsim.run("Q226827", days=2)
    first = kbsim.logs.write_logs(result, tmp_path / "logs")
    before = {p.name: p.read_text() for p in first}
    with pytest.raises(kbsim.ParameterError, match=r"LICSRVC\.log: the file exists"):
        kbsim.logs.write_logs(kbsim.run("Q226827", days=2, seed=2), tmp_path / "logs")
    assert {p.name: p.read_text() for p in first} == before
    assert kbsim.logs.write_logs(result, tmp_path / "logs", overwrite=True) == first
    evidence = kbsim.mystery(3, 1).evidence
    paths = evidence.write(tmp_path / "case")
    with pytest.raises(kbsim.ParameterError, match="the file exists"):
        evidence.write(tmp_path / "case")
    assert evidence.write(tmp_path / "case", overwrite=True) == paths
    assert leftovers(tmp_path / "logs") == [] and leftovers(tmp_path / "case") == []


@pytest.fixture
def nothing_runs(monkeypatch):
    """Any run or sweep fails the test: a refusal must come before the work."""

    def never(*_args, **_kwargs):
        raise AssertionError("work started")

    monkeypatch.setattr(kbsim.analysis.sweeps, "_execute", never)
    monkeypatch.setattr(kbsim, "simulate", never)
    monkeypatch.setattr(sys.modules["kbsim.teaching.mystery"], "mystery", never)


def test_cli_refuses_an_existing_output_before_any_work_in_one_line(tmp_path, capsys, nothing_runs):
    (tmp_path / "runs.csv").write_text("old")
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "LICSRVC.log").write_text("old")
    (tmp_path / "case").mkdir()
    (tmp_path / "case" / "settings.txt").write_text("old")
    for argv in (
        [*SWEEP, "--out", str(tmp_path / "runs.csv")],
        ["logs", "Q226827", "--out", str(tmp_path / "logs")],
        ["mystery", "--seed", "3", "--out", str(tmp_path / "case")],
    ):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("kbsim: error: ") and "the file exists" in err and "--force" in err
        assert err.count("\n") == 1
    assert (tmp_path / "runs.csv").read_text() == "old"
    assert (tmp_path / "logs" / "LICSRVC.log").read_text() == "old"


@pytest.mark.skipif(os.geteuid() != 0, reason="as root only: a normal user cannot write in most folders anyway")
def test_cli_refuses_an_unwritable_place_before_the_sweep_runs_even_as_root(capsys, nothing_runs):
    assert main([*SWEEP, "--out", "/proc/x.csv"]) == 2
    err = capsys.readouterr().err
    assert "/proc/x.csv" in err and "cannot write there" in err and err.count("\n") == 1


def test_cli_force_replaces_every_output(tmp_path, capsys):
    (tmp_path / "runs.csv").write_text("old")
    assert main([*SWEEP, "--out", str(tmp_path / "runs.csv"), "--force"]) == 0
    assert len(pd.read_csv(tmp_path / "runs.csv")) == 4
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "LICSRVC.log").write_text("old")
    assert main(["logs", "Q226827", *SMALL, "--out", str(tmp_path / "logs"), "--force"]) == 0
    assert (tmp_path / "logs" / "LICSRVC.log").read_text() != "old"
    assert leftovers(tmp_path) == [] and leftovers(tmp_path / "logs") == []


# --- the fault cases: a full disk, a killed worker, Ctrl-C -------------------------------------------


@pytest.mark.parametrize("name", ["runs.csv", "runs.parquet"])
def test_a_full_disk_leaves_the_old_file_whole_and_says_so_in_one_line(tmp_path, name):
    target = tmp_path / name
    target.write_text("old")
    process = cli([*SWEEP, "--out", name, "--force"], tmp_path, limit_bytes=256)  # a disk with 256 bytes free
    _out, err = process.communicate(timeout=300)
    assert process.returncode == 2, err
    assert err.startswith(f"kbsim: error: {name}: cannot write the file") and err.count("\n") == 1
    assert "File too large" in err and "nothing was written" in err
    assert target.read_text() == "old" and leftovers(tmp_path) == []


def test_a_full_disk_leaves_the_old_logs_whole(tmp_path):
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "LICSRVC.log").write_text("old")
    process = cli(["logs", "Q226827", *SMALL, "--out", "logs", "--force"], tmp_path, limit_bytes=256)
    _out, err = process.communicate(timeout=300)
    assert process.returncode == 2 and err.count("\n") == 1 and "cannot write the file" in err
    assert (tmp_path / "logs" / "LICSRVC.log").read_text() == "old"
    assert sorted(p.name for p in (tmp_path / "logs").iterdir()) == ["LICSRVC.log"]


class BreakingPool(ProcessPoolExecutor):
    """A pool one of whose workers dies (SIGKILL) as the third run is submitted: the runs not yet
    finished are lost with it (BrokenProcessPool), as when a worker is killed or runs out of memory."""

    def __init__(self) -> None:
        super().__init__(max_workers=2)
        self.submitted = 0

    def submit(self, fn, *args, **kwargs):
        self.submitted += 1
        if self.submitted == 3:
            super().submit(_die)
        return super().submit(fn, *args, **kwargs)


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def test_runs_lost_with_a_killed_worker_are_run_again_and_the_frame_is_identical():
    options = {"seeds": [1, 2], "progress": False, "days": 2, "n_clients": 40}
    serial = kbsim.sweep("Q226827", {"retries": [1, 2, 3]}, executor="serial", **options)
    with BreakingPool() as pool:
        frame = kbsim.sweep("Q226827", {"retries": [1, 2, 3]}, executor=pool, **options)
        # The pool given was broken indeed (the sweep did not stop): on a loaded machine the pool may notice its dead
        # worker only a moment after the sweep has its frame, so ask until it says so.
        deadline = time.monotonic() + 60
        with pytest.raises(BrokenProcessPool):
            while time.monotonic() < deadline:
                pool.submit(int, 1).result()
                time.sleep(0.05)
    pd.testing.assert_frame_equal(frame, serial)


class LosingExecutor(Executor):
    """Runs the first ``keep`` runs, and loses every other one with its worker."""

    def __init__(self, keep: int = 0) -> None:
        self.keep, self.submitted = keep, 0

    def submit(self, fn, *args, **kwargs):
        future: Future = Future()
        self.submitted += 1
        if self.submitted <= self.keep:
            future.set_result(fn(*args, **kwargs))
        else:
            future.set_exception(BrokenProcessPool("a worker died"))
        return future


def test_runs_lost_twice_stop_the_sweep_with_the_finished_rows_kept(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(kbsim.analysis.sweeps, "ProcessPoolExecutor", lambda **_: LosingExecutor())
    options = {"seeds": [1, 2], "progress": False, "days": 2, "n_clients": 40}
    with pytest.raises(kbsim.analysis.sweeps.SweepIncomplete) as lost:
        kbsim.sweep("Q226827", {"retries": [1, 2]}, executor=LosingExecutor(keep=3), **options)
    serial = kbsim.sweep("Q226827", {"retries": [1, 2]}, executor="serial", **options)
    pd.testing.assert_frame_equal(lost.value.frame, serial.iloc[:3])
    assert lost.value.missing == 1 and "1 of 4 runs were lost" in str(lost.value)
    # The command line: one line naming the file that keeps the finished runs; the output not written.
    losing = LosingExecutor(keep=2)  # the default pool, then the fresh one: the same two finished runs in all
    monkeypatch.setattr(kbsim.analysis.sweeps, "ProcessPoolExecutor", lambda **_: losing)
    assert main([*SWEEP, "--out", str(tmp_path / "runs.csv")]) == 1
    err = capsys.readouterr().err
    kept = tmp_path / "runs.partial.csv"
    assert err.count("\n") == 1 and str(kept) in err and "2 runs that finished" in err
    assert len(pd.read_csv(kept)) == 2 and not (tmp_path / "runs.csv").exists()


def test_a_worker_killed_during_a_command_line_sweep_costs_nothing(tmp_path):
    expected = kbsim.sweep("Q226827", {"retries": [1, 2, 3, 4]}, seeds=3, executor="serial", days=2, n_clients=40)
    kbsim.analysis.sweeps.write_table(expected, tmp_path / "expected.csv")
    argv = ["sweep", "Q226827", "--grid", "retries=1,2,3,4", "--seeds", "3", *SMALL, "--out", "runs.csv"]
    process = cli(argv, tmp_path)
    os.kill(wait_for_workers(process)[0], signal.SIGKILL)
    _out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert (tmp_path / "runs.csv").read_text() == (tmp_path / "expected.csv").read_text()


def test_ctrl_c_ends_a_sweep_in_one_line_with_exit_130_and_no_file(tmp_path):
    argv = ["sweep", "Q212894", "--grid", "retries=1,2,3,4,5,6,7,8", "--seeds", "20", "--out", "runs.csv"]
    process = cli(argv, tmp_path)
    wait_for_workers(process, 2)
    os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C: to the whole foreground group
    _out, err = process.communicate(timeout=120)
    assert process.returncode == 130
    assert err == "kbsim: interrupted: nothing written\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_output_under_an_ascii_terminal_is_escaped_not_a_traceback(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "ascii"}
    done = subprocess.run(
        [sys.executable, "-m", "kbsim", "run", "Q226827", *SMALL],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and "denials" in done.stdout
