"""Explorer moves timed in-process: `python benchmarks/explorer.py` (also run by `make bench`).

For each preset's explorer, every control in turn is moved to settings it has not drawn yet
(a slider or a typed box a few steps on, the next option of a dropdown, a checkbox flipped),
as a student's moves would be; each move is timed from the new value to the numbers (the
summary and the "as code" line updated) and to the last plot updated in place. It prints, per explorer, the
median and the worst of each, beside the targets of issue 14 (numbers under 100 ms, every plot
under 250 ms, median). The browser adds the widget messages and the image decode on top of
these (benchmarks/browser.py measures that).

Nothing here asserts a time: it checks only that each move changed the settings and ran
without a message, and prints the figures.
"""

from __future__ import annotations

import argparse
import statistics
import time

import ipywidgets as widgets

import kbsim
from kbsim.ui.controls import OutageControl

NUMBERS_MS, PLOTS_MS = 100, 250


def moves(explorer, per_control: int) -> list[tuple[widgets.Widget, object]]:
    """New settings for each control: (widget, value) pairs, each a change from the one before."""
    planned = []
    for widget in explorer.controls.values():
        if isinstance(widget, OutageControl):
            if widget.server.value == OutageControl.NONE:
                planned.append((widget.server, widget.server.options[1][1]))
            widget = widget.minutes
        if isinstance(widget, widgets.Checkbox):
            planned += [(widget, not widget.value), (widget, widget.value)][:per_control]
        elif isinstance(widget, widgets.Dropdown):
            options = [o[1] if isinstance(o, tuple) else o for o in widget.options]
            others = [o for o in options if o != widget.value][:per_control]
            planned += [(widget, o) for o in others]
        elif isinstance(widget, widgets.SelectMultiple):
            planned += [(widget, (v,)) for _, v in widget.options][:per_control]
        elif hasattr(widget, "step") and not widget.disabled:
            direction = 1 if widget.value + per_control * widget.step <= widget.max else -1
            planned += [(widget, widget.value + direction * k * widget.step) for k in range(1, per_control + 1)]
    return planned


def time_explorer(name: str, per_control: int) -> tuple[list[float], list[float], list[str]]:
    explorer = kbsim.explore(name)
    stamps: dict[str, float] = {}
    # The numbers are timed by the "as code" line, sent with them and new at every new setting (a summary
    # table can stay the same, and then sends nothing), as benchmarks/browser.py times them in the page.
    explorer.call.observe(lambda _: stamps.setdefault("numbers", time.perf_counter()), names="value")
    explorer.images[-1].observe(lambda _: stamps.setdefault("plots", time.perf_counter()), names="value")
    numbers, plots, labels = [], [], []
    for widget, value in moves(explorer, per_control):
        if widget.disabled:
            continue
        stamps.clear()
        start = time.perf_counter()
        widget.value = value
        end = time.perf_counter()
        if explorer.error:  # a combination the model refuses: no run, nothing to time
            continue
        numbers.append((stamps.get("numbers", end) - start) * 1000)
        plots.append((stamps.get("plots", end) - start) * 1000)
        labels.append(f"{widget.description or type(widget).__name__} {value}")
    return numbers, plots, labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=3, help="new settings per control (default 3)")
    args = parser.parse_args()
    print(f"Explorer moves in-process (targets: numbers < {NUMBERS_MS} ms, last plot < {PLOTS_MS} ms, median)")
    print(f"  {'preset':8} {'moves':>5}  {'numbers median/worst':>21}  {'last plot median/worst':>23}")
    for name in sorted(kbsim.presets()):
        numbers, plots, labels = time_explorer(name, args.moves)
        met = statistics.median(numbers) < NUMBERS_MS and statistics.median(plots) < PLOTS_MS
        print(
            f"  {name:8} {len(numbers):5}  {statistics.median(numbers):9.0f} / {max(numbers):5.0f} ms"
            f"  {statistics.median(plots):11.0f} / {max(plots):5.0f} ms  {'met' if met else 'NOT MET'}"
            f"  (slowest: {labels[plots.index(max(plots))]})"
        )


if __name__ == "__main__":
    main()
