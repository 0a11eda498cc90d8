"""Q226838's phantom licences: a client that moves while a program runs leaves that program's licence in use on the
server it left; the new server grants a second one, which the program's end releases.

Checked on the preset and on sites that are not presets (busy ones, every server out at once, Windows 95/98
clients that rebind, honoured retries), on several seeds: the licence ledger stays whole, the phantoms are
in use and never lost, each sample's ``running`` column is the programs really running on a server's licences
as recounted here from the launches, and the summary counts what the events show.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kbsim
from kbsim.model.parameters import Params
from kbsim.model.record import GRANT, launch_outcome
from kbsim.model.report import report
from kbsim.model.site import Site

SEEDS = (1, 2, 3)

#: Sites that are not presets: busy (licences scarce), several servers out, all out at once, long and short runs.
SITES = [
    dict(n_servers=2, n_clients=200, licenses=60, launches_per_day=6, mean_session_min=120, outages=[[0, 30.0, 180]]),
    dict(
        n_servers=3,
        n_clients=300,
        licenses=15,
        launches_per_day=10,
        mean_session_min=60,
        outages=[[0, 20.0, 240.0], [1, 22.0, 120.0], [2, 22.5, 30.0], [0, 40.0, 60.0]],
    ),
    dict(
        n_servers=2,
        n_clients=150,
        licenses=40,
        launches_per_day=8,
        mean_session_min=45,
        win9x_fraction=0.6,
        users_restart=True,
        restart_after_h=1.0,
        outages=[[0, 12.0, 600.0], [1, 14.0, 90.0], [1, 30.0, 45.0]],
        failover="after_retries",
        retries=2,
        retry_delay_min=10.0,
    ),
]


def _site(values: dict, seed: int, **more: object) -> Params:
    return Params(mode="online", days=3, instant_balancing=False, seed=seed, **{**values, **more})


def _run(params: Params) -> tuple[Site, kbsim.Result]:
    site = Site(params)
    return site, report(site.run())


def _recount_running(site: Site, result: kbsim.Result) -> pd.DataFrame:
    """Per sample, server and product, the programs really running on that server's licences, recounted from the
    launches and the phantom events: each granted program holds its server's licence from its launch to its end,
    unless its client moved while it ran; then, programs that end first first, it holds the new server's licence
    if a ``second_licence`` event says so, else none."""
    launches, outcomes, n_s = site.launches, site.log.outcomes, site.params.n_servers
    runs = []  # [start, end, client, product, server holding its licence now]
    for i in range(len(outcomes)):
        for s in range(n_s):
            if outcomes[i] == launch_outcome(GRANT, s):
                start = launches.time[i]
                runs.append([start, start + launches.duration[i], launches.client[i], launches.product[i], s])
    holds = [(r[0], r[4], r) for r in runs]  # (from, server, run): the licence each run holds from each minute
    events = result.events
    moves = events[events["kind"].isin(["phantom", "second_licence"])]
    minutes = (moves["hours"] * 60).to_numpy()
    for (t, client, product), group in moves.assign(minute=minutes).groupby(["minute", "client", "product"]):
        left = group[group["kind"] == "phantom"]
        seconds = group[group["kind"] == "second_licence"]
        old = int(left["server"].iloc[0])
        mine = sorted(
            (r for r in runs if r[2] == client and r[3] == product and r[4] == old and r[0] < t < r[1]),
            key=lambda r: r[1],
        )
        assert len(mine) == len(left), "one phantom per program running on the server the client left"
        for n, r in enumerate(mine):
            r[4] = int(seconds["server"].iloc[0]) if n < len(seconds) else -1
            holds.append((t, r[4], r))
    rows = []
    samples = np.unique(result.licenses["hours"].to_numpy() * 60)
    for sample in samples:
        held: dict[tuple[int, int], int] = {}
        for r in runs:
            if not r[0] < sample < r[1]:
                continue
            server = max((h for h in holds if h[2] is r and h[0] < sample), key=lambda h: h[0])[1]
            if server >= 0:
                held[(server, r[3])] = held.get((server, r[3]), 0) + 1
        for (server, product), n in held.items():
            rows.append((sample / 60, server, product, n))
    return pd.DataFrame(rows, columns=["hours", "server", "product", "recounted"])


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("values", SITES, ids=["long_runs", "busy_all_out", "win9x_retries"])
def test_the_running_column_is_the_programs_running_and_the_rest_of_in_use_is_phantoms(values, seed):
    site, result = _run(_site(values, seed, callback_share=0.0))
    table = result.licenses[result.licenses["server"] >= 0]
    recount = _recount_running(site, result)
    merged = table.merge(recount, on=["hours", "server", "product"], how="left").fillna({"recounted": 0})
    assert (merged["running"] == merged["recounted"]).all()
    assert (table["phantom"] == table["in_use"] - table["running"]).all()
    # The phantoms in the samples are those the events left and had not freed by then.
    events = result.events
    left = events[events["kind"] == "phantom"]
    freed = events[events["kind"] == "phantom_freed"]
    for hours, sample in table.groupby("hours"):
        held = (left["hours"] <= hours).sum() - (freed["hours"] <= hours).sum()
        assert sample["phantom"].sum() == held


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("freed", ["never", "service_restart"])
@pytest.mark.parametrize("values", SITES, ids=["long_runs", "busy_all_out", "win9x_retries"])
def test_licences_are_conserved_and_phantoms_are_in_use_not_lost(values, freed, seed):
    params = _site(values, seed, callback_share=0.5, phantom_freed=freed)
    result = kbsim.simulate(params)
    held = result.licenses.assign(held=lambda t: t["free"] + t["in_use"]).groupby(["hours", "product"])["held"].sum()
    assert (held == params.licenses).all()
    table = result.licenses
    assert (
        (table["phantom"] >= 0).all() and (table["running"] >= 0).all() and (table["phantom"] <= table["in_use"]).all()
    )
    summary = result.summary
    events = result.events
    assert summary["phantom_licences"] == (events["kind"] == "phantom").sum()
    assert summary["second_licences"] == (events["kind"] == "second_licence").sum()
    assert summary["phantom_peak"] >= table.groupby("hours")["phantom"].sum().max()
    if freed == "never":
        # Never freed: each is held from its move to the run's end, and the last sample holds them all.
        left = events.loc[events["kind"] == "phantom", "hours"]
        assert summary["phantom_licence_h"] == pytest.approx(float((params.days * 24 - left).sum()), abs=0.05)
        assert table[table["hours"] == table["hours"].max()]["phantom"].sum() == summary["phantom_licences"]
        assert summary["phantom_peak"] == summary["phantom_licences"]
    else:
        # Freed when the server's service starts again: none is left on a server once it is back for good.
        last_back = {
            s: max(start + m / 60 for srv, start, m in params.outages if srv == s) for s, _, _ in params.outages
        }
        for server, back in last_back.items():
            after = table[(table["server"] == server) & (table["hours"] >= back)]
            assert (after["phantom"] == 0).all()


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("values", SITES, ids=["long_runs", "busy_all_out", "win9x_retries"])
def test_with_the_fault_fixed_a_licence_is_released_where_it_was_granted(values, seed):
    site, result = _run(_site(values, seed, callback_share=0.0, service_pack="SP4", phantom_fault_fixed_in="SP4"))
    table = result.licenses[result.licenses["server"] >= 0]
    assert (table["phantom"] == 0).all() and (table["running"] == table["in_use"]).all()
    assert result.summary["phantom_licences"] == result.summary["second_licences"] == 0
    recount = _recount_running(site, result)
    merged = table.merge(recount, on=["hours", "server", "product"], how="left").fillna({"recounted": 0})
    assert (merged["in_use"] == merged["recounted"]).all()
    assert result.summary["failovers"] > 0  # clients did move: the fix, not a quiet site, keeps the count at zero


@pytest.mark.parametrize("seed", SEEDS)
def test_the_preset_leaves_phantoms_long_after_the_server_is_back(seed):
    """Q226838 as shipped: phantoms on server 0, still in use at the run's end, a day and a half after its return."""
    result = kbsim.run("Q226838", seed=seed)
    table = result.licenses
    end = table[(table["hours"] == table["hours"].max()) & (table["server"] == 0)]
    assert result.summary["phantom_licences"] > 0
    assert end["phantom"].sum() == result.summary["phantom_licences"]
    fixed = kbsim.run("Q226838", variant="fix", seed=seed)
    assert fixed.summary["phantom_licences"] == 0 and fixed.summary["failovers"] == result.summary["failovers"]


def test_offline_mode_leaves_no_phantom():
    result = kbsim.simulate(Params(mode="offline", days=2, outages=((0, 10.0, 300.0),)))
    assert result.summary["phantom_licences"] == 0 and (result.licenses["phantom"] == 0).all()
