"""The large site as a plain SimPy model, for comparison with kbsim in benchmarks/run.py.

Written as a SimPy user would: a process per client that sleeps between
launches, a process per session that holds its licence for its run time, and a
balancing process. Same site, same rates, online mode, no outages, no on-demand
balancing and no callbacks (a refused launch is simply refused).
"""

from __future__ import annotations

import random

import simpy


def simpy_site(
    n_clients: int,
    n_servers: int,
    n_products: int,
    licenses: int,
    days: int,
    launches_per_day: float,
    mean_session_min: float,
    balancing_interval_h: float,
    seed: int = 1,
) -> dict:
    env = simpy.Environment()
    rng = random.Random(seed)
    free = [[licenses // n_servers for _ in range(n_products)] for _ in range(n_servers)]
    in_use = [[0] * n_products for _ in range(n_servers)]
    counts = {"sessions": 0, "grants": 0, "denials": 0}
    rate = launches_per_day / 1440.0

    def session(server: int, product: int, minutes: float):
        yield env.timeout(minutes)
        free[server][product] += 1
        in_use[server][product] -= 1

    def client(server: int):
        while True:
            yield env.timeout(rng.expovariate(rate))
            product = rng.randrange(n_products)
            counts["sessions"] += 1
            if free[server][product] > 0:
                free[server][product] -= 1
                in_use[server][product] += 1
                counts["grants"] += 1
                env.process(session(server, product, rng.expovariate(1.0 / mean_session_min)))
            else:
                counts["denials"] += 1

    def balancer():
        while True:
            yield env.timeout(balancing_interval_h * 60)
            for p in range(n_products):
                pool = sum(free[s][p] for s in range(n_servers))
                demand = [in_use[s][p] + 1 for s in range(n_servers)]
                total = sum(demand)
                shares = [pool * d // total for d in demand]
                shares[0] += pool - sum(shares)
                for s in range(n_servers):
                    free[s][p] = shares[s]

    for c in range(n_clients):
        env.process(client(c % n_servers))
    env.process(balancer())
    env.run(until=days * 1440.0)
    # Events processed: every event scheduled (SimPy numbers them) less those still queued; no cost during the run.
    counts["events"] = next(env._eid) - len(env._queue)
    return counts
