"""Golden back-tests: every preset and variant, on fixed seeds, gives exactly the numbers stored in tests/golden.

A change that moves any number, event or licence row fails here, naming what moved. When
the change is meant, regenerate with ``make golden`` (or ``python tests/golden/regenerate.py``)
and read ``git diff tests/golden`` before committing.
"""

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

import kbsim

GOLDEN = Path(__file__).resolve().parent / "golden"
spec = importlib.util.spec_from_file_location("regenerate", GOLDEN / "regenerate.py")
golden = importlib.util.module_from_spec(spec)
spec.loader.exec_module(golden)

HOW = "if the change is meant, run `make golden` and read `git diff tests/golden`"


def test_every_preset_has_a_golden_file_and_every_file_a_preset():
    assert {p.stem for p in GOLDEN.glob("*.json")} == set(kbsim.presets())


@pytest.mark.parametrize("preset", sorted(kbsim.presets()))
def test_every_variant_and_seed_reproduces_its_golden_numbers(preset):
    expected = golden.stored(preset)
    assert [(r["variant"], r["seed"]) for r in expected["runs"]] == [
        (v, s) for v in (kbsim.FAULT, *kbsim.get_preset(preset).variants) for s in golden.SEEDS
    ], HOW
    moved = golden.differences(expected, golden.record(preset))
    assert not moved, "\n".join([*moved[:20], HOW])


def test_a_moved_number_an_event_or_a_licence_is_noticed():
    """The comparison can fail: change one number, one event and one licence sample of a real record."""
    run = golden.record_run("Q226827", "fault", 1)
    result = kbsim.run("Q226827", seed=1)
    assert run["events"]["sha256"] == golden.digest(result.events)
    events = result.events.copy()
    events.loc[5, "client"] += 1
    assert golden.digest(events) != run["events"]["sha256"]
    licenses = result.licenses.copy()
    licenses.loc[3, "free"] -= 1
    assert golden.digest(licenses) != run["licenses"]["sha256"]
    nudged = {**run, "summary": {**run["summary"], "denial_rate": run["summary"]["denial_rate"] + 1e-15}}
    record = {"preset": "Q226827", "runs": [run]}
    moved = golden.differences(record, {"preset": "Q226827", "runs": [nudged]})
    assert moved == [
        f"Q226827 fault seed 1: denial_rate {run['summary']['denial_rate']!r} -> {nudged['summary']['denial_rate']!r}"
    ]


def test_the_canonical_csv_is_exact_and_ignores_dtypes():
    frame = pd.DataFrame(
        {
            "time": pd.to_datetime(["2001-06-01 00:00:04.918"]).as_unit("ns"),
            "hours": [0.1 + 0.2],
            "client": pd.array([None], dtype="Int64"),
            "up": [True],
        }
    )
    same = frame.assign(time=frame["time"].dt.as_unit("us"))
    assert (
        golden.canonical_csv(frame)
        == golden.canonical_csv(same)
        == ("time,hours,client,up\n2001-06-01 00:00:04.918000,0.30000000000000004,,True\n")
    )
