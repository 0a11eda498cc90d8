"""Speed of kbsim, measured: `python benchmarks/run.py` (or `make bench`).

1. Every preset's default run (what a widget move costs): best of 5, target < 100 ms.
   And a move of each explorer's first slider to new values (run + redraw + update in place),
   uncached: what a student waits for; target well under a second.
2. A large site (5,000 clients, 4 servers, 10 products, 14 days, about 560,000 launches) in
   online mode: sessions simulated per second and peak memory, kbsim beside a plain SimPy
   model of the same site (benchmarks/simpy_site.py). Each runs in its own process so that
   peak memory is its own. Targets: kbsim at least 3x SimPy's rate, peak under 500 MB.

Benchmarks are never timed assertions in tests; this script checks only that each run did
the work it should (its number of sessions), and prints the figures.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
LARGE = dict(n_clients=5000, n_servers=4, n_products=10, licenses=400, days=14, launches_per_day=8.0,
             mean_session_min=30.0, balancing_interval_h=4.0)


def best_of(n: int, fn) -> tuple[float, object]:
    best, value = float("inf"), None
    for _ in range(n):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def large(engine: str) -> dict:
    """Run the large site once in this process; print its figures as JSON."""
    start = time.perf_counter()
    if engine == "kbsim":
        import kbsim

        result = kbsim.run("site", mode="online", seed=1, **LARGE)
        sessions = result.summary["requests"]
    else:
        sys.path.insert(0, str(HERE))
        from simpy_site import simpy_site

        sessions = simpy_site(seed=1, **LARGE)["sessions"]
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    expected = LARGE["n_clients"] * LARGE["days"] * LARGE["launches_per_day"]
    assert abs(sessions - expected) < 0.02 * expected, f"{engine} simulated {sessions} sessions, expected ~{expected}"
    return {"engine": engine, "sessions": sessions, "seconds": seconds, "rate": sessions / seconds, "peak_mb": peak_mb}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", choices=["kbsim", "simpy"], help=argparse.SUPPRESS)
    parser.add_argument("--skip-large", action="store_true", help="only time the presets")
    args = parser.parse_args()
    if args.large:
        print(json.dumps(large(args.large)))
        return

    import kbsim

    print("Preset default runs (best of 5; target < 100 ms):")
    for name, preset in kbsim.presets().items():
        for variant in (None, *preset.variants):
            seconds, result = best_of(5, lambda: kbsim.run(name, variant=variant))
            assert result.summary["sessions"] > 0
            flag = "ok" if seconds < 0.1 else "SLOW"
            print(f"  {name:8} {variant or 'fault':12} {seconds * 1000:6.1f} ms  {flag}")

    import matplotlib

    matplotlib.use("Agg")
    print("\nExplorer moves: the first slider nudged one step at a time from the preset's value")
    print("(each value new, so nothing is cached; median of 5; target < 500 ms):")
    for name in kbsim.presets():
        explorer = kbsim.explore(name)
        slider = next(w for w in explorer.controls.values() if hasattr(w, "min") and hasattr(w, "step"))
        direction = 1 if slider.value + 5 * slider.step <= slider.max else -1
        span = [slider.value + direction * k * slider.step for k in range(1, 6)]  # nudges a student makes
        times = []
        for value in span:
            start = time.perf_counter()
            slider.value = value
            times.append(time.perf_counter() - start)
        assert explorer.error == "" or explorer.message.value
        times.sort()
        flag = "ok" if times[2] < 0.5 else "SLOW"
        print(f"  {name:8} {slider.description:28} {times[2] * 1000:6.0f} ms  "
              f"({len(explorer.plots)} plots)  {flag}")
    if args.skip_large:
        return

    print(f"\nLarge site {LARGE}:")
    figures = {}
    for engine in ("kbsim", "simpy"):
        out = subprocess.run([sys.executable, __file__, "--large", engine], check=True, capture_output=True, text=True)
        figures[engine] = json.loads(out.stdout)
        f = figures[engine]
        print(f"  {engine:6} {f['sessions']:>8,} sessions in {f['seconds']:6.2f} s = {f['rate']:>9,.0f} sessions/s,"
              f" peak {f['peak_mb']:6.0f} MB")
    ratio = figures["kbsim"]["rate"] / figures["simpy"]["rate"]
    print(f"  kbsim / SimPy rate: {ratio:.1f}x (target >= 3x); kbsim peak {figures['kbsim']['peak_mb']:.0f} MB (target < 500 MB)")


if __name__ == "__main__":
    main()
