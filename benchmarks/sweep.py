"""Speed of a parameter sweep, measured: `python benchmarks/sweep.py`.

A 200-run sweep of the Q210202 preset (10 balancing intervals x 20 seeds), run
serially in this process and then in parallel on local processes (kbsim.sweep's
default: one per CPU). Prints both times (best of --repeat) and their ratio; the
target on the project's 2-core machine is a ratio under 0.6. Benchmarks are never
timed assertions in tests; this script checks only that both ways give the same frame
with one row per run.
"""

from __future__ import annotations

import argparse
import os
import time

import pandas as pd

import kbsim

GRID = {"balancing_interval_h": [0.25, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 24.0]}
SEEDS = 20


def timed(executor: str | None, repeat: int) -> tuple[float, pd.DataFrame]:
    """The best wall-clock time of ``repeat`` sweeps on ``executor``, and the last sweep's frame."""
    best, frame = float("inf"), pd.DataFrame()
    for _ in range(repeat):
        start = time.perf_counter()
        frame = kbsim.sweep("Q210202", GRID, seeds=SEEDS, executor=executor, progress=False)
        best = min(best, time.perf_counter() - start)
    return best, frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="sweeps per way; the best time is kept")
    args = parser.parse_args()
    serial_s, serial = timed("serial", args.repeat)
    parallel_s, parallel = timed(None, args.repeat)
    runs = len(GRID["balancing_interval_h"]) * SEEDS
    assert len(serial) == runs, f"the serial sweep gave {len(serial)} rows, expected {runs}"
    pd.testing.assert_frame_equal(serial, parallel)
    print(f"Q210202 sweep, {runs} runs, {os.cpu_count()} CPUs")
    print(f"  serial (in this process)      {serial_s:6.2f} s  ({serial_s / runs * 1000:.1f} ms per run)")
    print(f"  parallel (local processes)    {parallel_s:6.2f} s")
    print(f"  parallel / serial             {parallel_s / serial_s:6.2f}   (target < 0.6)")


if __name__ == "__main__":
    main()
