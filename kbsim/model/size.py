"""A run's size, known before it starts: launches, event rows, seconds and memory, estimated from the parameters.

A run costs in proportion to what it records, and the estimate counts every event
a run can record, each from its own mechanism's rates. Every launch is one event
row (a grant, a refusal or a run logged locally); in online mode a refused user who
asks for a callback adds two (the callback and its answer or lapse; refusals by
Erlang's loss formula, only while some server answers), and on-demand balancing a
move per server that refused, at most one per License Metering cycle; offline mode
adds an upload row per client and configuration poll in which it ran something
(a refusal at every poll for a client whose clock lagged at install, Q213261);
a server outage adds each stranded client's failure, its move or reconnection and
its retries at its own cadence: a Windows 95/98 client every ``win9x_retry_s``
while it knows one server, then every ``Params.retry_every_min`` while no server
answers (Q226827, Q212894); the site adds its balancing cycles, packs and
service changes. ``tests/test_size.py`` holds the row estimate within a factor of
2 of the rows recorded on random sites, adversarial ones among them (every client
Windows 95/98 and every server out, no server, busy refusals). Seconds and
memory follow from launches and rows, by constants measured on the project's
machine (``benchmarks/size_calibration.py``).

Calibration (``python benchmarks/size_calibration.py``, 2-core shared machine,
Python 3.11): 15 runs from 5,000 to 3 million launches, online and offline,
granted and refused, with and without outages and Windows 95/98 retries. The
launch estimate was within 3 % of the launches drawn on every run (it is an
expectation: Poisson noise is all it misses; ``tests/test_size.py`` holds it to
10 %), event rows within 20 %, peak memory within 35 % (calibrated again
when events became typed facts, issue 11). Seconds were within a
factor of 2 on the runs of a large site; small runs, and any run while other work
loaded the shared machine, took up to several times the estimate (the same run's
time varies that much between measurements here). The estimate is a guide to
refuse runs that would eat the machine, not a promise.

Beyond :data:`LARGE_RUN_LAUNCHES` launches or :data:`LARGE_RUN_ROWS` event rows
(about 25 s and 1 to 2 GB here) :func:`kbsim.run`, a sweep and the command line
refuse to start, with one line saying how large the run would be and how to
allow it: ``allow_large=True`` (``--allow-large`` on the command line). An
explorer says so, with the estimate, before it starts a run estimated to take
more than :data:`EXPLORER_SECONDS`. A sweep checks its whole size before any work:
more than :data:`LARGE_SWEEP_RUNS` runs (points x seeds) is refused from the count
alone, before the points are checked one by one, and so is one whose runs together
record more than :data:`LARGE_SWEEP_ROWS` event rows (runs x its largest run).
``allow_large`` accepts only True or False.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import exp, log
from typing import Any

import numpy as np

from .errors import ParameterError
from .parameters import Params
from .usage import clock_fault_applies

#: A run drawing more launches than this is refused unless allowed (about 25 s and 1 to 2 GB here).
LARGE_RUN_LAUNCHES = 5_000_000
#: A run recording more event rows than this (launches, uploads, retries) is refused unless allowed.
LARGE_RUN_ROWS = 8_000_000
#: A sweep of more runs than this (points x seeds) is refused unless allowed, from the count alone.
LARGE_SWEEP_RUNS = 20_000
#: A sweep whose runs together record more event rows than this (runs x its largest run) is refused unless allowed
#: (about ten of the largest runs allowed unasked: several minutes of both cores).
LARGE_SWEEP_ROWS = 10 * LARGE_RUN_ROWS
#: An answer key of more mystery cases than this (``kbsim mystery-key``, ``kbsim.classroom.mystery_key``) is refused
#: unless allowed, from the count alone: each case is a run of its own (about 0.07 s here), so 1,000 is a minute or so.
LARGE_KEY_CASES = 1_000
#: The keyword of kbsim.run and kbsim.sweep that allows a run beyond the limits; ``--allow-large`` on the command line.
ALLOW = "allow_large"
#: An explorer says how large a run is before it starts one estimated to take longer than this (seconds).
EXPLORER_SECONDS = 3.0

#: Installs are spread evenly over install_spread_h: the estimate averages over this many install moments.
_INSTALL_STEPS = 16
#: Quantiles of the wait for a client's first launch in an outage, over which its retries are averaged.
_WAITS = (0.1, 0.3, 0.5, 0.7, 0.9)

# Calibration constants (benchmarks/size_calibration.py; see the module docstring for their error).
_SECONDS_BASE = 0.02  # a run of nothing: site set-up and the result's tables
_SECONDS_PER_DAY = 0.002  # per server and simulated day: balancing, service polls, licence samples
_SECONDS_PER_LAUNCH = 2.4e-6  # drawing, sorting and handling one launch
_SECONDS_PER_ROW = 2.2e-6  # recording one event and building its row in Result.events
_MB_BASE = 120.0  # Python with numpy, pandas and kbsim imported, and a small run's tables
_MB_PER_LAUNCH = 90e-6  # a launch's columns and its own event row (a byte while the run lasts)
_MB_PER_OTHER_ROW = 250e-6  # any other event: its columns and facts while recorded, then its row


@dataclass(frozen=True)
class RunSize:
    """How large one run is, estimated before it starts."""

    launches: int  # program launches drawn (every client, every day)
    rows: int  # event rows recorded: launches, uploads, retries
    seconds: float  # wall-clock time on the project's 2-core machine
    memory_mb: float  # peak memory of a process that makes only this run

    @property
    def large(self) -> bool:
        """Whether the run is beyond the limits that need ``allow_large=True``."""
        return self.launches > LARGE_RUN_LAUNCHES or self.rows > LARGE_RUN_ROWS

    def describe(self) -> str:
        """The size in words: ``about 60,000,000 launches, 62,000,000 event rows, 5 min and 25 GB``."""
        return (
            f"about {self.launches:,} launches, {self.rows:,} event rows, {_duration(self.seconds)} "
            f"and {_memory(self.memory_mb)}"
        )


def estimate(params: Params) -> RunSize:
    """The size of the run ``params`` describes: launches, event rows, seconds and peak memory (estimates).

    Rows count every event a run records: launches, offline uploads, callbacks and
    their ends, on-demand moves, the retries and moves of clients stranded by outages
    (at each client's own cadence), balancing cycles, packs and service changes.
    """
    if not isinstance(params, Params):
        raise ParameterError(f"params={type(params).__name__} is not allowed: expected a kbsim.Params")
    days_min = params.days * 1440.0
    installed = _installed_share(params, days_min)
    launches = params.n_clients * params.launches_per_day * params.days * installed
    asked = launches * (1.0 - _overlap(_all_down(params), 0.0, days_min) / days_min)  # while a server answers
    rows = (
        launches
        + _uploads(params, days_min)
        + _callbacks(params, asked)
        + _on_demand(params, asked, days_min)
        + _retries(params)
        + _site_rows(params, days_min)
    )
    seconds = (
        _SECONDS_BASE
        + _SECONDS_PER_DAY * params.days * params.n_servers
        + _SECONDS_PER_LAUNCH * launches
        + _SECONDS_PER_ROW * rows
    )
    memory = _MB_BASE + _MB_PER_LAUNCH * launches + _MB_PER_OTHER_ROW * (rows - launches)
    return RunSize(launches=round(launches), rows=round(rows), seconds=seconds, memory_mb=memory)


def check_allow(allow_large: Any) -> bool:
    """``allow_large`` as a bool: only True or False (numpy's too) switch the size guard; anything else,
    a text such as "no" included, is a ParameterError."""
    if isinstance(allow_large, np.bool_):
        return bool(allow_large)
    if not isinstance(allow_large, bool):
        raise ParameterError(f"{ALLOW}={allow_large!r} is not allowed: expected True or False")
    return allow_large


def check_size(params: Params, allow_large: bool = False, what: str = "this run") -> RunSize:
    """The run's size; beyond the limits and not allowed, one ParameterError saying how large and how to allow it."""
    allow_large = check_allow(allow_large)
    size = estimate(params)
    if size.large and not allow_large:
        raise ParameterError(
            f"{what} is too large to start unasked: {size.describe()} (n_clients={params.n_clients} x "
            f"days={params.days} x launches_per_day={params.launches_per_day:g}; the limit is "
            f"{LARGE_RUN_LAUNCHES:,} launches or {LARGE_RUN_ROWS:,} event rows); to run it anyway pass "
            f"{ALLOW}=True (command line: --allow-large)"
        )
    return size


def check_sweep_runs(runs: int, allow_large: bool = False, what: str = "this sweep") -> None:
    """A sweep of more than :data:`LARGE_SWEEP_RUNS` runs is refused (unless allowed) from the count alone,
    before any of its points is checked one by one."""
    if runs > LARGE_SWEEP_RUNS and not check_allow(allow_large):
        raise ParameterError(
            f"{what} is too large to start unasked: {runs:,} runs (points x seeds; the limit is "
            f"{LARGE_SWEEP_RUNS:,} runs or {LARGE_SWEEP_ROWS:,} event rows in all); to run it anyway pass "
            f"{ALLOW}=True (command line: --allow-large)"
        )


def check_key_cases(cases: int, allow_large: bool = False, what: str = "seeds") -> None:
    """An answer key of more than :data:`LARGE_KEY_CASES` mystery cases is refused (unless allowed), from the count
    alone, before any case is drawn."""
    if cases > LARGE_KEY_CASES and not check_allow(allow_large):
        raise ParameterError(
            f"{what} are too many to draw unasked: {cases:,} cases (the limit is {LARGE_KEY_CASES:,}); "
            f"to draw them anyway pass {ALLOW}=True (command line: --allow-large)"
        )


def check_sweep(runs: int, largest: RunSize, allow_large: bool = False, what: str = "this sweep") -> None:
    """A sweep's whole size, ``runs`` times its largest run, refused beyond the sweep limits unless allowed."""
    check_sweep_runs(runs, allow_large, what)
    rows, seconds = runs * largest.rows, runs * largest.seconds
    if rows > LARGE_SWEEP_ROWS and not check_allow(allow_large):
        raise ParameterError(
            f"{what} is too large to start unasked: {runs:,} runs of up to {largest.rows:,} event rows each, "
            f"about {rows:,} event rows and {_duration(seconds)} of one core in all (the limit is "
            f"{LARGE_SWEEP_RUNS:,} runs or {LARGE_SWEEP_ROWS:,} event rows in all); to run it anyway pass "
            f"{ALLOW}=True (command line: --allow-large)"
        )


def _installed_share(params: Params, days_min: float) -> float:
    """The share of client-minutes of the run after each client's install (clients meter nothing before it)."""
    first, spread = params.install_h * 60, params.install_spread_h * 60
    if spread <= 0:
        return max(0.0, min(1.0, (days_min - max(first, 0.0)) / days_min))
    # Installs are spread evenly over [first, first + spread): average the metered share over them.
    steps = 64
    total = 0.0
    for i in range(steps):
        at = max(0.0, first + spread * (i + 0.5) / steps)
        total += max(0.0, days_min - at) / days_min
    return total / steps


def _uploads(params: Params, days_min: float) -> float:
    """Offline mode: one upload row per client and configuration poll in which it ran something; a client
    whose clock lagged at install (Q213261) uploads nothing, and records a refusal at every poll from its
    first run on, while its runs wait."""
    if params.mode != "offline":
        return 0.0
    rate = params.launches_per_day / 1440.0
    ran = 1.0 - exp(-rate * params.config_poll_min)
    blocked = (
        params.skewed_fraction
        if clock_fault_applies(params.service_pack, params.clock_fault_fixed_in)
        and params.clock_offset_min > params.clock_threshold_min
        else 0.0
    )
    nobody = _all_down(params)  # no poll is answered while no server is up
    uploads = refusals = 0.0
    for i in range(_INSTALL_STEPS):  # averaged over the install spread: a client polls from its install on
        install = max(0.0, (params.install_h + i / (_INSTALL_STEPS - 1) * params.install_spread_h) * 60)
        answered = max(0.0, days_min - install) - _overlap(nobody, install, days_min)
        uploads += answered / params.config_poll_min * ran
        refusals += _stranded(rate, answered) / params.config_poll_min
    return params.n_clients * ((1 - blocked) * uploads + blocked * refusals) / _INSTALL_STEPS


def refused_share(params: Params) -> float:
    """Online mode: the share of requests refused, by Erlang's loss formula for each product's licences.

    Each product is offered ``n_clients x launches_per_day / 1440 x mean_session_min / n_products``
    licences' worth of demand against ``licenses`` licences, as if pooled in one place (balancing
    spreads them; a split pool refuses somewhat more).
    """
    if params.mode != "online":
        return 0.0
    offered = params.n_clients * params.launches_per_day / 1440.0 * params.mean_session_min / params.n_products
    blocked = 1.0
    for k in range(1, params.licenses + 1):
        blocked = offered * blocked / (k + offered * blocked)
        if blocked < 1e-9:
            return 0.0
    return blocked


def _callbacks(params: Params, asked: float) -> float:
    """Online mode: a refusal row is a launch's; a callback asked adds its own row and one for its end.
    ``asked``: the launches that reach a server (none does while every server is out)."""
    return 2.0 * asked * refused_share(params) * params.callback_share


def _on_demand(params: Params, asked: float, days_min: float) -> float:
    """Online mode with on-demand balancing: a row per server and product that refused since the last
    License Metering cycle, at each cycle; at most one per refusal."""
    if params.mode != "online" or not params.instant_balancing:
        return 0.0
    refusals = asked * refused_share(params)
    return min(refusals, params.n_servers * params.n_products * days_min / params.metering_cycle_min)


def _site_rows(params: Params, days_min: float) -> float:
    """Rows of the site itself: balancing cycles (and servers they skip), packs, service changes,
    outages, and the skewed clients' clock setting and reinstall."""
    cycles = days_min / (params.balancing_interval_h * 60) + 1
    down = sum(min(minutes, days_min - start_h * 60) for _, start_h, minutes in params.outages)
    skipped = cycles * len(params.unreachable_servers) + down / (params.balancing_interval_h * 60)
    packs = params.n_servers * (days_min / (params.pack_interval_h * 60) + 1)
    hangs = 2 * packs if params.service_pack in ("SP2+hotfix", "SP3") else 0.0
    outages = 4 * len(params.outages)  # its start and end, the service stopped and started
    skewed = params.n_clients * params.skewed_fraction
    clocks = skewed * ((params.clock_sync_h * 60 < days_min) + (params.reinstall_h * 60 < days_min))
    return cycles + skipped + packs + hangs + outages + clocks


def _down(params: Params, server: int) -> list[tuple[float, float]]:
    """The spans (minutes from the start, within the run) when ``server`` is out: its outages merged."""
    spans: list[tuple[float, float]] = []
    run_end = params.days * 1440.0
    for begin, end in sorted((h * 60, min(h * 60 + m, run_end)) for s, h, m in params.outages if s == server):
        if spans and begin <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((begin, end))
    return spans


def _all_down(params: Params) -> list[tuple[float, float]]:
    """The spans (minutes from the start) when every server is out at once: no server answers anyone."""
    spans = _down(params, 0)
    for server in range(1, params.n_servers):
        mine = _down(params, server)
        spans = [(max(a, c), min(b, d)) for a, b in spans for c, d in mine if max(a, c) < min(b, d)]
    return spans


def _overlap(spans: list[tuple[float, float]], begin: float, end: float) -> float:
    return sum(max(0.0, min(b, end) - max(a, begin)) for a, b in spans)


def _retries(params: Params) -> float:
    """Rows of the clients an outage strands: each fails once at its first launch in the outage, retries
    from then on at its own cadence, and moves or reconnects once.

    A client homed on the failed server launches at rate r; its first launch in the outage
    fails, and from then on it retries at its cadence (averaged over when that launch comes,
    by quantiles of the exponential wait, and over the install spread). A Windows
    95/98 client retries every ``win9x_retry_s`` while it knows one server: from its install
    until its first CCIM cycle, or its user's restart ``restart_after_h`` after the failure
    (Q212894); then, like a Windows NT client, it retries every ``Params.retry_every_min``
    while no server answers at all (immediate failover), or until its retries are spent (after_retries); a server that
    answers takes it at once.
    """
    rate = params.launches_per_day / 1440.0
    if not params.outages or params.mode != "online" or rate <= 0:
        return 0.0  # offline clients ask no server at a launch; a client that launches nothing fails nothing
    n, servers = params.n_clients, params.n_servers
    nobody = _all_down(params)
    total = 0.0
    for server in range(servers):
        if servers == 1:
            homed = float(n)
        elif server == 0:
            homed = n * params.demand_skew
        else:
            homed = n * (1 - params.demand_skew) / (servers - 1)
        for begin, end in _down(params, server):
            # Averaged over the install spread (a client meters nothing, so fails nothing, before its install)
            # and over when its first launch in the outage fails (quantiles of the wait, at rate r).
            per_client = 0.0
            for i in range(_INSTALL_STEPS):
                installed_at = i / (_INSTALL_STEPS - 1)
                install = (params.install_h + installed_at * params.install_spread_h) * 60
                ccim = install + params.ccim_interval_h * 60  # a Windows 95/98 client knows every server from here
                for q in _WAITS:
                    failed = max(begin, install) - log(1 - q) / rate
                    if failed >= end:
                        continue
                    per_client += 2  # its failure, and its move or reconnection
                    if params.win9x_fraction:
                        knows_all = min(ccim, failed + params.restart_after_h * 60) if params.users_restart else ccim
                        bound = max(0.0, min(end, knows_all) - failed) / (params.win9x_retry_s / 60)
                        bound += _overlap(nobody, max(failed, knows_all), end) / params.retry_every_min
                        per_client += params.win9x_fraction * bound
                    alone = _overlap(nobody, failed, end)
                    if params.failover == "after_retries":
                        spent = min((end - failed) / params.retry_delay_min, params.retries)
                        per_client += (1 - params.win9x_fraction) * max(spent, alone / params.retry_delay_min)
                    else:
                        per_client += (1 - params.win9x_fraction) * alone / params.retry_every_min
            per_client /= len(_WAITS)
            total += homed * per_client / _INSTALL_STEPS
    return total


def _stranded(rate: float, span: float) -> float:
    """Expected minutes a client spends stranded in a span of ``span`` minutes: from its first launch in it."""
    if rate <= 0 or span <= 0:
        return 0.0
    return span - (1 - exp(-rate * span)) / rate


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s" if seconds >= 1 else "under a second"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _memory(mb: float) -> str:
    return f"{mb / 1024:.1f} GB" if mb >= 1024 else f"{mb:.0f} MB"
