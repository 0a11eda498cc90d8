"""The event record and the summary agree (issue 25, item 7): every summary count that has an event kind equals
the count (or sum) of those events, on every preset and variant (seeds 1 and 2) and on random sites, busy ones
among them, with on-demand balancing on and off."""

import numpy as np
import pytest

import kbsim

SEEDS = (1, 2)


def runs_of_every_preset():
    for preset in sorted(kbsim.presets()):
        for variant in (kbsim.FAULT, *kbsim.get_preset(preset).variants):
            yield preset, variant


def random_sites(count=10, seed=25):
    """Sites that are not presets: 1 to 4 servers, up to 3 products, licences from scarce to plenty, outages."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        n_servers = int(rng.integers(1, 5))
        days = int(rng.integers(2, 4))
        outages = [
            [int(rng.integers(0, n_servers)), float(rng.uniform(0, days * 24 - 1)), float(rng.uniform(5, 300))]
            for _ in range(int(rng.integers(0, 3)))
        ]
        yield dict(
            mode="online",
            n_servers=n_servers,
            n_clients=int(rng.integers(20, 300)),
            n_products=int(rng.integers(1, 4)),
            licenses=int(rng.integers(3, 80)),
            launches_per_day=float(rng.uniform(2, 16)),
            mean_session_min=float(rng.uniform(10, 90)),
            demand_skew=float(rng.uniform(0, 1)),
            days=days,
            outages=outages,
            balancing_interval_h=float(rng.choice([0.25, 1.0, 4.0, 24.0])),
            instant_balancing=bool(rng.integers(0, 2)),
            instant_balancing_min=float(rng.choice([0.0, 2.0, 5.0, 12.0])),
            callback_share=float(rng.uniform(0, 1)),
            callback_priority=str(rng.choice(["callbacks_first", "launches_first"])),
            unreachable_servers=[s for s in range(n_servers) if rng.random() < 0.2],
        )


def check_counts(result):
    """Each summary count against the events of its kind (and License Metering's busy time against its moves)."""
    events, s, params = result.events, result.summary, result.params
    kinds = events["kind"].astype(str)
    count = kinds.value_counts()

    def n(kind):
        return int(count.get(kind, 0))

    where = result.call()
    assert s["grants"] == n("grant") and s["denials"] == n("deny"), where
    assert s["failovers"] == n("failover") + n("rebind"), where
    assert s["balancing_cycles"] == n("balancing"), where
    assert s["instant_balancings"] == n("instant_balancing"), where
    assert s["instant_balancings_failed"] == n("instant_balancing_failed"), where
    moved = events.loc[kinds.isin(["balancing", "instant_balancing"]).to_numpy(), "licences"]
    assert s["licenses_moved"] == int(moved.sum()), where
    # no event for an on-demand move of no licence
    assert (events.loc[(kinds == "instant_balancing").to_numpy(), "licences"] > 0).all(), where
    assert s["callbacks"] == n("callback"), where
    assert s["callbacks_granted"] == n("callback_granted"), where
    assert s["callbacks_lapsed"] == n("callback_lapsed"), where
    assert s["callbacks"] == s["callbacks_granted"] + s["callbacks_lapsed"] + s["callbacks_waiting"], where
    late = events.loc[(kinds == "balancing").to_numpy(), "minutes"].astype(float)
    assert s["balancing_delay_min"] == pytest.approx(late.mean() if len(late) else 0.0), where
    assert s["balancing_delay_max_min"] == pytest.approx(late.max() if len(late) else 0.0), where
    # License Metering's busy time: at least the moves it finished, at most 100 % of the run
    until = params.days * 1440
    finished = 100 * (n("instant_balancing") + n("instant_balancing_failed")) * params.instant_balancing_min / until
    assert finished - 0.05 <= s["metering_busy_pct"] <= 100, where
    assert s["status_9406"] == len(result.status), where


@pytest.mark.parametrize("preset, variant", list(runs_of_every_preset()))
def test_every_preset_and_variant_counts_in_its_summary_what_its_events_record(preset, variant):
    for seed in SEEDS:
        check_counts(kbsim.run(preset, variant=variant, seed=seed))


@pytest.mark.parametrize("values", list(random_sites()))
def test_random_sites_count_in_their_summary_what_their_events_record(values):
    check_counts(kbsim.run("site", seed=3, **values))


def test_a_saturated_site_keeps_license_metering_at_most_fully_busy():
    """The audit's 100.2 %: a large site short of licences of many products, with slow moves queued past the end."""
    result = kbsim.run(
        "site",
        mode="online",
        n_servers=4,
        n_clients=600,
        n_products=6,
        licenses=10,
        launches_per_day=12.0,
        days=2,
        instant_balancing=True,
        instant_balancing_min=20.0,
    )
    check_counts(result)
    assert result.summary["metering_busy_pct"] > 95  # saturated: busy nearly all the run, never beyond it
