"""Licence balancing by License Metering on the site server (Q210202, Q226827).

License Metering reaches each metering server through ODBC, reads its minimum
licence number and buffer, and moves free licences between the servers and the
site server's reserve pool (logged to LICSRVC.log). The articles name these
quantities but not the algorithm, so this module chooses one and says so:

* **Scheduled cycle** (every ``balancing_interval_h``): for each product, every
  free licence on the servers it can reach is pooled with the reserve. The
  reserve keeps ``reserve_pct`` of the product's licences (Q215067); each
  reachable server then gets ``min_licenses`` free licences, and the rest is
  shared in proportion to its demand as the cycle reads it: its licences in
  use now, plus its denials since the last cycle turned into licences
  (denials x mean run time / interval), plus one. Licences in use never move.
  Because a cycle sees only the moment it runs, a sparse schedule leaves
  licences where demand was, not where it is (Q210202).
* **Instant (on-demand) balancing**: when a reachable server has no free
  licence at a request, it draws up to ``buffer`` licences from the reserve,
  then from the reachable server with most free licences (at most half of
  theirs). Each such draw is counted: a site that balances on demand all the
  time is undersized (Q210202).
* Servers that are offline (Q226827) or unreachable over ODBC (Q210202) are
  skipped: their free licences can neither leave nor be topped up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .licenses import split_by_weight

if TYPE_CHECKING:
    from .site import Site


class Balancer:
    """The License Metering thread's balancing: scheduled cycles and instant draws."""

    def __init__(self, site: Site) -> None:
        self.site = site
        params = site.params
        self.interval_min = params.balancing_interval_h * 60
        self.min_licenses = params.min_licenses
        self.buffer = params.buffer
        ledger = site.ledger
        self.denials_since = [0] * len(ledger.free)
        self.denial_weight = params.mean_session_min / self.interval_min
        self.cycles = 0
        self.instant_balancings = 0
        self.licenses_moved = 0

    def start(self) -> None:
        self.site.scheduler.schedule(self.interval_min, self.cycle)

    def reachable(self, server: int) -> bool:
        return self.site.up[server] and self.site.odbc_reachable[server]

    def cycle(self, _: object = None) -> None:
        """One scheduled balancing cycle over every product."""
        site, ledger = self.site, self.site.ledger
        now = site.scheduler.now
        self.cycles += 1
        reached = [s for s in range(ledger.n_servers) if self.reachable(s)]
        for s in range(ledger.n_servers):
            if s not in reached:
                why = "offline" if not site.up[s] else "no ODBC access"
                site.log.add(now, "balancing_skipped", -1, s, -1, f"cannot read minimum licences and buffer ({why})")
        moved = 0
        for p in range(ledger.n_products):
            moved += self._rebalance(p, reached)
        self.licenses_moved += moved
        site.log.add(now, "balancing", -1, -1, -1, f"cycle {self.cycles}: {moved} licences moved over {len(reached)} servers")
        site.scheduler.schedule(now + self.interval_min, self.cycle)

    def _rebalance(self, p: int, reached: list[int]) -> int:
        ledger = self.site.ledger
        keys = [ledger.index(s, p) for s in reached]
        before = [ledger.free[k] for k in keys]
        pool = ledger.reserve[p] + sum(before)
        reserve = min(pool, ledger.reserve_target)
        rest = pool - reserve
        floors = split_by_weight(min(rest, self.min_licenses * len(keys)), [1.0] * len(keys))
        demand = [ledger.in_use[k] + self.denials_since[k] * self.denial_weight + 1.0 for k in keys]
        shares = split_by_weight(rest - sum(floors), demand)
        moved = max(0, reserve - ledger.reserve[p])
        ledger.reserve[p] = reserve
        for k, old, floor, share in zip(keys, before, floors, shares):
            ledger.free[k] = floor + share
            moved += max(0, floor + share - old)
            self.denials_since[k] = 0
        return moved

    def instant(self, server: int, p: int) -> int:
        """Draw licences to ``server`` for product ``p`` on demand; the number drawn."""
        site, ledger = self.site, self.site.ledger
        k = ledger.index(server, p)
        drawn = min(self.buffer, ledger.reserve[p])
        ledger.reserve[p] -= drawn
        donors = sorted((s for s in range(ledger.n_servers) if s != server and self.reachable(s)),
                        key=lambda s: -ledger.free[ledger.index(s, p)])
        for s in donors:
            if drawn >= self.buffer:
                break
            d = ledger.index(s, p)
            give = min(self.buffer - drawn, ledger.free[d] - ledger.free[d] // 2)
            ledger.free[d] -= give
            drawn += give
        if drawn:
            ledger.free[k] += drawn
            self.instant_balancings += 1
            self.licenses_moved += drawn
            site.log.add(site.scheduler.now, "instant_balancing", -1, server, p, f"{drawn} licences drawn on demand")
        return drawn
