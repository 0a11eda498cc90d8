"""Speed of kbsim, measured: `python benchmarks/run.py` (or `make bench`).

1. Every preset's default run (what a widget move costs): best of 5, target < 100 ms.
   And a move of each explorer's first slider to new values (run + redraw + update in place),
   uncached: what a student waits for, until the numbers and until every plot; target well
   under a second.
   And each notebook run top to bottom in a fresh kernel (nbclient), as nbval and a
   student's "Run all" do: target a few seconds (under 10 s) for each article notebook.
2. A large site (5,000 clients, 4 servers, 10 products, 14 days, about 560,000 launches) in
   online mode: sessions simulated per second and peak memory, kbsim beside a plain SimPy
   model of the same site (benchmarks/simpy_site.py), on two sites: one where most requests
   are granted (400 licences of each product) and one where most are refused (20). On-demand
   balancing and callbacks are off on both sides, as the SimPy model has neither. Each run is
   in its own process so that peak memory is its own; each engine's best of --repeat runs.
   Each side's count of events processed is checked against the work the run must do
   (SimPy's own benchmarks count env steps the same way). Targets: kbsim at least 3x SimPy's
   rate on both sites; kbsim's peak memory (the process's maximum resident set, Python and its
   libraries included) at most 180 MB on the refused site, half of the 360 MB it took when events
   were stored as sentences (issue 11). Beside the peak, the memory of the process before the run
   (Python, numpy, pandas and the engine imported): the run's own share is the difference.
3. On-demand balancing's cost at scale (issue 11): the refused (saturated) site with
   on-demand balancing on, against the same site with it off: target at least 0.8 of the speed.

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
LARGE = dict(
    n_clients=5000,
    n_servers=4,
    n_products=10,
    days=14,
    launches_per_day=8.0,
    mean_session_min=30.0,
    balancing_interval_h=4.0,
)
#: The large site's licences of each product: most requests granted, or most refused.
SITES = {"granted": 400, "refused": 20}
#: kbsim's peak memory on the refused site, at most (issue 11: half of the 360 MB of events stored as sentences).
PEAK_TARGET_MB = 180
#: kbsim settings that match the SimPy model: online, no on-demand balancing, no callbacks.
MATCHED = dict(mode="online", instant_balancing=False, callback_share=0.0)


def best_of(n: int, fn) -> tuple[float, object]:
    best, value = float("inf"), None
    for _ in range(n):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def peak_mb() -> float:
    """This process's peak resident memory so far (MB).

    Linux's VmHWM, which starts afresh when the process starts its program; ``ru_maxrss`` would not do
    in a child process: Linux carries the parent's peak across fork and exec, so a child started by a
    large parent (this script after its notebooks) would report the parent's peak as its own.
    """
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:  # not Linux: the best there is
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) / 1024


def large(engine: str, licenses: int, instant: bool = False) -> dict:
    """Run the large site once in this process; its figures as a dict (printed as JSON)."""
    if engine == "kbsim":
        import kbsim
        from kbsim.model.report import report
        from kbsim.model.site import Site

        imported_mb = peak_mb()
        params = kbsim.Params.from_values(
            {**LARGE, **MATCHED, "licenses": licenses, "instant_balancing": instant, "seed": 1},
            base=kbsim.get_preset("site").params,
        )
        start = time.perf_counter()
        site = Site(params)  # kbsim.run(...) without its size check: simulate() step by step, to count events
        result = report(site.run())
        seconds = time.perf_counter() - start
        sessions, grants = result.summary["requests"], result.summary["grants"]
        events = site.scheduler.processed
        # A launch is one stream item; a grant one release; the rest is periodic (cycles, samples, polls).
        periodic = events - sessions - grants
        assert 0 <= periodic <= 20_000, f"kbsim processed {events} events for {sessions} launches and {grants} grants"
    else:
        sys.path.insert(0, str(HERE))
        from simpy_site import simpy_site

        imported_mb = peak_mb()
        start = time.perf_counter()
        counts = simpy_site(seed=1, licenses=licenses, **LARGE)
        seconds = time.perf_counter() - start
        sessions, grants, events = counts["sessions"], counts["grants"], counts["events"]
        # A launch is one timeout; a grant starts a process (its start, its timeout, its end: 3 events).
        periodic = events - sessions - 3 * grants
        assert -20_000 <= periodic <= 20_000, (
            f"SimPy processed {events} events for {sessions} launches and {grants} grants"
        )
    expected = LARGE["n_clients"] * LARGE["days"] * LARGE["launches_per_day"]
    assert abs(sessions - expected) < 0.02 * expected, f"{engine} simulated {sessions} sessions, expected ~{expected}"
    return {
        "engine": engine,
        "sessions": sessions,
        "grants": grants,
        "events": events,
        "seconds": seconds,
        "rate": sessions / seconds,
        "peak_mb": peak_mb(),
        "imported_mb": imported_mb,
    }


def large_in_process(engine: str, licenses: int, instant: bool = False) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--large", engine, "--licenses", str(licenses)] + (["--instant"] if instant else []),
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def large_sites(repeat: int) -> None:
    print(
        f"\nLarge site {LARGE}, online, on-demand balancing and callbacks off (best of {repeat}, each run"
        " in its own process):"
    )
    for label, licenses in SITES.items():
        figures: dict[str, dict] = {}
        peaks: list[dict] = []  # every kbsim run's figures: memory is judged on the worst, not the fastest
        for _ in range(repeat):  # alternate the engines, so that both meet the same load on this shared machine
            for engine in ("kbsim", "simpy"):
                f = large_in_process(engine, licenses)
                if engine == "kbsim":
                    peaks.append(f)
                if engine not in figures or f["seconds"] < figures[engine]["seconds"]:
                    figures[engine] = f
        print(f"  most {label} ({licenses} licences of each product):")
        for engine, f in figures.items():
            print(
                f"    {engine:6} {f['sessions']:>8,} sessions ({f['grants'] / f['sessions']:4.0%} granted), "
                f"{f['events']:>9,} events in {f['seconds']:6.2f} s = {f['rate']:>9,.0f} sessions/s, "
                f"peak {f['peak_mb']:5.0f} MB ({f['imported_mb']:.0f} MB before the run)"
            )
        ratio = figures["kbsim"]["rate"] / figures["simpy"]["rate"]
        print(f"    kbsim / SimPy rate: {ratio:.1f}x (target >= 3x)  {'ok' if ratio >= 3 else 'BELOW TARGET'}")
        if label == "refused":
            peak = max(f["peak_mb"] for f in peaks)
            flag = "ok" if peak <= PEAK_TARGET_MB else "ABOVE TARGET"
            print(
                f"    kbsim peak memory, worst of {len(peaks)} runs: {peak:.0f} MB"
                f" (target <= {PEAK_TARGET_MB} MB)  {flag}"
            )
    off = on = None
    for _ in range(repeat):
        a, b = large_in_process("kbsim", SITES["refused"]), large_in_process("kbsim", SITES["refused"], instant=True)
        off = a if off is None or a["seconds"] < off["seconds"] else off
        on = b if on is None or b["seconds"] < on["seconds"] else on
    ratio = on["rate"] / off["rate"]
    print(
        f"  saturated site with on-demand balancing on: {on['seconds']:.2f} s against {off['seconds']:.2f} s off,"
        f" {ratio:.2f} of the speed (target >= 0.8)  {'ok' if ratio >= 0.8 else 'BELOW TARGET'}"
    )


def run_notebook(path: Path) -> float:
    """Seconds to execute a notebook in a fresh kernel, from its own folder, outputs discarded."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(notebook, timeout=600, resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", choices=["kbsim", "simpy"], help=argparse.SUPPRESS)
    parser.add_argument("--licenses", type=int, default=SITES["granted"], help=argparse.SUPPRESS)
    parser.add_argument("--instant", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--skip-large", action="store_true", help="only time the presets, explorers and notebooks")
    parser.add_argument("--only-large", action="store_true", help="only the large sites")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each large site per engine; the best is kept")
    args = parser.parse_args()
    if args.large:
        print(json.dumps(large(args.large, args.licenses, args.instant)))
        return
    if args.only_large:
        large_sites(args.repeat)
        return

    import kbsim

    print("Preset default runs (best of 5; target < 100 ms):")
    for name, preset in kbsim.presets().items():
        for variant in (None, *preset.variants):
            seconds, result = best_of(5, lambda name=name, variant=variant: kbsim.run(name, variant=variant))
            assert result.summary["sessions"] > 0
            flag = "ok" if seconds < 0.1 else "SLOW"
            print(f"  {name:8} {variant or 'fault':12} {seconds * 1000:6.1f} ms  {flag}")

    import matplotlib

    matplotlib.use("Agg")
    print("\nExplorer moves: the first slider nudged one step at a time from the preset's value")
    print("(each value new, so nothing is cached; median of 5): the summary numbers appear first,")
    print("then the plots; target well under a second for the whole update:")
    for name in kbsim.presets():
        explorer = kbsim.explore(name)
        slider = next(w for w in explorer.controls.values() if hasattr(w, "min") and hasattr(w, "step"))
        direction = 1 if slider.value + 5 * slider.step <= slider.max else -1
        span = [slider.value + direction * k * slider.step for k in range(1, 6)]  # nudges a student makes
        numbers_at: list[float] = []
        # The code line is set just after the summary and, unlike the numbers, changes at every step.
        explorer.call.observe(lambda _, at=numbers_at: at.append(time.perf_counter()), names="value")
        numbers, whole = [], []
        for value in span:
            start = time.perf_counter()
            slider.value = value
            whole.append(time.perf_counter() - start)
            numbers.append(numbers_at[-1] - start)
        assert explorer.error == "" or explorer.message.value
        numbers.sort()
        whole.sort()
        flag = "ok" if whole[2] < 1.0 else "SLOW"
        print(
            f"  {name:8} {slider.description:28} numbers {numbers[2] * 1000:5.0f} ms, all {whole[2] * 1000:5.0f} ms"
            f"  ({len(explorer.plots)} plots)  {flag}"
        )

    print("\nNotebooks top to bottom in a fresh kernel (kernel start included; target < 10 s each):")
    for path in sorted((HERE.parent / "notebooks").glob("*.ipynb")):
        seconds = run_notebook(path)
        flag = "(many sweeps: no target)" if path.stem == "sweeps" else "ok" if seconds < 10 else "SLOW"
        print(f"  {path.name:38} {seconds:6.1f} s  {flag}")
    if args.skip_large:
        return

    large_sites(args.repeat)


if __name__ == "__main__":
    main()
