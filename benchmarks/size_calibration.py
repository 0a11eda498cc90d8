"""How good kbsim.model.size's estimate is: `python benchmarks/size_calibration.py`.

Runs a range of sites (online and offline, granted and refused, with outages and
Windows 95/98 retries; 10,000 to about 2.4 million launches), each in its own process
so that its peak memory is its own, and prints beside each the estimate of launches,
event rows, seconds and memory and the ratio measured / estimated. The constants in
kbsim/model/size.py come from these runs; its docstring and the README state the error seen.
Benchmarks are never timed assertions in tests.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from run import peak_mb  # benchmarks/run.py: the same memory reading

RUNS = [
    ("site", {}),
    ("site", {"n_clients": 2000, "days": 14, "launches_per_day": 8.0}),
    (
        "site",
        {
            "n_clients": 5000,
            "days": 14,
            "launches_per_day": 8.0,
            "mode": "online",
            "licenses": 400,
            "n_servers": 4,
            "n_products": 10,
            "instant_balancing": False,
        },
    ),
    (
        "site",
        {
            "n_clients": 5000,
            "days": 14,
            "launches_per_day": 8.0,
            "mode": "online",
            "licenses": 20,
            "n_servers": 4,
            "n_products": 10,
        },
    ),
    ("site", {"n_clients": 10000, "days": 30, "launches_per_day": 8.0, "mode": "online", "licenses": 2000}),
    ("site", {"n_clients": 10000, "days": 30, "launches_per_day": 8.0}),
    ("site", {"n_clients": 20000, "days": 10, "launches_per_day": 2.0, "config_poll_min": 60.0}),
    ("site", {"n_clients": 1000, "days": 60, "launches_per_day": 50.0, "mode": "online", "licenses": 100}),
    ("Q226827", {}),
    ("Q226827", {"n_clients": 5000, "outages": [[0, 30, 600]]}),
    ("Q212894", {}),
    ("Q212894", {"n_clients": 4000, "outages": [[0, 30, 1200]], "win9x_fraction": 1.0}),
    ("Q210202", {}),
    ("Q213261", {"days": 60}),
    ("Q299261", {"days": 60}),
]


def one(preset: str, overrides: dict) -> dict:
    """Run one site in this process: measured launches, rows, seconds and peak memory beside the estimate."""
    import kbsim
    from kbsim.model.size import estimate

    params = kbsim.Params.from_values({**overrides}, base=kbsim.get_preset(preset).params)
    start = time.perf_counter()
    result = kbsim.run(preset, allow_large=True, **overrides)
    seconds = time.perf_counter() - start
    kinds = result.events["kind"].value_counts()
    launches = int(kinds.get("grant", 0) + kinds.get("deny", 0) + kinds.get("logged_locally", 0))
    size = estimate(params)
    return {
        "launches": launches,
        "rows": len(result.events),
        "seconds": seconds,
        "memory_mb": peak_mb(),
        "estimate": {
            "launches": size.launches,
            "rows": size.rows,
            "seconds": size.seconds,
            "memory_mb": size.memory_mb,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        preset, overrides = json.loads(args.one)
        print(json.dumps(one(preset, overrides)))
        return
    print(f"{'run':70} {'launches':>19} {'rows':>19} {'seconds':>15} {'memory MB':>15}   (measured/estimate)")
    worst = {"launches": [], "rows": [], "seconds": [], "memory_mb": []}
    for preset, overrides in RUNS:
        out = subprocess.run(
            [sys.executable, __file__, "--one", json.dumps([preset, overrides])],
            check=True,
            capture_output=True,
            text=True,
        )
        m = json.loads(out.stdout)
        cells = []
        for key, fmt in (("launches", ",.0f"), ("rows", ",.0f"), ("seconds", ".2f"), ("memory_mb", ".0f")):
            ratio = m[key] / m["estimate"][key] if m["estimate"][key] else float("nan")
            worst[key].append(ratio)
            cells.append(f"{m[key]:>10{fmt}} {ratio:5.2f}x")
        label = f"{preset} {json.dumps(overrides)}"
        print(f"{label[:70]:70} " + " ".join(cells))
    for key, ratios in worst.items():
        print(f"  {key:10} measured / estimated from {min(ratios):.2f} to {max(ratios):.2f}")


if __name__ == "__main__":
    main()
