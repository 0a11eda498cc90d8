"""The client agents' fast paths against their readable paths, event for event (issue 22, item 4).

Two copies in ``kbsim.model.clients.ClientAgents`` exist for speed, each promising the same run as the plain
path it stands for:

* the batched failing retries (``_fail_retries`` records every retry that must fail alike in one go)
  against each retry run from the calendar, one at a time (``batch_retries = False``);
* the inlined common launch of ``online_launches`` (its server answers, the client is not stranded)
  against every launch sent through ``launch_online`` (``inline_launches = False``).

Each is compared on every preset and variant, under both failover policies, in the preset's mode and
online, on two seeds, and on busy sites that are not presets (scarce licences, callbacks, Windows
95/98 clients, every server out at once). The random sites of tests/test_properties.py compare the
batched retries too.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pandas as pd
import pytest

import kbsim
from kbsim.model.clients import ClientAgents
from kbsim.model.scenarios import FAULT

SEEDS = (1, 2)
FAILOVERS = ("immediate", "after_retries")

#: Busy sites that are not presets: too few licences, callbacks asked for, bound Windows 95/98 clients,
#: overlapping outages and every server out at once, users who restart and one who reinstalls, servers hung by
#: Remodbc.exe (Q245271).
BUSY = [
    dict(
        n_servers=3,
        n_clients=300,
        licenses=12,
        launches_per_day=12,
        callback_share=0.5,
        outages=[[0, 20.0, 240.0], [1, 22.0, 120.0], [2, 22.5, 30.0]],
    ),
    dict(
        n_servers=2,
        n_clients=150,
        licenses=8,
        launches_per_day=8,
        win9x_fraction=0.6,
        users_restart=True,
        restart_after_h=1.5,
        install_h=10.0,
        install_spread_h=12.0,
        outages=[[0, 12.0, 600.0], [1, 14.0, 90.0]],
        instant_balancing=True,
    ),
    dict(
        n_servers=1,
        n_clients=80,
        licenses=5,
        launches_per_day=10,
        win9x_fraction=0.3,
        reinstall_h=30.0,
        skewed_fraction=0.5,
        outages=[[0, 8.0, 1500.0]],
    ),
    # Q245271 at SP2: Remodbc.exe leaks fast and most restarts hang a server, bound Windows 95/98 clients among
    # those it strands, an outage on top
    dict(
        n_servers=2,
        n_clients=120,
        licenses=20,
        launches_per_day=16,
        service_pack="SP2",
        remodbc_leak_kb=80.0,
        remodbc_stop_fail_pct=70.0,
        hang_reboot_h=5.0,
        win9x_fraction=0.4,
        outages=[[1, 20.0, 120.0]],
    ),
]


def cases() -> dict[str, tuple[str, str, dict]]:
    """(preset, variant, overrides) by name, for every preset and variant under each failover policy, in its
    mode and online, and for each busy site under each policy."""
    found = {}
    for name in kbsim.presets():
        preset = kbsim.get_preset(name)
        for variant in (FAULT, *preset.variants):
            for mode in dict.fromkeys([preset.variant(variant).mode, "online"]):
                for failover in FAILOVERS:
                    found[f"{name}-{variant}-{mode}-{failover}"] = (name, variant, {"mode": mode, "failover": failover})
    for i, site in enumerate(BUSY):
        for failover in FAILOVERS:
            found[f"busy{i}-{failover}"] = ("site", FAULT, {**site, "mode": "online", "failover": failover})
    return found


CASES = cases()


@contextmanager
def plain(flag: str):
    """``ClientAgents.<flag>`` set to False (the readable path) for the runs inside."""
    setattr(ClientAgents, flag, False)
    try:
        yield
    finally:
        setattr(ClientAgents, flag, True)


def runs(name: str, variant: str, values: dict, flag: str) -> list[tuple[kbsim.Result, kbsim.Result]]:
    """Each seed's run with the fast path and with the readable path named by ``flag``."""
    pairs = []
    for seed in SEEDS:
        fast = kbsim.run(name, variant=variant, seed=seed, **values)
        with plain(flag):
            slow = kbsim.run(name, variant=variant, seed=seed, **values)
        pairs.append((fast, slow))
    return pairs


def assert_same_run(fast: kbsim.Result, slow: kbsim.Result, in_order: bool) -> None:
    """The same events (in recorded order, or in time order where the fast path appends ahead), samples,
    usage, status messages and summary numbers."""
    events, others = fast.events, slow.events
    if not in_order:
        key = ["time", "client", "kind"]
        events = events.sort_values(key, kind="stable").reset_index(drop=True)
        others = others.sort_values(key, kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(events, others)
    for name in ("licenses", "usage", "status"):
        pd.testing.assert_frame_equal(getattr(fast, name), getattr(slow, name))
    assert fast.summary.keys() == slow.summary.keys()
    for key, value in fast.summary.items():
        other = slow.summary[key]
        assert value == other or (np.isnan(value) and np.isnan(other)), key


@pytest.mark.parametrize("case", CASES)
def test_batched_retries_give_the_run_of_retries_one_at_a_time(case):
    for fast, slow in runs(*CASES[case], flag="batch_retries"):
        assert_same_run(fast, slow, in_order=False)


@pytest.mark.parametrize("case", CASES)
def test_the_inlined_launch_gives_the_run_of_launch_online(case):
    for fast, slow in runs(*CASES[case], flag="inline_launches"):
        assert_same_run(fast, slow, in_order=True)


def test_the_comparisons_meet_what_the_fast_paths_skip():
    """The cases above are not empty of what the fast paths handle: batched retries, inlined grants and
    refusals, callbacks and launches that take the slow path (a stranded client, a server down)."""
    kinds: set[str] = set()
    for name, variant, values in CASES.values():
        kinds |= set(kbsim.run(name, variant=variant, seed=SEEDS[0], **values).events["kind"])
    assert {"grant", "deny", "retry", "contact_failed", "failover", "reconnect", "callback", "rebind"} <= kinds
    assert {"restart", "logged_locally", "callback_granted"} <= kinds


def test_the_flags_are_the_fast_paths_by_default():
    assert ClientAgents.batch_retries and ClientAgents.inline_launches
