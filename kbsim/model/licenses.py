"""Where every licence is: free or in use on a metering server, or in the reserve pool.

Licences are concurrent (Q228899): a product with 20 licences can run 20 times
at once across the site. Each metering server holds an allocation of each
product; the site server keeps the rest as a reserve pool (Q215067). Licences
only ever move between these holders, so their total per product never changes.
"""

from __future__ import annotations

from math import ceil


def split_by_weight(total: int, weights: list[float]) -> list[int]:
    """``total`` whole units shared in proportion to ``weights`` (largest remainder; ties to the first)."""
    if total <= 0 or not weights:
        return [0] * len(weights)
    weight_sum = sum(weights)
    if weight_sum <= 0:
        weights, weight_sum = [1.0] * len(weights), float(len(weights))
    exact = [total * w / weight_sum for w in weights]
    shares = [int(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (shares[i] - exact[i], i))
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return shares


class LicenseLedger:
    """Free and in-use licences per (server, product), and the site server's reserve pool.

    ``free`` and ``in_use`` are flat lists indexed ``server * n_products + product``:
    the hot path of every launch reads them, and flat lists are the fastest there.
    ``phantom``, indexed alike, counts the in-use licences no running program holds (Q226838).
    ``refusals``, indexed alike, counts the requests each server refused for want of a
    free licence since License Metering last read them (its cycle, :mod:`kbsim.model.balancing`).
    """

    def __init__(
        self, n_servers: int, n_products: int, licenses: int, reserve_pct: float, server_weights: list[float]
    ) -> None:
        self.n_servers = n_servers
        self.n_products = n_products
        self.licenses = licenses
        reserved = min(licenses, ceil(licenses * reserve_pct / 100))  # at the start every licence is free
        per_server = split_by_weight(licenses - reserved, server_weights)
        self.free = [per_server[s] for s in range(n_servers) for _ in range(n_products)]
        self.in_use = [0] * (n_servers * n_products)
        self.reserve = [reserved] * n_products
        self.refusals = [0] * (n_servers * n_products)
        #: Of the in-use licences, those held for no running program (Q226838's phantoms, :mod:`kbsim.model.phantoms`).
        self.phantom = [0] * (n_servers * n_products)

    def index(self, server: int, product: int) -> int:
        return server * self.n_products + product

    def refuse(self, server: int, product: int) -> None:
        """``server`` had no free licence of ``product`` for a request: counted until License Metering reads it."""
        self.refusals[server * self.n_products + product] += 1

    def held(self, product: int) -> int:
        """Every licence of ``product`` the ledger knows of; always equals ``licenses``."""
        return self.reserve[product] + sum(
            self.free[k] + self.in_use[k] for k in range(product, len(self.free), self.n_products)
        )
