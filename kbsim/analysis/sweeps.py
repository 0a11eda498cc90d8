"""Parameter sweeps: many runs of one preset over a grid of values and seeds, on any executor.

A sweep sends each run to an executor as plain, picklable data: every
parameter's value for that run, taken from the preset in memory (its variant
with the run's values), never the preset's name or file to be read again; the
worker simulates the run and sends back its summary numbers. The default
executor is a pool of local processes, one per CPU; any
:class:`concurrent.futures.Executor` works, such as a Dask cluster's
``Client.get_executor()``. Rows come back in grid order, then seed order,
whatever order the runs finish in, so a sweep gives the same frame on any
executor. Runs lost with a worker process (killed, out of memory) are run
again on a fresh local pool, so the frame stays whole and identical; lost
twice, :class:`SweepIncomplete` carries the runs that finished. Ctrl-C stops
the pool's workers at once (they leave the interrupt to the sweep's process,
so no worker prints a traceback). :func:`summarize_sweep` turns the runs into
a mean and a 95% interval over seeds per value of a swept parameter.
"""

from __future__ import annotations

import itertools
import math
import os
import signal
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import BrokenExecutor, Executor, Future, ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..model.errors import ParameterError, unknown_name
from ..model.parameters import PARAMETERS, Params, check_name
from ..model.result import SUMMARY, SUMMARY_LISTING
from ..model.scenarios import FAULT, Preset, get_preset
from ..model.size import check_allow, check_size, check_sweep, check_sweep_runs
from ..model.version import __version__
from .outputs import as_path, check_target, write_whole

#: ``executor=SERIAL`` runs a sweep in this process, one run after another.
SERIAL = "serial"
#: Columns of a sweep that are not parameters or summary numbers.
RUN_COLUMNS = ("preset", "variant")

# Student's t, 97.5% quantile (two-sided 95%) for 1 to 30 degrees of freedom, to four decimals.
_T_975 = (
    12.7062,
    4.3027,
    3.1824,
    2.7764,
    2.5706,
    2.4469,
    2.3646,
    2.3060,
    2.2622,
    2.2281,
    2.2010,
    2.1788,
    2.1604,
    2.1448,
    2.1314,
    2.1199,
    2.1098,
    2.1009,
    2.0930,
    2.0860,
    2.0796,
    2.0739,
    2.0687,
    2.0639,
    2.0595,
    2.0555,
    2.0518,
    2.0484,
    2.0452,
    2.0423,
)
_Z_975 = 1.959963984540054


def t_quantile_975(df: int) -> float:
    """Student's t 97.5% quantile: the half-width factor of a two-sided 95% interval.

    Degrees of freedom 1 to 30 come from an exact table (four decimals); beyond
    30, the Cornish-Fisher expansion of t about the normal quantile to the fourth
    order in 1/df, within 1e-4 of the exact value. No scipy needed.
    """
    if df < 1:
        raise ValueError(f"df={df} is not allowed: expected at least 1 degree of freedom")
    if df <= len(_T_975):
        return _T_975[df - 1]
    z = _Z_975
    terms = (
        (z**3 + z) / 4,
        (5 * z**5 + 16 * z**3 + 3 * z) / 96,
        (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384,
        (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160,
    )
    return z + sum(term / df ** (i + 1) for i, term in enumerate(terms))


class SweepIncomplete(RuntimeError):
    """Runs of a sweep were lost with their workers twice over (the pool, then a fresh one).

    ``frame`` holds the runs that finished, in grid then seed order, with every column of a
    whole sweep; ``missing`` says how many are not in it.
    """

    def __init__(self, frame: pd.DataFrame, missing: int) -> None:
        self.frame, self.missing = frame, missing
        super().__init__(
            f"sweep: {missing} of {missing + len(frame)} runs were lost with their worker processes twice "
            f"(killed, or out of memory); the {len(frame)} runs that finished are in this error's .frame"
        )


def sweep(
    preset: str | Path | Preset,
    grid: Mapping[str, Iterable[Any]],
    seeds: int | Iterable[int] = 10,
    *,
    variant: str | None = None,
    executor: Executor | str | None = None,
    progress: bool = True,
    allow_large: bool = False,
    **overrides: Any,
) -> pd.DataFrame:
    """Run ``preset`` at every combination of the ``grid``'s values, once per seed: one row per run.

    ``grid`` maps parameter names to lists of values (several names: every
    combination, the first name varying slowest). ``seeds`` is a number N (seeds
    1 to N) or a list of seeds. ``overrides`` are fixed for every run.
    ``executor``: ``None`` for local processes (one per CPU), :data:`SERIAL` for
    this process, or any ``concurrent.futures.Executor`` (left running).
    ``progress`` shows a tqdm bar (the notebook kind in Jupyter).

    The workers are sent what the preset holds in memory (its variant's
    parameters with the run's values, as plain data), never its name or file
    to be read again: a Preset changed in memory, or a file edited during the
    sweep, runs as it was when the sweep started.

    Columns: preset, variant, the overrides, the swept parameters, seed, then
    every number of :data:`kbsim.SUMMARY`; rows in grid order, then seed order.
    Bad input raises one ParameterError before any run starts, and so does a run
    beyond :mod:`kbsim.model.size`'s limits, or a sweep whose runs together are
    (:func:`kbsim.model.size.check_sweep`), unless ``allow_large=True``. Runs lost with
    a worker process (killed, out of memory) are run again on a fresh pool of
    processes, so the frame is whole; if they are lost again,
    :class:`SweepIncomplete` carries the runs that finished.
    """
    if executor is not None and executor != SERIAL and not isinstance(executor, Executor):
        raise ParameterError(
            f"executor={executor!r} is not allowed: expected None (local processes), "
            f"{SERIAL!r} or a concurrent.futures.Executor"
        )
    allow_large = check_allow(allow_large)
    if not isinstance(progress, (bool, np.bool_)):
        raise ParameterError(f"progress={progress!r} is not allowed: expected True or False")
    chosen = get_preset(preset)
    base = chosen.variant(variant)
    source = f"sweep of {chosen.name}"
    seed_spec = _seed_spec(seeds)
    fixed = _overrides(overrides, grid, base)
    axes = _grid_axes(grid)
    count = math.prod(len(values) for values in axes.values()) * len(seed_spec)
    check_sweep_runs(count, allow_large, what=source)
    seed_list = _seeds(seed_spec)
    points = [dict(zip(axes, combination)) for combination in itertools.product(*axes.values())]
    largest = None
    for point in points:
        params = Params.from_values({**fixed, **point, "seed": seed_list[0]}, base=base, source=source)
        size = check_size(params, allow_large, what=f"{source}: the run at {_describe_point(point)}")
        largest = size if largest is None or size.rows > largest.rows else largest
    assert largest is not None  # a grid has at least one point (the empty grid: one)
    check_sweep(len(points) * len(seed_list), largest, allow_large, what=source)
    runs = [{**fixed, **point, "seed": seed} for point in points for seed in seed_list]
    parameters = base.to_plain()
    tasks = [{**parameters, **{n: PARAMETERS[n].to_plain(v) for n, v in values.items()}} for values in runs]
    label = variant if variant not in (None, "") else FAULT
    columns = [*RUN_COLUMNS, *fixed, *points[0], "seed", *SUMMARY]

    def frame(summaries: list[dict[str, float] | None]) -> pd.DataFrame:
        rows = [
            {"preset": chosen.name, "variant": label, **values, **summary}
            for values, summary in zip(runs, summaries)
            if summary is not None
        ]
        return pd.DataFrame(rows, columns=columns)

    summaries = _execute(tasks, executor, progress, chosen.name, allow_large)
    missing = sum(summary is None for summary in summaries)
    if missing:
        raise SweepIncomplete(frame(summaries), missing)
    return frame(summaries)


def run_summary(parameters: dict[str, Any], allow_large: bool = False) -> dict[str, float]:
    """One run's summary numbers from every parameter's value as plain data: what a sweep's worker computes.

    It reads no preset file: the parameters are the run's whole description.
    """
    from ..model.site import simulate

    params = Params.from_values(parameters, source="sweep run")
    check_size(params, allow_large)
    return simulate(params).summary


def _describe_point(point: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in point.items()) or "every point"


def _execute(
    tasks: list[dict[str, Any]],
    executor: Executor | str | None,
    progress: bool,
    name: str,
    allow_large: bool = False,
) -> list[dict[str, float] | None]:
    """Every task's summary, in the tasks' order; ``None`` for a run lost twice with its worker."""
    summaries: list[dict[str, float] | None] = [None] * len(tasks)
    with _progress_bar(len(tasks), name, bool(progress)) as bar:
        if isinstance(executor, str):  # SERIAL, the one string allowed
            for i, task in enumerate(tasks):
                summaries[i] = run_summary(task, allow_large)
                bar.update()
            return summaries
        lost = list(range(len(tasks)))
        if executor is not None:
            lost = _collect(executor, tasks, lost, summaries, bar, allow_large)
            pools = 1  # runs the given executor lost: once more, on a fresh local pool
        else:
            pools = 2  # the default pool, then a fresh one for the runs a killed worker took with it
        for _pool in range(pools):
            if not lost:
                break
            pool = ProcessPoolExecutor(max_workers=os.cpu_count(), initializer=_ignore_interrupts)
            try:
                lost = _collect(pool, tasks, lost, summaries, bar, allow_large)
            except BaseException:
                _stop(pool)
                raise
            pool.shutdown(wait=True, cancel_futures=True)
    return summaries


def _collect(
    executor: Executor,
    tasks: list[dict[str, Any]],
    which: list[int],
    summaries: list[dict[str, float] | None],
    bar: Any,
    allow_large: bool = False,
) -> list[int]:
    """Submit the tasks ``which``, place each summary at its run's position as it finishes; return the
    positions of the runs lost with a worker (a broken process pool, a Dask worker killed too often)."""
    # Submitting first starts a process pool's workers before the progress bar starts its thread.
    futures: dict[Future, int] = {}
    lost: list[int] = []
    try:
        for i in which:
            try:
                futures[executor.submit(run_summary, tasks[i], allow_large)] = i
            except BrokenExecutor:
                lost.append(i)
        for future in as_completed(futures):
            try:
                summaries[futures[future]] = future.result()
            except Exception as exc:
                if not _lost_worker(exc):
                    raise
                lost.append(futures[future])
                continue
            bar.update()
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    return sorted(lost)


def _lost_worker(exc: BaseException) -> bool:
    """Whether a run failed because its worker was lost, not because of the run itself."""
    return isinstance(exc, BrokenExecutor) or type(exc).__name__ in ("KilledWorker", "CancelledError")


def _ignore_interrupts() -> None:
    """A pool worker leaves Ctrl-C to the sweep's own process, which stops the pool: no worker tracebacks."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now (Ctrl-C): cancel what has not started and end the workers running a run."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=10)


def _progress_bar(total: int, name: str, progress: bool) -> Any:
    """A tqdm bar counting runs: on stderr in a terminal, a widget in Jupyter (tqdm.auto)."""
    from tqdm.auto import tqdm  # loaded only when a sweep runs

    return tqdm(total=total, desc=f"sweep {name}", unit="run", disable=not progress)


def _seed_spec(seeds: Any) -> range | list[Any]:
    """The seeds as given (a range for a number), counted before any is checked one by one."""
    declared = PARAMETERS["seed"]
    allowed = f"a number of seeds N from 1 (seeds 1 to N) or a list of distinct seeds, each {declared.allowed()}"
    seeds = _plain(seeds)
    if isinstance(seeds, int) and not isinstance(seeds, bool):
        if seeds < 1:
            raise ParameterError(f"seeds={seeds!r} is not allowed: expected {allowed}")
        return range(1, seeds + 1)
    if isinstance(seeds, (str, bytes, Mapping)) or not isinstance(seeds, Iterable):
        raise ParameterError(f"seeds={seeds!r} is not allowed: expected {allowed}")
    chosen = [_plain(s) for s in seeds]
    if not chosen:
        raise ParameterError(f"seeds={chosen!r} is not allowed: expected {allowed}")
    return chosen


def _seeds(spec: range | list[Any]) -> list[int]:
    if isinstance(spec, range):
        return list(spec)
    declared = PARAMETERS["seed"]
    allowed = f"a number of seeds N from 1 (seeds 1 to N) or a list of distinct seeds, each {declared.allowed()}"
    try:
        checked = [declared.check(s) for s in spec]
    except ParameterError:
        raise ParameterError(f"seeds={spec!r} is not allowed: expected {allowed}") from None
    if len(set(checked)) != len(checked):
        raise ParameterError(f"seeds={spec!r} is not allowed: expected {allowed}")
    return checked


def _overrides(overrides: dict[str, Any], grid: Mapping[str, Any], base: Params) -> dict[str, Any]:
    for name in overrides:
        if name == "seed":
            raise ParameterError("sweep: seed is not a fixed override: give seeds=N or seeds=[...]")
        if isinstance(grid, Mapping) and name in grid:
            raise ParameterError(f"sweep: {name} is both swept (in the grid) and fixed (an override): give it once")
    Params.from_values(overrides, base=base, source="sweep overrides")
    return {name: PARAMETERS[name].check(value) for name, value in overrides.items()}


def _grid_axes(grid: Mapping[str, Iterable[Any]]) -> dict[str, list[Any]]:
    """Each swept parameter's values, checked (each value once, not once per combination)."""
    example = "{'balancing_interval_h': [1, 4, 24]}"
    if not isinstance(grid, Mapping):
        raise ParameterError(
            f"grid={grid!r} is not allowed: expected a mapping of parameter names to lists of values, e.g. {example}"
        )
    axes = {}
    for name, values in grid.items():
        if not isinstance(name, str):
            raise ParameterError(f"grid: {name!r} is not allowed: expected parameter names as text, e.g. {example}")
        declared = check_name(name, "grid: ")
        if name == "seed":
            raise ParameterError("grid: seed is not swept by the grid: give seeds=N or seeds=[...]")
        if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
            raise ParameterError(
                f"grid: {name}={values!r} is not allowed: expected a list of values, each {declared.allowed()}"
            )
        try:
            checked = [declared.check(_plain(v)) for v in values]
        except ParameterError as exc:
            raise ParameterError(f"grid: {exc}") from None
        if not checked:
            raise ParameterError(f"grid: {name} has no values: expected a list of values, each {declared.allowed()}")
        if len(set(map(_hashable, checked))) != len(checked):
            repeated = [v for i, v in enumerate(checked) if v in checked[:i]]
            raise ParameterError(
                f"grid: {name} lists {declared.to_plain(repeated[0])!r} twice: expected distinct values"
            )
        axes[name] = checked
    return axes


def moved_outages(
    preset: str | Path | Preset, starts_h: Iterable[float], *, variant: str | None = None
) -> list[list[list[float]]]:
    """The preset's outages moved so that the first starts at each of ``starts_h`` (hours from the run's
    start), the others keeping their offsets from it: one outage list per start, the values of a sweep over
    where the outage falls (Q226827: how long the denials last depends on where the server's return falls
    against the balancing cycles), e.g. ``sweep("Q226827", {"outages": moved_outages("Q226827", [24, 30])})``.
    A preset with no outage, or a start that puts an outage outside the run, raises a ParameterError."""
    chosen = get_preset(preset)
    base = chosen.variant(variant)
    if not base.outages:
        raise ParameterError(f"moved_outages: preset {chosen.name!r} has no outage to move")
    first = min(start_h for _, start_h, _ in base.outages)
    if isinstance(starts_h, (str, bytes)) or not isinstance(starts_h, Iterable):
        raise ParameterError(f"moved_outages: starts_h={starts_h!r} is not allowed: expected a list of hours")
    moved = []
    for start in starts_h:
        if isinstance(start, bool) or not isinstance(start, (int, float, np.number)):
            raise ParameterError(f"moved_outages: start {start!r} is not allowed: expected hours, a number")
        outages = [[server, float(start) + start_h - first, minutes] for server, start_h, minutes in base.outages]
        Params.from_values({"outages": outages}, base=base, source="moved_outages")
        moved.append(outages)
    return moved


def summarize_sweep(frame: pd.DataFrame, metric: str | Sequence[str], by: str | Sequence[str] = ()) -> pd.DataFrame:
    """Mean, standard deviation, count and 95% interval of ``metric`` over seeds, per value of ``by``.

    ``metric`` is a summary number (or several), or a column computed from them
    and added to the frame (``frame.assign(...)``).

    One row per value of ``by`` (per combination, if several names; one row in
    all if none) and metric, in the order the values first appear. Columns: the
    ``by`` columns, metric, count, mean, std (sample, ddof=1), ci_low and ci_high:
    mean ± t × std / √count, with Student's t from :func:`t_quantile_975`. NaN
    values (e.g. no recovery) are left out of the count; an interval needs two runs.
    """
    _check_frame(frame)
    metrics = _names(metric, "metric")
    names = _names(by, "by")
    for name in metrics:
        if name not in frame.columns or name in PARAMETERS or not pd.api.types.is_numeric_dtype(frame[name]):
            numbers = [c for c in frame.columns if c not in PARAMETERS and pd.api.types.is_numeric_dtype(frame[c])]
            raise unknown_name(
                "metric",
                name,
                numbers,
                where="summarize_sweep: ",
                listing=SUMMARY_LISTING,
                also="or a number column added to the frame",
            )
    for name in names:
        if name not in frame.columns or name in SUMMARY:
            raise unknown_name(
                "column to group by", name, [c for c in frame.columns if c not in SUMMARY], where="summarize_sweep: "
            )
    keys = [frame[n].map(_hashable) for n in names] or [pd.Series(0, index=frame.index, name="all runs")]
    parts = []
    for name in metrics:
        table = frame[name].astype(float).groupby(keys, sort=False).agg(["count", "mean", "std"])
        table = table.reset_index(drop=not names)
        count = table["count"].to_numpy()
        factor = np.array([t_quantile_975(int(n) - 1) if n >= 2 else math.nan for n in count])
        half = factor * table["std"].to_numpy() / np.sqrt(count)
        table.insert(len(names), "metric", name)
        table["count"] = table["count"].astype(int)
        table["ci_low"] = table["mean"] - half
        table["ci_high"] = table["mean"] + half
        parts.append(table)
    summary = pd.concat(parts, ignore_index=True)
    summary.attrs["stamp"] = _stamp(frame, names)
    return summary


def seed_convergence(
    frame: pd.DataFrame, metric: str, by: str | Sequence[str] = (), counts: Iterable[int] | None = None
) -> pd.DataFrame:
    """:func:`summarize_sweep` of ``metric`` over only a sweep's first n seeds, for each n in ``counts``.

    Shows how the 95% interval narrows as seeds are added. ``counts`` defaults to
    2, 3, ... up to the sweep's number of seeds. Columns: seeds (n), then those of
    :func:`summarize_sweep`.
    """
    _check_frame(frame)
    order = list(dict.fromkeys(frame["seed"]))
    if counts is not None and (isinstance(counts, (str, bytes)) or not isinstance(counts, Iterable)):
        raise ParameterError(f"counts={counts!r} is not allowed: expected numbers of seeds from 1 to {len(order)}")
    chosen = [_plain(n) for n in counts] if counts is not None else list(range(2, len(order) + 1))
    if (
        not chosen
        or any(not isinstance(n, int) or isinstance(n, bool) for n in chosen)
        or any(not 1 <= n <= len(order) for n in chosen)
    ):
        raise ParameterError(f"counts={chosen!r} is not allowed: expected numbers of seeds from 1 to {len(order)}")
    parts = [summarize_sweep(frame[frame["seed"].isin(order[:n])], metric, by) for n in chosen]
    table = pd.concat([part.assign(seeds=n) for n, part in zip(chosen, parts)], ignore_index=True)
    table = table[["seeds", *[c for c in table.columns if c != "seeds"]]]
    table.attrs["stamp"] = parts[-1].attrs["stamp"]
    return table


def write_table(frame: pd.DataFrame, path: str | Path, overwrite: bool = False) -> Path:
    """Write a sweep to CSV or Parquet, chosen by the file's suffix (``.csv``, ``.parquet``), whole or not at all.

    Parameter values that are lists (outages, unreachable_servers) are written as
    JSON text. Parquet needs pyarrow. The file goes to a temporary file beside
    ``path`` and replaces it only when complete (:mod:`kbsim.analysis.outputs`); an existing
    file is replaced only with ``overwrite=True``. A path that cannot be written
    raises a ParameterError and leaves any file there as it was.
    """
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(f"frame={type(frame).__name__} is not allowed: expected a sweep's pandas DataFrame")
    path = as_path(path, "path")
    check_writable(path, overwrite)
    if path.suffix.lower() == ".parquet":
        try:
            import pyarrow  # noqa: F401  (pandas' Parquet engine)
        except ImportError:
            raise ParameterError(
                f"{path}: writing Parquet needs pyarrow (pip install pyarrow), or write a .csv"
            ) from None
    plain = frame.copy()
    for name in plain.columns:
        if name in PARAMETERS and plain[name].dtype == object:  # a list (outages, servers) as its JSON text
            plain[name] = [PARAMETERS[name].kind.cell(v) for v in plain[name]]
    if path.suffix.lower() == ".csv":
        return write_whole(path, lambda temporary: plain.to_csv(temporary, index=False), overwrite)
    return write_whole(path, lambda temporary: plain.to_parquet(temporary, index=False), overwrite)


def check_writable(path: Path, overwrite: bool = False) -> None:
    """A ParameterError unless ``path`` is a .csv or .parquet file that can be written now (see
    :func:`kbsim.analysis.outputs.check_target`): called before a sweep starts, so nothing runs for nothing."""
    if path.suffix.lower() not in (".csv", ".parquet"):
        raise ParameterError(f"{path}: unknown file type {path.suffix or '(none)'!r}: expected a .csv or .parquet file")
    check_target(path, overwrite)


def _check_frame(frame: Any) -> None:
    """A ParameterError unless ``frame`` is a sweep's frame (a DataFrame with a seed column)."""
    if not isinstance(frame, pd.DataFrame) or "seed" not in frame.columns:
        raise ParameterError(
            f"frame={type(frame).__name__} is not allowed: expected a sweep's pandas DataFrame (kbsim.sweep's result)"
        )


def _names(value: Any, what: str) -> list[str]:
    """One column name or several, as a list; anything else is a ParameterError naming ``what``."""
    names = [value] if isinstance(value, str) else value
    if isinstance(names, (list, tuple)) and all(isinstance(n, str) for n in names):
        return list(names)
    raise ParameterError(f"{what}={value!r} is not allowed: expected a column name or a list of them")


def _plain(value: Any) -> Any:
    """A numpy scalar (from ``np.arange``, say) as the Python number the declaration checks."""
    return value.item() if isinstance(value, np.generic) else value


def _hashable(value: Any) -> Any:
    return tuple(map(_hashable, value)) if isinstance(value, list) else value


def _stamp(frame: pd.DataFrame, by: list[str]) -> str:
    """Provenance of a summary: preset and variant, seeds, fixed parameters, kbsim version."""
    runs = " · ".join(
        f"{p}" + (f" ({v})" if v != FAULT else "")
        for p, v in frame[list(RUN_COLUMNS)].drop_duplicates().itertuples(index=False)
    )
    seeds = sorted(frame["seed"].unique())
    shown = (
        (
            f"seeds {seeds[0]}-{seeds[-1]}"
            if seeds == list(range(seeds[0], seeds[-1] + 1))
            else f"seeds {', '.join(map(str, seeds))}"
        )
        if len(seeds) > 1
        else f"seed {seeds[0]}"
    )
    fixed = [
        f"{n}={PARAMETERS[n].to_plain(frame[n].iloc[0])}"
        for n in frame.columns
        if n in PARAMETERS and n != "seed" and n not in by and frame[n].map(_hashable).nunique() == 1
    ]
    return " · ".join([runs, shown, *fixed, f"kbsim {__version__}"])
