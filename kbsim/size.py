"""A run's size, known before it starts: launches, event rows, seconds and memory, estimated from the parameters.

A run costs in proportion to what it records. Every launch is one event row
(a grant, a refusal or a run logged locally); in online mode a refused user who
asks for a callback adds two (the callback and its answer or lapse; refusals by
Erlang's loss formula); offline mode adds an upload row
per client and configuration poll in which it ran something; a server outage
adds the retries of the clients stranded by it (Q226827, Q212894). Seconds and
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
more than :data:`EXPLORER_SECONDS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import exp

from .errors import ParameterError
from .parameters import Params

#: A run drawing more launches than this is refused unless allowed (about 25 s and 1 to 2 GB here).
LARGE_RUN_LAUNCHES = 5_000_000
#: A run recording more event rows than this (launches, uploads, retries) is refused unless allowed.
LARGE_RUN_ROWS = 8_000_000
#: The keyword of kbsim.run and kbsim.sweep that allows a run beyond the limits; ``--allow-large`` on the command line.
ALLOW = "allow_large"
#: An explorer says how large a run is before it starts one estimated to take longer than this (seconds).
EXPLORER_SECONDS = 3.0

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
    """The size of the run ``params`` describes: launches, event rows, seconds and peak memory (estimates)."""
    days_min = params.days * 1440.0
    installed = _installed_share(params, days_min)
    launches = params.n_clients * params.launches_per_day * params.days * installed
    rows = launches + _uploads(params, days_min, installed) + _callbacks(params, launches) + _retries(params)
    seconds = (
        _SECONDS_BASE
        + _SECONDS_PER_DAY * params.days * params.n_servers
        + _SECONDS_PER_LAUNCH * launches
        + _SECONDS_PER_ROW * rows
    )
    memory = _MB_BASE + _MB_PER_LAUNCH * launches + _MB_PER_OTHER_ROW * (rows - launches)
    return RunSize(launches=round(launches), rows=round(rows), seconds=seconds, memory_mb=memory)


def check_size(params: Params, allow_large: bool = False, what: str = "this run") -> RunSize:
    """The run's size; beyond the limits and not allowed, one ParameterError saying how large and how to allow it."""
    size = estimate(params)
    if size.large and not allow_large:
        raise ParameterError(
            f"{what} is too large to start unasked: {size.describe()} (n_clients={params.n_clients} x "
            f"days={params.days} x launches_per_day={params.launches_per_day:g}; the limit is "
            f"{LARGE_RUN_LAUNCHES:,} launches or {LARGE_RUN_ROWS:,} event rows); to run it anyway pass "
            f"{ALLOW}=True (command line: --allow-large)"
        )
    return size


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


def _uploads(params: Params, days_min: float, installed: float) -> float:
    """Offline mode: one upload row per client and configuration poll in which it ran something."""
    if params.mode != "offline":
        return 0.0
    polls = days_min / params.config_poll_min
    ran = 1.0 - exp(-params.launches_per_day / 1440.0 * params.config_poll_min)
    return params.n_clients * installed * polls * ran


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


def _callbacks(params: Params, launches: float) -> float:
    """Online mode: a refusal row is a launch's; a callback asked adds its own row and one for its end."""
    return 2.0 * launches * refused_share(params) * params.callback_share


def _retries(params: Params) -> float:
    """Retry rows of the clients an outage strands: each retries from its first launch in the outage on.

    A client homed on the failed server launches at rate r; stranded in a span of w minutes
    it can only retry, it retries about (w - (1 - e^(-r w)) / r) / cadence times. A Windows
    95/98 client retries every ``win9x_retry_s`` while it knows one server: from its install
    until its first CCIM cycle, or its user's restart (Q212894). The others retry only while
    no server is up (immediate failover), or until their retries are spent (after_retries).
    """
    if not params.outages:
        return 0.0
    rate = params.launches_per_day / 1440.0
    n, servers = params.n_clients, params.n_servers
    every_server_fails = servers == 1 or len({s for s, _, _ in params.outages}) == servers
    total = 0.0
    for server, start_h, minutes in params.outages:
        if servers == 1:
            homed = float(n)
        elif server == 0:
            homed = n * params.demand_skew
        else:
            homed = n * (1 - params.demand_skew) / (servers - 1)
        begin, end = start_h * 60, start_h * 60 + minutes
        if params.win9x_fraction:
            bound = sum(_stranded(rate, _bound_span(params, begin, end, i / 15)) for i in range(16)) / 16
            total += homed * params.win9x_fraction * bound / (params.win9x_retry_s / 60)
        others = homed * (1 - params.win9x_fraction)
        if every_server_fails:
            total += others * _stranded(rate, minutes) / params.retry_every_min
        elif params.failover == "after_retries":
            total += others * min(_stranded(rate, minutes) / params.retry_delay_min, params.retries)
    return total


def _bound_span(params: Params, begin: float, end: float, installed_at: float) -> float:
    """Minutes of the outage ``[begin, end)`` a Windows 95/98 client installed at ``installed_at`` (a share
    of the install spread) spends knowing only its failed server."""
    install = (params.install_h + installed_at * params.install_spread_h) * 60
    knows_all = install + params.ccim_interval_h * 60
    if params.users_restart:
        knows_all = min(knows_all, begin + params.restart_after_h * 60)
    return max(0.0, min(end, knows_all) - max(begin, install))


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
