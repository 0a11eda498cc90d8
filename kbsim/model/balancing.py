"""Licence balancing by License Metering on the site server (Q210202, Q226827, Q226858).

License Metering reaches each metering server through ODBC, reads what it
needs there (Q210202: each server's minimum licence number and its buffer from
the reserve pool) and moves free licences between the servers and the site
server's reserve pool, writing LICSRVC.log. The articles name the quantities
but not the algorithm, so this module chooses one and says so; every choice
is a parameter (see ``docs/model.md``).

* **Calculated trend** (Q226858): at every License Metering cycle (every
  ``metering_cycle_min``, 15 minutes by default: the site-server cycle of
  Q226823) the demand on each reachable server is recorded per client bound to
  it, by time of day: licences in use, plus the requests refused since the
  last cycle turned into licences (refusals x mean run time / cycle). The
  trend is the mean of those records over the days seen so far, by hour of
  the day, shrunk toward the whole site's by as much as the servers differ no
  more than a few noisy days would make them (empirical Bayes), so that
  chance does not move licences.
* **Scheduled balancing** (every ``balancing_interval_h``): for each product,
  the free licences of every server it can reach are pooled with the reserve.
  Each server gets ``min_licenses`` free; the rest goes where the trend says
  it will be used for the most hours until the next scheduled cycle (each
  server's expected demand in each of those hours: its trend per client at
  that time of day times the clients bound to it now, and for the hour under
  way at least what it sees now). With ``chance_peaks`` [assumed on] the plan
  takes the licences wanted at any moment as Poisson about that expected demand
  (programs started at random), so a licence is worth the hours it is expected
  to be in use, summed over the whole span: a few noisy hours of a young trend,
  or the hour under way, cannot claim licences for a whole day the way the
  busiest hours of exact demand do. Licences in use never move. Only licences
  no server wants (with ``chance_peaks``: none expects to use them for
  ``wanted_use_pct`` % of the span [assumed]) go to the reserve, up to
  ``reserve_pct`` % of the pool (Q215067 [assumed order]: holding the reserve
  first would pull licences out of use at every cycle). Before a trend exists
  for those hours, the clients bound to each server stand in for demand, as a
  weight only. A sparse schedule must plan for a long span at once, so licences
  cannot follow demand that moves during the day (Q210202).
* **On-demand (instant) balancing** (``instant_balancing``): a request a
  server cannot grant is refused at once. At its next cycle License Metering
  notices the shortage and queues a move of up to ``buffer`` licences there,
  from the reserve first and then from the reachable servers holding most free
  licences (at most half of each one's). License Metering does one job at a
  time: each move takes it ``instant_balancing_min`` [assumed], the moves wait
  their turn, and so do a scheduled cycle that falls due (taken after the moves
  its own minute's cycle ordered) and the cycle's answers to waiting callbacks
  (Q210202: constant instant balancing makes scheduled balancing and response
  speed suffer). Its busy time counts each minute of the run once, none past
  the run's end. A move that finds nothing to bring is a failed attempt, not a
  move. Licences a move brings go first to the callbacks waiting there, or to
  any launch (``callback_priority`` [assumed]; :mod:`kbsim.model.callbacks`).
* Servers that are offline (Q226827) or unreachable over ODBC (Q210202) are
  skipped by every kind of balancing: their free licences can neither leave
  nor be topped up, and their trend is not read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from math import ceil, sqrt
from typing import Protocol

import numpy as np

from .events import Scheduler
from .licenses import LicenseLedger, split_by_weight
from .outages import ServersUp
from .parameters import Params
from .record import NO_ODBC_ACCESS, EventLog

DAY_MIN = 1440.0
#: The trend's resolution: demand is kept by hour of the day.
TREND_SLOT_MIN = 60.0


def licence_targets(demand: np.ndarray, total: float) -> np.ndarray:
    """How many licences each server should hold for a span, given its expected demand in each hour of it.

    ``demand[s, j]`` is server s's expected demand (licences) in hour j. A licence
    is worth the hours it would be in use; licences go, one after another, to
    the server where the next one would be used for the most hours. That is a
    common level of service: every server is given its demand at the same rank
    (its m-th busiest hour), with m chosen so the targets add up to ``total``.
    When ``total`` covers every server's peak, the targets are the peaks (what is
    left over is not demand's to place).
    """
    servers, hours = demand.shape
    if servers == 0:
        return np.zeros(0)
    ranked = -np.sort(-demand, axis=1)  # each server's hours, busiest first
    peaks = ranked[:, 0]
    if peaks.sum() <= total:
        return peaks
    level = ranked.sum(axis=0)  # licences needed to serve every server for its m busiest hours, m = 1..hours
    m = int(np.searchsorted(-level, -total, side="left"))  # first rank whose level fits in total
    if m >= hours:  # not even the quietest hour of each server can be covered: share it out
        quiet = ranked[:, -1]
        return total * (quiet if quiet.sum() > 0 else peaks) / (quiet.sum() if quiet.sum() > 0 else peaks.sum())
    base, above = ranked[:, m], ranked[:, m - 1] - ranked[:, m]
    return base + (total - base.sum()) * above / above.sum()


def expected_hours(demand: np.ndarray, licences: int) -> np.ndarray:
    """``worth[s, k - 1]``: the hours server s's k-th licence is expected to be in use, k = 1..``licences``.

    ``demand[s, j]`` is the mean demand in hour j; the licences wanted at any moment are taken as
    Poisson about it (programs started at random, each run for a while), so the k-th licence is
    in use in hour j with the chance that k or more are wanted then. Beyond the busiest hour's
    mean plus twelve standard deviations (and twelve) that chance is taken as 0.
    """
    mean = np.asarray(demand, dtype=float)
    busiest = float(mean.max(initial=0.0))
    if busiest == 0:  # no demand, no use (what the sums below give, without them)
        return np.zeros((mean.shape[0], max(licences, 0)))
    width = max(1, min(licences, ceil(busiest + 12 * sqrt(busiest) + 12)))
    k = np.arange(width)
    mean = mean[:, :, None]
    some = mean > 0
    log_mean = np.log(mean, out=np.zeros_like(mean), where=some)
    log_p = k * log_mean - mean - _log_factorial(width)  # P(exactly k wanted); mean 0 gives p = 1 at k = 0
    log_p = np.where(some, log_p, np.where(k == 0, 0.0, -np.inf))
    at_least = 1.0 - np.cumsum(np.exp(log_p), axis=2)  # P(k + 1 or more wanted)
    worth = np.zeros((mean.shape[0], max(licences, 0)))
    worth[:, : min(width, licences)] = np.clip(at_least, 0.0, 1.0).sum(axis=1)[:, :licences]
    return worth


@lru_cache(maxsize=64)
def _log_factorial(width: int) -> np.ndarray:
    """log k! for k = 0..width - 1 (a cycle asks for the same few widths again and again)."""
    table = np.concatenate(([0.0], np.cumsum(np.log(np.arange(1, width)))))
    table.flags.writeable = False
    return table


def chance_shares(worth: np.ndarray, held: Sequence[int], licences: int) -> list[int]:
    """``licences`` whole licences placed over servers already holding ``held``, for demand that varies by chance.

    ``worth[s, k - 1]`` is the hours server s's k-th licence is expected to be in use
    (:func:`expected_hours`), for k up to at least ``max(held) + licences``. One after another,
    each licence goes to the server where it is expected to be in use for the most hours: a
    server's next licence is its ``held + 1``-th. Ties go to the server whose next licence is its
    fewest, then the first; so licences no server is expected to use even out the servers' holdings.
    """
    servers = len(held)
    if servers == 0 or licences <= 0:
        return [0] * servers
    counts = np.asarray(held, dtype=int)
    worth = worth[:, : int(counts.max()) + licences]
    server = np.broadcast_to(np.arange(servers)[:, None], worth.shape)
    rank = np.broadcast_to(np.arange(worth.shape[1]), worth.shape)
    useful = (rank >= counts[:, None]) & (worth > 0)  # worth is falling in rank: a run after what is held
    order = np.lexsort((server[useful], rank[useful], -worth[useful]))[:licences]
    shares = np.bincount(server[useful][order], minlength=servers)
    placed = shares.tolist()
    counts = (counts + shares).tolist()
    evened = even_out(counts, licences - len(order))  # the rest even out the holdings
    return [p + e - c for p, e, c in zip(placed, evened, counts)]


def even_out(held: list[int], licences: int) -> list[int]:
    """What servers holding ``held`` hold after ``licences`` more are given out one at a time, each to a
    server holding fewest, ties to the first: the fewest are raised level by level, and what is too few
    for a whole level goes to the first of them."""
    if not held:
        return []
    ordered = sorted(held)
    level, joined, left = ordered[0], 0, licences
    while True:
        while joined < len(ordered) and ordered[joined] <= level:
            joined += 1  # the servers at the level
        room = ordered[joined] - level if joined < len(ordered) else None  # levels until the next one joins
        steps = left // joined if room is None else min(left // joined, room)
        level, left = level + steps, left - steps * joined
        if room is None or steps < room:
            break
    raised = [max(h, level) for h in held]
    for s in [s for s, h in enumerate(raised) if h == level][:left]:
        raised[s] += 1
    return raised


def allocate(
    free: Sequence[int],
    in_use: Sequence[int],
    reserve: int,
    reserve_pct: float,
    min_licenses: int,
    demand: np.ndarray,
    chance: bool = False,
    wanted: float = 0.01,
) -> tuple[list[int], int]:
    """One product's free licences over the servers a cycle reaches, and what the reserve keeps.

    ``free`` and ``in_use`` are per reached server and ``demand[s, j]`` its expected
    demand in hour j of the span the cycle plans for. The reserve and every free
    licence are pooled; each server gets up to ``min_licenses``; then each
    server's shortfall against its target is filled (a server already holding its
    target in use gets none). Only what is left after that goes to the reserve, up
    to ``reserve_pct`` % of the pool (rounded up; Q215067: a minimum share of the
    free licences is held at the site server). Whole licences; the total is unchanged.

    The targets, and where the licences beyond the shortfalls and the reserve go:

    * by default, demand is taken as exact: the targets are :func:`licence_targets`
      and any surplus follows them;
    * with ``chance``, demand varies at random about ``demand`` (Poisson): a server's
      target is every licence it is expected to use for at least a share ``wanted`` of
      the span (:func:`expected_hours`), and every licence for the servers is placed by
      :func:`chance_shares`, where it is expected to be in use longest.
    """
    n = len(free)
    pool = reserve + sum(free)
    floors = split_by_weight(min(pool, min_licenses * n), [1.0] * n)
    rest = pool - sum(floors)
    demand = np.asarray(demand, dtype=float).reshape(n, -1)
    total = rest + sum(in_use) + sum(floors)
    if chance:  # a server wants each licence it is expected to use for at least a share `wanted` of the span
        worth = expected_hours(demand, total)
        targets = (worth >= wanted * demand.shape[1]).sum(axis=1).astype(float)
    else:
        targets = licence_targets(demand, total)
    shortfall = [max(0.0, t - u - f) for t, u, f in zip(targets.tolist(), in_use, floors)]
    need = ceil(sum(shortfall) - 1e-9)
    kept = min(max(0, rest - need), ceil(pool * reserve_pct / 100))
    to_servers = rest - kept
    if chance:  # each licence where it is expected to be in use longest, demand varying by chance
        shares = chance_shares(worth, [u + f for u, f in zip(in_use, floors)], to_servers)
        return [f + s for f, s in zip(floors, shares)], kept
    if to_servers > need:  # a surplus beyond the reserve's share follows the targets (or is shared evenly)
        spread = targets.tolist() if targets.sum() > 0 else [1.0] * n
        weights = [sh + (to_servers - need) * t / sum(spread) for sh, t in zip(shortfall, spread)]
    else:
        weights = shortfall
    shares = split_by_weight(to_servers, weights if sum(weights) > 0 else [1.0] * n)
    return [f + s for f, s in zip(floors, shares)], kept


class Trend:
    """Demand per bound client on each server and product, by time of day (the calculated trend, Q226858).

    Each server's mean for an hour of the day is read with empirical-Bayes shrinkage toward the
    whole site's mean for that hour: by as much as the servers' means differ no more than their
    own noise would make them (a few days' records are noisy). Where servers' demand truly
    differs (offices in time zones), each keeps its own; where it does not, the site's mean
    stands for all, and licences are not moved by chance.
    """

    def __init__(self, n_servers: int, n_products: int, slot_min: float, records_per_slot_day: float = 1.0) -> None:
        self.slot_min = slot_min
        self.per_day = max(1.0, records_per_slot_day)  # records of one hour on one day move together
        self.slots = max(1, round(DAY_MIN / slot_min))
        self.total = np.zeros((n_servers, n_products, self.slots))
        self.squares = np.zeros((n_servers, n_products, self.slots))
        self.count = np.zeros((n_servers, n_products, self.slots))

    def slot(self, minutes: float | Sequence[float] | np.ndarray) -> np.ndarray:
        """The trend slot (hour of the day, for hour-long slots) of each of ``minutes``."""
        return (np.asarray(minutes, dtype=float) % DAY_MIN // self.slot_min).astype(int) % self.slots

    def record_many(self, minutes: Sequence[float], servers: Sequence[int], per_client: np.ndarray) -> None:
        """Cycles' demand per bound client, in the order given: record i is server ``servers[i]``'s at minute
        ``minutes[i]``, one number per product (the row ``per_client[i]``). The sums are those of recording
        each in turn (``np.add.at`` adds in index order)."""
        rows = np.asarray(servers, dtype=int)[:, None]
        slots = self.slot(minutes)[:, None]
        at = (rows, np.arange(self.total.shape[1])[None, :], slots)  # record i, product p: [i, p]
        np.add.at(self.total, at, per_client)
        np.add.at(self.squares, at, per_client * per_client)
        np.add.at(self.count, at, 1)

    def hours_of(self, minute: float, span_min: float, servers: Sequence[int]) -> list[np.ndarray | None]:
        """For each of ``servers``, per product, the demand per client expected in each trend slot of
        ``[minute, minute + span_min)`` (a day at most), from one pass over the records (the site's part is
        shared); ``None`` for a server the trend lacks a record of for any of those times of day."""
        n = max(1, min(self.slots, ceil(span_min / self.slot_min)))
        ks = (self.slot(minute) + np.arange(n)) % self.slots
        count = self.count[:, :, ks]
        # [server, product]: a record of every one of those hours
        every_hour = np.count_nonzero(count, axis=2) == count.shape[2]
        ready = (np.count_nonzero(every_hour, axis=1) == every_hour.shape[1])[list(servers)].tolist()
        if not any(ready):
            return [None] * len(servers)
        total, squares = self.total[:, :, ks], self.squares[:, :, ks]
        if not total.any():  # nothing was ever in use at those hours (offline clients, say): no demand to shrink
            return [np.zeros(total.shape[1:]) if ok else None for ok in ready]
        seen = count > 0
        mean = np.divide(total, count, out=np.zeros_like(total), where=seen)
        site = total.sum(axis=0) / np.maximum(count.sum(axis=0), 1)
        # noise of one record, pooled over servers and hours; a server's mean is as noisy as its days are few
        spread = np.maximum(squares - np.divide(total * total, count, out=np.zeros_like(total), where=seen), 0)
        record_var = spread.sum(axis=(0, 2)) / np.maximum((count - 1).clip(min=0).sum(axis=(0, 2)), 1)
        mean_var = record_var[None, :, None] * self.per_day / np.maximum(count, 1)
        # per product, over the servers with a record of every hour: how much their means differ (the
        # variance between servers, averaged over the hours) and how much of that their noise explains
        between, noise = np.zeros(mean.shape[1]), np.zeros(mean.shape[1])
        for p, rows in enumerate(every_hour.T):
            if rows.sum() > 1:
                means = mean[rows, p]
                apart = means - means.sum(axis=0) / len(means)
                between[p] = ((apart * apart).sum(axis=0) / (len(means) - 1)).mean()
                noise[p] = mean_var[rows, p].mean()
        true_spread = np.maximum(between - noise, 0.0)[:, None]
        own = mean_var[list(servers)]
        weight = np.divide(true_spread, true_spread + own, out=np.ones_like(own), where=(true_spread + own) > 0)
        shrunk = site + weight * (mean[list(servers)] - site)
        return [row if ok else None for row, ok in zip(shrunk, ready)]


class WaitingCallbacks(Protocol):
    """The callbacks License Metering answers when it has run (:class:`kbsim.model.callbacks.Callbacks`)."""

    def serve(self, now: float, key: int) -> None: ...

    def serve_all(self, now: float) -> None: ...


@dataclass(frozen=True)
class BalancingCounts:
    """What License Metering hands over when the run has ended (Q210202, Q226827): scheduled ``cycles`` that
    ran and each one's minutes late (``cycle_delays``), on-demand moves done and found empty, minutes it was
    busy on them (``busy_min``), each move's minutes from its order to its end (``move_waits``) and every
    licence that changed holder (``licenses_moved``)."""

    cycles: int
    cycle_delays: tuple[float, ...]
    instant_balancings: int
    instant_balancings_failed: int
    busy_min: float
    move_waits: tuple[float, ...]
    licenses_moved: int


class Balancer:
    """The License Metering thread: its cycle, the trend, scheduled cycles and on-demand moves.

    It reads and moves licences in ``ledger``, and at each of its cycles reads and clears the refusals the
    servers counted there; it skips the servers that are not ``servers.up`` or not reachable over ODBC,
    reads ``bound`` (clients per current server) for the trend, and answers ``callbacks``.
    """

    def __init__(
        self,
        params: Params,
        scheduler: Scheduler,
        log: EventLog,
        ledger: LicenseLedger,
        servers: ServersUp,
        bound: list[int],
        callbacks: WaitingCallbacks,
    ) -> None:
        self.scheduler = scheduler
        self.log = log
        self.ledger = ledger
        self.servers = servers
        self.bound = bound
        self.callbacks = callbacks
        self.odbc_reachable = [s not in params.unreachable_servers for s in range(params.n_servers)]
        self.interval_min = params.balancing_interval_h * 60
        self.cycle_min = params.metering_cycle_min
        self.move_min = params.instant_balancing_min
        self.min_licenses = params.min_licenses
        self.reserve_pct = params.reserve_pct
        self.buffer = params.buffer
        self.instant_on = params.instant_balancing
        self.chance = params.chance_peaks
        self.wanted = params.wanted_use_pct / 100
        self.refusal_weight = params.mean_session_min / self.cycle_min
        self.trend = Trend(ledger.n_servers, ledger.n_products, TREND_SLOT_MIN, TREND_SLOT_MIN / self.cycle_min)
        #: Cycles not yet in the trend: (minute, servers recorded, licences in use, refusals, clients bound).
        self.unread: list[tuple[float, list[int], list[int], list[int], list[int]]] = []
        self.callbacks_first = params.callback_priority == "callbacks_first"
        self.until = params.days * DAY_MIN
        self.pending: set[int] = set()  # (server, product) keys with an on-demand move queued
        self.busy_until = 0.0  # License Metering works through its queue of on-demand moves until then
        #: Minutes of the run License Metering spent on on-demand moves (work past the run's end not counted;
        #: one job at a time, so no minute is counted twice).
        self.busy_min = 0.0
        #: (start, end) minutes of each on-demand move's work, in the order License Metering did them.
        self.work: list[tuple[float, float]] = []
        self.cycles = 0
        self.cycle_delays: list[float] = []
        self.instant_balancings = 0
        self.instant_balancings_failed = 0
        self.licenses_moved = 0
        self.callback_polls = 0
        self.callback_poll_delays: list[float] = []
        #: Per on-demand move done (or failed), minutes from the cycle that ordered it to its end.
        self.move_waits: list[float] = []

    def counts(self) -> BalancingCounts:
        """License Metering's final counts, once the run has ended."""
        return BalancingCounts(
            cycles=self.cycles,
            cycle_delays=tuple(self.cycle_delays),
            instant_balancings=self.instant_balancings,
            instant_balancings_failed=self.instant_balancings_failed,
            busy_min=self.busy_min,
            move_waits=tuple(self.move_waits),
            licenses_moved=self.licenses_moved,
        )

    def start(self) -> None:
        scheduler = self.scheduler
        scheduler.schedule(self.cycle_min, self.metering_cycle)
        scheduler.schedule(self.interval_min, self.scheduled_cycle, self.interval_min)

    def reachable(self, server: int) -> bool:
        return self.servers.up[server] and self.odbc_reachable[server]

    # --- License Metering's own cycle: trend and on-demand balancing ---------------------------

    def metering_cycle(self, _: object = None) -> None:
        """License Metering's cycle: it reads every reachable server (the trend, the refusals since the last
        cycle), answers the callbacks waiting (after the work already queued: Q210202's slower answers) and
        queues an on-demand move for each server and product that refused a request."""
        ledger = self.ledger
        now = self.scheduler.now
        n_p = ledger.n_products
        bound, refusals = self.bound, ledger.refusals
        reached = [s for s in range(ledger.n_servers) if self.reachable(s)]
        # What each reached server with clients sees goes to the trend when it is next read (_read_records).
        recorded = [s for s in reached if bound[s] > 0]
        if recorded:
            self.unread.append((now - self.cycle_min, recorded, ledger.in_use[:], refusals[:], bound[:]))
        if self.busy_until > now:  # the callbacks are answered when License Metering has done the work queued
            self.scheduler.schedule(self.busy_until, self._poll_callbacks, now)
        else:
            self._poll_callbacks(now)
        if self.instant_on:
            for s in reached:
                for k in range(s * n_p, (s + 1) * n_p):
                    if refusals[k] and k not in self.pending:
                        self._queue_move(k)
        refusals[:] = [0] * len(refusals)  # read: the servers count afresh
        self.scheduler.schedule(now + self.cycle_min, self.metering_cycle)

    def _poll_callbacks(self, due: float) -> None:
        """The callbacks answered from the licences free now, for the cycle of minute ``due``."""
        now = self.scheduler.now
        self.callback_polls += 1
        self.callback_poll_delays.append(now - due)
        self.callbacks.serve_all(now)

    def _queue_move(self, k: int) -> None:
        """An on-demand move to key ``k``, done after the work already queued: License Metering does one job at
        a time, each taking ``instant_balancing_min``."""
        now = self.scheduler.now
        start = max(self.busy_until, now)
        self.busy_until = start + self.move_min
        self.work.append((start, self.busy_until))
        self.busy_min += max(0.0, min(self.busy_until, self.until) - min(start, self.until))
        self.pending.add(k)
        self.scheduler.schedule(self.busy_until, self._move_on_demand, (k, now))

    def _move_on_demand(self, order: tuple[int, float]) -> None:
        """Move up to ``buffer`` licences to the server of key ``k`` (``order``: the key and the minute the cycle
        that ordered the move ran): reserve first, then the richest servers.

        A move that finds no licence free anywhere moves nothing: it is recorded as a failed attempt (it took
        License Metering its time all the same), not as an on-demand move. With ``callback_priority``
        "callbacks_first" the licences brought go to the callbacks waiting there at once, since the move was made
        for them; with "launches_first" they are free for any launch, and callbacks are answered at the next cycle.
        """
        k, ordered = order
        ledger = self.ledger
        self.pending.discard(k)
        server, p = divmod(k, ledger.n_products)
        if not self.reachable(server):
            return
        self.move_waits.append(self.scheduler.now - ordered)
        drawn = min(self.buffer, ledger.reserve[p])
        ledger.reserve[p] -= drawn
        donors = sorted(
            (s for s in range(ledger.n_servers) if s != server and self.reachable(s)),
            key=lambda s: -ledger.free[ledger.index(s, p)],
        )
        for s in donors:
            if drawn >= self.buffer:
                break
            d = ledger.index(s, p)
            give = min(self.buffer - drawn, ledger.free[d] - ledger.free[d] // 2)
            ledger.free[d] -= give
            drawn += give
        now = self.scheduler.now
        if not drawn:
            self.instant_balancings_failed += 1
            self.log.add(now, "instant_balancing_failed", -1, server, p)
            return
        ledger.free[k] += drawn
        self.instant_balancings += 1
        self.licenses_moved += drawn
        self.log.add(now, "instant_balancing", -1, server, p, licences=drawn)
        if self.callbacks_first:
            self.callbacks.serve(now, k)

    # --- scheduled balancing ------------------------------------------------------------------

    def scheduled_cycle(self, due: float) -> None:
        """A scheduled cycle falls due at minute ``due``. It is taken after whatever License Metering's own cycle
        of that minute queues (the entry goes behind the minute's others), then waits while License Metering is
        busy with on-demand moves (Q210202: constant instant balancing makes scheduled balancing suffer)."""
        self.scheduler.schedule(self.scheduler.now, self._scheduled_turn, due)

    def _scheduled_turn(self, due: float) -> None:
        now = self.scheduler.now
        if self.busy_until > now:
            self.scheduler.schedule(self.busy_until, self._scheduled_turn, due)
            return
        self._balance(now, delay=now - due)
        following = due + self.interval_min
        while following <= now:  # cycles that fell due while this one waited are not run twice
            following += self.interval_min
        self.scheduler.schedule(following, self.scheduled_cycle, following)

    def _balance(self, now: float, delay: float) -> None:
        ledger = self.ledger
        self.cycles += 1
        self.cycle_delays.append(delay)
        reached = [s for s in range(ledger.n_servers) if self.reachable(s)]
        for s in range(ledger.n_servers):
            if s not in reached:
                why = "offline" if not self.servers.up[s] else NO_ODBC_ACCESS
                self.log.add(now, "balancing_skipped", -1, s, -1, reason=why)
        demand, from_trend = self.expected_demand(now, reached)  # server, product, hour
        moved = 0
        for p in range(ledger.n_products if reached else 0):
            keys = [ledger.index(s, p) for s in reached]
            before = [ledger.free[k] for k in keys]
            after, kept = allocate(
                before,
                [ledger.in_use[k] for k in keys],
                ledger.reserve[p],
                self.reserve_pct,
                self.min_licenses,
                demand[:, p, :],
                chance=self.chance and from_trend,
                wanted=self.wanted,
            )
            moved += max(0, kept - ledger.reserve[p]) + sum(max(0, a - b) for a, b in zip(after, before))
            ledger.reserve[p] = kept
            for k, a in zip(keys, after):
                ledger.free[k] = a
        self.licenses_moved += moved
        self.log.add(
            now, "balancing", -1, -1, -1, cycle=self.cycles, licences=moved, servers=len(reached), minutes=delay
        )
        if self.callbacks_first:  # licences the cycle brings answer the callbacks waiting for them
            self.callbacks.serve_all(now)

    def expected_demand(self, now: float, servers: list[int]) -> tuple[np.ndarray, bool]:
        """Expected demand (licences) per server, product and hour until the next scheduled cycle, and whether
        it comes from the trend.

        The trend per client at those hours times the clients bound to the server now.
        Until the trend holds every one of those hours for every server with clients, the
        clients bound stand in for demand, as they did for the first allocation: a weight,
        not a number of licences wanted, so no chance peak is read into it.
        """
        bound = np.array([self.bound[s] for s in servers], dtype=float)
        n_p = self.ledger.n_products
        self._read_records()
        with_clients = [s for i, s in enumerate(servers) if bound[i] > 0]
        trend = dict(zip(with_clients, self.trend.hours_of(now, self.interval_min, with_clients)))
        per_client = [trend.get(s) for s in servers]
        if not servers or any(trend[s] is None for s in with_clients):
            return np.broadcast_to(bound[:, None, None], (len(servers), n_p, 1)), False
        hours = max((h.shape[1] for h in per_client if h is not None), default=1)
        demand = np.stack([b * h if h is not None else np.zeros((n_p, hours)) for h, b in zip(per_client, bound)])
        # The hour under way: at least what the servers see now (licences in use and recent refusals).
        demand[:, :, 0] = np.maximum(demand[:, :, 0], self.observed_on(servers))
        return demand, True

    def _read_records(self) -> None:
        """Put the cycles recorded since the trend was last read into it, in one numpy pass: each server's
        demand per bound client, licences in use plus refusals as licences (as :meth:`observed_on`)."""
        if not self.unread:
            return
        n_p = self.ledger.n_products
        in_use = np.array([u[2] for u in self.unread]).reshape(len(self.unread), -1, n_p)
        refused = np.array([u[3] for u in self.unread]).reshape(in_use.shape)
        bound = np.array([u[4] for u in self.unread])
        cycle = [i for i, u in enumerate(self.unread) for _ in u[1]]
        servers = [s for u in self.unread for s in u[1]]
        observed = (in_use + refused * self.refusal_weight)[cycle, servers]
        per_client = observed / bound[cycle, servers][:, None]
        self.trend.record_many([self.unread[i][0] for i in cycle], servers, per_client)
        self.unread = []

    def observed_on(self, servers: Sequence[int]) -> np.ndarray:
        """Demand on each of ``servers`` now, per product (a row each): licences in use plus refusals since the
        last cycle as licences."""
        n_p = self.ledger.n_products
        in_use = np.array(self.ledger.in_use).reshape(-1, n_p)[list(servers)]
        refused = np.array(self.ledger.refusals).reshape(-1, n_p)[list(servers)]
        return in_use + refused * self.refusal_weight
