"""Licence samples on their own: a ledger, a scheduler and which servers are up; the imbalance worked by hand."""

import pandas as pd

from kbsim.events import Scheduler
from kbsim.licenses import LicenseLedger
from kbsim.sampling import LICENSE_SAMPLE_MIN, SITE_RESERVE, LicenceSamples

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
    table = sampler.table(pd.Timestamp("2001-06-01"))
    assert len(table) == 2 * 3 * 2  # samples x (servers + reserve) x products
    reserve = table[table["server"] == SITE_RESERVE]
    assert reserve["free"].tolist() == [1, 1, 1, 1] and (reserve["in_use"] == 0).all() and reserve["up"].all()
    assert table.groupby("hours")[["free", "in_use"]].sum().sum(axis=1).tolist() == [20, 20]  # 10 of each product


def test_imbalance_is_the_licences_held_beyond_each_servers_share_of_the_bound_clients():
    # 12 licences held (free or in use) as 9 and 3; clients bound 1 and 3: shares 3 and 9, so 6 would have to move
    sampler, _, ledger, servers, bound = samples(bound=[1, 3])
    ledger.free[:] = [7, 3]
    ledger.in_use[:] = [2, 0]
    sampler.sample()
    servers.up[1] = False  # one server up: nothing to compare
    sampler.sample()
    servers.up[1] = True
    bound[:] = [2, 2]  # equal shares of 6: server 0 holds 3 beyond its share
    sampler.sample()
    assert sampler.imbalance().tolist() == [6.0, 0.0, 3.0]
