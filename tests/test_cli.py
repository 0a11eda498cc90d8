"""The command line: list, run with overrides, JSON, and one-line errors with exit status 2."""

import json
import subprocess
import sys

import pytest

from kbsim.ui.cli import main


def test_list_names_every_preset_and_variant(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in ("Q226827", "Q210202", "Q212894", "Q213261", "Q299261", "site"):
        assert name in out
    assert "fault, fix, no_server" in out


def test_run_json_matches_the_python_api(capsys):
    import kbsim

    assert main(["run", "Q226827", "--set", "retries=3", "--set", "outages=0:30:45", "--seed", "5", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    expected = kbsim.run("Q226827", seed=5, retries=3, outages=[[0, 30, 45]])
    assert data["params"]["retries"] == 3 and data["params"]["outages"] == [[0, 30.0, 45.0]]
    assert data["summary"]["denials"] == expected.summary["denials"]
    assert data["summary"]["recovery_h_win9x"] is None  # NaN is written as null


def test_run_prints_a_table(capsys):
    assert main(["run", "Q213261", "--variant", "fix"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Q213261 (fix) · seed 1")
    assert "sessions_unreported" in out


@pytest.mark.parametrize(
    "argv, words",
    [
        (["run", "Q226827", "--set", "retries=300"], "retries=300 is not allowed"),
        (["run", "Q226827", "--set", "retrys=3"], "--set: unknown parameter 'retrys': did you mean 'retries'"),
        (
            ["sweep", "Q226827", "--grid", "retrys=1,2", "--out", "x.csv"],
            "--grid: unknown parameter 'retrys': did you mean",
        ),
        (["run", "Q226827", "--set", "retries"], "expected NAME=VALUE"),
        (["run", "Q226827", "--set", "outages=0:30"], "outages="),
        (
            ["run", "nope"],
            "unknown preset 'nope': no preset is named like it, or the path of a .toml file; "
            "'python -m kbsim list' lists them all",
        ),
        (["run", "Q226827", "--variant", "nope"], "unknown variant 'nope': expected one of 'fault', 'fix'"),
        (["logs", "Q226827", "--log", "nope"], "--log: unknown log 'nope': expected one of"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, words):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("kbsim: error: ") and words in err and err.count("\n") == 1
    assert len(err) < 200  # one short line, never the list of every parameter


def test_python_dash_m_runs_as_a_program():
    done = subprocess.run(
        [sys.executable, "-m", "kbsim", "run", "Q299261", "--set", "days=8"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and "status_9406" in done.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "kbsim", "run", "Q299261", "--set", "days=99"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
