"""Licence samples on their own: a ledger, a scheduler and which servers are up; the imbalance worked by hand."""

import numpy as np
import pandas as pd

from kbsim.model.events import Scheduler
from kbsim.model.licenses import LicenseLedger
from kbsim.model.sampling import LICENSE_SAMPLE_MIN, SITE_RESERVE, LicenceSamples, SampledLicences

from fakes import Servers


def samples(n_servers=2, n_products=1, licenses=10, bound=None, until=60.0):
    scheduler = Scheduler()
    ledger = LicenseLedger(n_servers, n_products, licenses, 10.0, [1.0] * n_servers)
    servers = Servers(n_servers)
    bound = bound if bound is not None else [1] * n_servers
    return LicenceSamples(scheduler, ledger, servers, bound, until), scheduler, ledger, servers, bound


def test_a_sample_every_fifteen_minutes_sees_the_minutes_final_state_and_the_run_ends_with_one():
    sampler, scheduler, ledger, servers, _ = samples(until=40.0)
    sampler.start()
    # at 15 min, after the sample is on the calendar: a licence goes into use and server 1 goes down
    scheduler.schedule(15.0, lambda _: (ledger.free.__setitem__(0, 3), ledger.in_use.__setitem__(0, 1)))
    scheduler.schedule(15.0, lambda _: servers.up.__setitem__(1, False))
    scheduler.run(40.0)
    sampler.close()
    assert [s[0] for s in sampler.samples] == [0.0, LICENSE_SAMPLE_MIN, 30.0, 40.0]
    assert sampler.samples[1][1:5] == ([3, 4], [1, 0], [1], [True, False])
    sampler.close()  # the run's end is sampled once
    assert len(sampler.samples) == 4


def test_the_table_has_every_holder_and_the_reserve_pool_never_in_use():
    sampler, scheduler, _, _, _ = samples(n_servers=2, n_products=2, licenses=10, until=15.0)
    sampler.start()
    scheduler.run(15.0)
    sampler.close()
    table = sampler.record().table(pd.Timestamp("2001-06-01"))
    assert len(table) == 2 * 3 * 2  # samples x (servers + reserve) x products
    reserve = table[table["server"] == SITE_RESERVE]
    assert reserve["free"].tolist() == [1, 1, 1, 1] and (reserve["in_use"] == 0).all() and reserve["up"].all()
    assert table.groupby("hours")[["free", "in_use"]].sum().sum(axis=1).tolist() == [20, 20]  # 10 of each product


def refused(*rows):
    """Refused requests as (minute, server, product) columns."""
    columns = list(zip(*rows)) if rows else [(), (), ()]
    return tuple(np.array(c, dtype=float if i == 0 else np.int64) for i, c in enumerate(columns))


def test_licences_idle_while_another_server_refused_them_are_counted_per_interval_and_product():
    # three servers, two products; samples at 0, 15, 30 and the run's end at 40 minutes
    sampler, scheduler, *_ = samples(n_servers=3, n_products=2, licenses=30, until=40.0)
    sampler.start()
    scheduler.run(40.0)
    sampler.close()
    assert len(sampler.record().samples) == 4
    # the record of a run with these free licences (server, product) at each sample; server 2 is down at the second
    record = SampledLicences(
        3,
        2,
        tuple(
            (m, free, [0, 0, 0, 2, 0, 0], [0, 0], up, [1, 1, 1], phantom)
            for m, free, up, phantom in [
                (0.0, [4, 1, 0, 0, 9, 9], [True, True, True], [0] * 6),
                # server 1 holds two phantoms of product 1 (Q226838): in use, idle all the same
                (15.0, [2, 0, 0, 0, 5, 1], [True, True, False], [0, 0, 0, 2, 0, 0]),
                (30.0, [3, 3, 3, 3, 3, 3], [True, True, True], [0] * 6),
                (40.0, [0, 0, 0, 0, 0, 0], [True, True, True], [0] * 6),
            ]
        ),
    )
    misplaced, hours = record.idle_while_refused(
        *refused(
            (5.0, 1, 0),  # interval 0 (0 to 15 min): product 0 refused twice by server 1 ...
            (6.0, 1, 0),
            (15.0, 2, 0),  # ... and once by server 2, at the second sample's minute (before the sample)
            (16.0, 2, 0),  # interval 1: product 0 refused by server 2 (down at the sample that opens it)
            (20.0, 0, 1),  # and product 1 by server 0
            (31.0, 0, 0),  # interval 2 (30 to 40 min): product 0 refused once by server 0
        )
    )
    assert hours.tolist() == [0.25, 0.25, 10 / 60]
    # interval 0: product 0 min(4 idle on server 0, 3 refused); product 1 refused nowhere. Interval 1: product 0
    # min(2 on server 0, 1); product 1: server 1 holds none free but 2 phantoms, and server 2 is down: min(2, 1).
    # Interval 2: min(3 + 3, 1).
    assert misplaced.tolist() == [[3, 0], [1, 1], [1, 0]]


def test_nothing_is_idle_while_refused_when_nothing_was_refused():
    sampler, scheduler, *_ = samples(n_servers=2, licenses=10, until=60.0)
    sampler.start()
    scheduler.run(60.0)
    sampler.close()
    misplaced, hours = sampler.record().idle_while_refused(*refused())
    assert misplaced.shape == (4, 1) and not misplaced.any() and hours.sum() == 1.0
