"""Who the clients are and when they launch metered programs, drawn before the run.

Each client gets a home server (Q198706: ``demand_skew`` of them on server 0),
an operating system, a clock (``skewed_fraction`` of them lag by
``clock_offset_min``, Q213261; ``ahead_fraction`` of the others run
``clock_ahead_min`` ahead until set right, Q311764), a configuration poll phase, an install time, its own
order of the site's servers, and launches: Poisson arrivals at
``launches_per_day`` (within office hours if ``office_hours``), a product drawn
evenly and an exponential run time of mean ``mean_session_min``. A client
meters nothing before its install. Every draw comes from the stream the
caller passes, so the draws of one do not shift another's.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .parameters import Params
from .usage import NEVER


def home_servers(params: Params, rng: np.random.Generator) -> np.ndarray:
    """Each client's home server: ``demand_skew`` of them on server 0, the rest evenly on the others."""
    n, servers = params.n_clients, params.n_servers
    if servers == 1:
        return np.zeros(n, dtype=np.int64)
    on_zero = round(params.demand_skew * n)
    rest = np.arange(n - on_zero) % (servers - 1) + 1
    return rng.permutation(np.concatenate([np.zeros(on_zero, dtype=np.int64), rest]))


def server_lists(home: np.ndarray, n_servers: int, rng: np.random.Generator) -> list[list[int]]:
    """Each client's list of servers: its home first, then the others in an order of its own (Q198706)."""
    others = np.argsort(rng.random((len(home), n_servers)), axis=1)
    return [[h] + [s for s in row if s != h] for h, row in zip(home.tolist(), others.tolist())]


def chosen(n: int, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """A mask of exactly ``round(fraction * n)`` clients, picked at random."""
    mask = np.zeros(n, dtype=bool)
    mask[rng.permutation(n)[: round(fraction * n)]] = True
    return mask


@dataclass(frozen=True)
class Clients:
    """What each client is, drawn before the run: arrays indexed by client, minutes since the start.

    Frozen: a test that needs other clients gives :class:`kbsim.model.site.Site` its own (``dataclasses.replace``
    on :func:`draw_clients`'s), never sets them on a built site."""

    home: np.ndarray  # home server (Q198706)
    win9x: np.ndarray  # Windows 95/98 (else Windows NT)
    skewed: np.ndarray  # its clock lags the site server's by clock_offset_min (Q213261)
    clock_lag_min: np.ndarray
    ahead: np.ndarray  # its clock runs ahead by clock_ahead_min until clock_sync_h (Q311764); never also skewed
    clock_ahead_min: np.ndarray
    poll_phase_min: np.ndarray  # its first configuration poll
    install_min: np.ndarray  # its client software's install
    reinstall_at: float  # Q213261's and Q311764's workaround, on the skewed and ahead clients (inf: not in the run)
    reinstall_min: np.ndarray  # each client's reinstall (inf: none)


def draw_clients(params: Params, clients: np.random.Generator, phases: np.random.Generator) -> Clients:
    """Every client of the site: home, OS and clock from the ``clients`` stream, poll phase and install from
    ``phases``, in that order."""
    n, until = params.n_clients, params.days * 1440.0
    home = home_servers(params, clients)
    win9x = chosen(n, params.win9x_fraction, clients)
    skewed = chosen(n, params.skewed_fraction, clients)
    ahead = np.zeros(n, dtype=bool)
    if params.ahead_fraction > 0:  # drawn only when asked for, so that the clients of every other site stay as drawn
        in_step = np.flatnonzero(~skewed)
        ahead[clients.permutation(in_step)[: round(params.ahead_fraction * n)]] = True
    poll_phase_min = phases.random(n) * params.config_poll_min
    install_min = (params.install_h + phases.random(n) * params.install_spread_h) * 60
    reinstall_at = params.reinstall_h * 60 if params.reinstall_h * 60 < until else NEVER
    return Clients(
        home=home,
        win9x=win9x,
        skewed=skewed,
        clock_lag_min=np.where(skewed, params.clock_offset_min, 0.0),
        ahead=ahead,
        clock_ahead_min=np.where(ahead, params.clock_ahead_min, 0.0),
        poll_phase_min=poll_phase_min,
        install_min=install_min,
        reinstall_at=reinstall_at,
        reinstall_min=np.where((skewed | ahead) & (install_min < reinstall_at), reinstall_at, NEVER),
    )


def launch_times(params: Params, home: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Every launch in the run: (minutes since start, client), sorted by time.

    Each client launches ``launches_per_day`` times a day on average (Poisson).
    With ``office_hours`` the launches fall between 08:00 and 18:00 of the
    client's office, which opens ``timezone_shift_h`` later per server number.
    """
    until = params.days * 1440.0
    start_of_day = params.start.hour * 60 + params.start.minute + params.start.second / 60
    n_days = params.days + (1 if start_of_day else 0)
    counts = rng.poisson(params.launches_per_day, size=(params.n_clients, n_days))
    client = np.repeat(np.arange(params.n_clients), counts.sum(axis=1))
    day = np.repeat(np.tile(np.arange(n_days), params.n_clients), counts.ravel())  # client by client, day by day
    if params.office_hours:
        opens = 8 * 60 + params.timezone_shift_h * 60 * home[client]
        in_day = (opens + rng.random(len(client)) * 600) % 1440
    else:
        in_day = rng.random(len(client)) * 1440
    minutes = day * 1440.0 - start_of_day + in_day
    keep = (minutes >= 0) & (minutes < until)
    minutes, client = minutes[keep], client[keep]
    order = np.argsort(minutes, kind="stable")
    return minutes[order], client[order]


def _typed(code: str, values: ArrayLike) -> array:
    """``values`` as an array of type ``code``: indexed like a list, at the size of its numbers."""
    column = array(code)
    column.frombytes(np.ascontiguousarray(values, dtype=np.dtype(code)).data.cast("B"))
    return column


@dataclass(frozen=True)
class Launches:
    """Every launch of a run, sorted by time, as columns: minutes since start, client, product, run time (minutes).

    Each column is a typed array (a launch holds 22 bytes, not four Python objects), indexed like
    a list by the event loop; :meth:`arrays` gives numpy views of the same memory.
    """

    time: array
    client: array
    product: array
    duration: array

    @classmethod
    def of(cls, time: ArrayLike, client: ArrayLike, product: ArrayLike, duration: ArrayLike) -> Launches:
        """Launches from any sequences (lists or arrays), one entry per launch, sorted by time."""
        return cls(_typed("d", time), _typed("i", client), _typed("h", product), _typed("d", duration))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Time, client and product as numpy arrays over the same memory (no copy)."""
        return (
            np.frombuffer(self.time, dtype=np.float64),
            np.frombuffer(self.client, dtype=np.int32),
            np.frombuffer(self.product, dtype=np.int16),
        )

    def __len__(self) -> int:
        return len(self.time)


def draw_launches(
    params: Params,
    home: np.ndarray,
    install_min: np.ndarray,
    launches: np.random.Generator,
    products: np.random.Generator,
    durations: np.random.Generator,
) -> Launches:
    """Every launch of the run, each from its own stream: times, then products, then run times.

    A client meters nothing before its install (``install_min``, minutes since start).
    """
    times, clients = launch_times(params, home, launches)
    product = products.integers(0, params.n_products, len(times))
    duration = durations.exponential(params.mean_session_min, len(times))
    installed = times >= install_min[clients]  # a client meters nothing before its install
    if not installed.all():  # (no copy of every launch when all are kept)
        times, clients, product, duration = (x[installed] for x in (times, clients, product, duration))
    return Launches.of(times, clients, product, duration)
