"""Golden back-tests: every preset and variant on fixed seeds, pinned to the number.

For each run this records the summary (every number of ``kbsim.SUMMARY``), the
notes, and for the event and licence tables their row count, their rows per kind
(events) and a SHA-256 digest of a canonical CSV. One readable JSON file per
preset lives beside this script (``tests/golden/<preset>.json``);
``tests/test_golden.py`` compares a fresh run with it exactly, and
``tests/test_installed.py`` does the same with the installed wheel.

When a change is meant to move the numbers, regenerate the files and read their
diff before committing it (``git diff tests/golden``):

    make golden                       # or: python tests/golden/regenerate.py

``python tests/golden/regenerate.py --check`` compares instead of writing and
exits 1 if anything moved, naming what.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import sys
from pathlib import Path
from typing import Any

import pandas as pd

import kbsim

HERE = Path(__file__).resolve().parent
#: Every preset and variant runs on each of these seeds.
SEEDS = (1, 2)


def canonical_csv(frame: pd.DataFrame) -> str:
    """A table as CSV text that depends only on its values, not on pandas' formatting or dtypes.

    Times are written to the microsecond, floats by ``repr`` (exact), missing values empty.
    """
    columns = []
    for _name, column in frame.items():
        if pd.api.types.is_datetime64_any_dtype(column):
            columns.append(column.dt.strftime("%Y-%m-%d %H:%M:%S.%f").tolist())
        elif pd.api.types.is_float_dtype(column):
            columns.append(["" if x is pd.NA else repr(float(x)) for x in column])  # NaN stays "nan"
        else:
            columns.append(["" if pd.isna(x) else str(x) for x in column.astype(object)])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(list(frame.columns))
    writer.writerows(zip(*columns))
    return buffer.getvalue()


def digest(frame: pd.DataFrame) -> str:
    return hashlib.sha256(canonical_csv(frame).encode("utf-8")).hexdigest()


def plain(value: Any) -> Any:
    """A summary number as JSON writes it exactly: NaN (no value) as null, numpy numbers as Python's."""
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value


def record_run(preset: str, variant: str, seed: int) -> dict[str, Any]:
    """What the golden file holds for one run."""
    result = kbsim.run(preset, variant=variant, seed=seed)
    kinds = result.events["kind"].astype(str).value_counts()
    return {
        "variant": variant,
        "seed": seed,
        "summary": {key: plain(value) for key, value in result.summary.items()},
        "notes": list(result.notes),
        "events": {
            "rows": len(result.events),
            "by_kind": {k: int(kinds[k]) for k in kbsim.EVENT_KINDS if k in kinds},
            "sha256": digest(result.events),
        },
        "licenses": {"rows": len(result.licenses), "sha256": digest(result.licenses)},
    }


def record(preset: str) -> dict[str, Any]:
    """Every variant of ``preset`` on every seed of :data:`SEEDS`."""
    chosen = kbsim.get_preset(preset)
    return {
        "preset": preset,
        "seeds": list(SEEDS),
        "runs": [record_run(preset, variant, seed) for variant in (kbsim.FAULT, *chosen.variants) for seed in SEEDS],
    }


def path(preset: str) -> Path:
    return HERE / f"{preset}.json"


def text(data: dict[str, Any]) -> str:
    """Pretty JSON, one number a line, so a diff shows which numbers moved."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def stored(preset: str) -> dict[str, Any]:
    return json.loads(path(preset).read_text(encoding="utf-8"))


def differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """What moved between two golden records of one preset, one line per run and entry."""
    lines = []
    if len(expected["runs"]) != len(actual["runs"]):
        return [f"{actual['preset']}: {len(actual['runs'])} runs, golden has {len(expected['runs'])}"]
    for old, new in zip(expected["runs"], actual["runs"]):
        where = f"{actual['preset']} {new['variant']} seed {new['seed']}"
        for key in new:
            if key == "summary":
                lines += [
                    f"{where}: {name} {old['summary'].get(name)!r} -> {value!r}"
                    for name, value in new["summary"].items()
                    if old["summary"].get(name, "absent") != value
                ]
                lines += [
                    f"{where}: {name} no longer in the summary" for name in old["summary"] if name not in new["summary"]
                ]
            elif old.get(key) != new[key]:
                lines.append(f"{where}: {key} moved: {json.dumps(old.get(key))} -> {json.dumps(new[key])}")
    return lines


def main(argv: list[str]) -> int:
    check = "--check" in argv
    moved = []
    for preset in kbsim.presets():
        data = record(preset)
        if check:
            moved += differences(stored(preset), data) if path(preset).exists() else [f"{path(preset)} is missing"]
        else:
            path(preset).write_text(text(data), encoding="utf-8")
            print(f"wrote {path(preset)}")
    if check:
        print("\n".join(moved) or f"every preset matches its golden file (kbsim from {Path(kbsim.__file__).parent})")
        return 1 if moved else 0
    stale = sorted(set(HERE.glob("*.json")) - {path(p) for p in kbsim.presets()})
    for old in stale:
        old.unlink()
        print(f"removed {old} (no such preset)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
