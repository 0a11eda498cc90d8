"""What a run returns: its parameters, a summary of plain numbers and tidy tables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .errors import ParameterError, unknown_name
from .parameters import Params
from .summary import LABELS, SUMMARY, SUMMARY_LISTING
from .version import __version__


@dataclass(frozen=True)
class Result:
    """One run of the site model.

    ``params`` are the validated parameters and ``summary`` the numbers in
    :data:`SUMMARY` (declared in :mod:`kbsim.model.summary`). The tables are tidy DataFrames; ``time`` columns are the
    site server's clock and ``hours`` the hours since the run's start:

    * ``events``: time, hours, kind (see ``kbsim.EVENT_KINDS``), client, server, product, detail
      (a sentence written from the event's facts), then the facts, empty where a kind does not
      carry them (see ``kbsim.EVENT_FACTS``): state, reason, from_server, attempt, cycle,
      licences, servers, runs, minutes;
    * ``licenses``: time, hours, server, product, up, in_use, free, sampled every 15
      minutes; server ``-1`` is the site server's reserve pool;
    * ``usage``: client, os, home_server, clock_offset_min, sessions, reported, pending, unreported,
      lost_at_reinstall (sessions = the last four summed), first_ccim_h (a Windows 95/98 client's
      first CCIM cycle or restart since its last install, hours from the start; NaN for Windows NT);
    * ``status``: time, hours, server, message_id, state (the state the poll found SMS_LICENSE_SERVER in: "stop
      pending" for a hung service, Q299261, "stopped" for an offline server), text.

    ``notes`` says in words what the run lost or could not do, for example
    usage held back by lagging clocks.

    Its provenance is set when it is built, never patched on after: ``preset`` and ``variant`` name what
    the run started from (empty for parameters given directly, ``kbsim.simulate(params)``), ``base`` is
    the parameters they give (None: the declared defaults) and ``version`` the kbsim that ran it, so
    :meth:`call` reproduces any Result.
    """

    params: Params
    summary: dict[str, float]
    events: pd.DataFrame
    licenses: pd.DataFrame
    usage: pd.DataFrame
    status: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    preset: str = ""
    variant: str = ""
    base: Params | None = None
    version: str = __version__

    def changed(self) -> dict[str, Any]:
        """The parameters this run changed from its preset (or from the defaults)."""
        return self.params.changed(self.base)

    def stamp(self) -> str:
        """A one-line provenance stamp for figures: preset, seed, changes, version."""
        name = self.preset or "custom"
        if self.variant:
            name += f" ({self.variant})"
        changes = ", ".join(f"{k}={v}" for k, v in self.changed().items() if k != "seed")
        return f"{name} · seed {self.params.seed}" + (f" · {changes}" if changes else "") + f" · kbsim {self.version}"

    def call(self) -> str:
        """This run as a ``kbsim.run(...)`` line to paste into a cell or a script; a run of parameters given
        directly (no preset) as the ``kbsim.simulate(kbsim.Params(...))`` line that gives them."""
        if not self.preset:
            changes = [f"{k}={v!r}" for k, v in self.changed().items() if k != "seed"]
            return f"kbsim.simulate(kbsim.Params({', '.join([f'seed={self.params.seed}', *changes])}))"
        args = [repr(self.preset)]
        if self.variant:
            args.append(f"variant={self.variant!r}")
        args.append(f"seed={self.params.seed}")
        args += [f"{k}={v!r}" for k, v in self.changed().items() if k != "seed"]
        return f"kbsim.run({', '.join(args)})"

    def summary_frame(self) -> pd.DataFrame:
        """The summary as a table, rounded for reading: each number's label in words, value and meaning."""
        return compare({"value": self})

    def __repr__(self) -> str:
        s = self.summary
        return (
            f"<Result {self.stamp()}: {s['requests']} requests, {s['denials']} denials, "
            f"{s['failovers']} failovers, {s['sessions_unreported']} sessions unreported, "
            f"{s['status_9406']} × 9406>"
        )


def compare(results: dict[str, Result], metrics: list[str] | tuple[str, ...] | None = None) -> pd.DataFrame:
    """Summary numbers of several runs side by side: one row per number, named in words.

    The index is each number's name in :data:`SUMMARY`; the columns are its ``label`` in words,
    one column per run, and its ``meaning``. ``metrics`` picks rows from :data:`SUMMARY` (default:
    all of them; another name is a ParameterError). Floats are rounded to three decimals for reading.
    """
    if not isinstance(results, Mapping) or not all(isinstance(r, Result) for r in results.values()):
        raise ParameterError(
            f"results={results!r:.80} is not allowed: expected a dict of labels to kbsim.Result, e.g. "
            "{'fault': run_a, 'fix': run_b}"
        )
    if isinstance(metrics, str) or not (metrics is None or isinstance(metrics, (list, tuple))):
        raise ParameterError(f"metrics={metrics!r} is not allowed: expected a list of summary numbers, or None")
    metrics = list(metrics or SUMMARY)
    for name in metrics:
        if name not in SUMMARY:
            raise unknown_name("summary number", name, SUMMARY, listing=SUMMARY_LISTING)
    for label in results:
        if label in ("label", "meaning"):
            raise ParameterError(f"compare: a run cannot be called {label!r} (that column is the number's {label})")
    columns = {
        "label": [LABELS[m] for m in metrics],
        **{label: [_readable(result.summary[m]) for m in metrics] for label, result in results.items()},
        "meaning": [SUMMARY[m] for m in metrics],
    }
    return pd.DataFrame(columns, index=metrics, dtype=object)


def _readable(value: float) -> float:
    return round(value, 3) if isinstance(value, float) else value
