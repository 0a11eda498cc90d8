"""Each article's claim, reproduced: the fault appears under its conditions and goes with its fix.

Each claim is checked on three seeds so that it is the mechanism, not one lucky draw, that holds.
"""

import numpy as np
import pytest

import kbsim

SEEDS = (1, 2, 3)


def runs(preset, variant=None, **overrides):
    return [kbsim.run(preset, variant=variant, seed=seed, **overrides) for seed in SEEDS]


def total(results, key):
    return sum(r.summary[key] for r in results)


# --- Q226827: a briefly offline server --------------------------------------------------------


def test_q226827_immediate_failover_denies_more_and_unbalances_more():
    fault, fix = runs("Q226827"), runs("Q226827", "fix")
    assert total(fault, "failovers") > 50 * len(SEEDS)
    assert total(fix, "failovers") == 0
    assert total(fault, "denials") > 5 * max(1, total(fix, "denials"))
    for bad, good in zip(fault, fix):
        assert bad.summary["max_imbalance"] > good.summary["max_imbalance"]
        assert bad.summary["imbalance_licence_h"] > good.summary["imbalance_licence_h"]


def test_q226827_no_licence_is_idle_while_refused_when_licences_are_to_spare():
    for outages in ([], [[0, 32.5, 60.0]]):
        for variant in ("fault", "fix"):
            for result in runs("Q226827", variant, licenses=1000, outages=outages):
                assert result.summary["denials"] == 0
                assert result.summary["max_imbalance"] == 0 and result.summary["imbalance_licence_h"] == 0


def test_q226827_the_fault_leaves_more_licences_idle_than_the_fix_on_a_four_server_site_balanced_often():
    # the audit's site: the fault's idle licences are moved within a cycle of 15 minutes, so a seed's chance
    # shortages can outweigh them; over the seeds the fault leaves more licence-hours idle while others refuse
    site = dict(n_servers=4, balancing_interval_h=0.25)
    fault, fix = runs("Q226827", **site), runs("Q226827", "fix", **site)
    assert total(fault, "imbalance_licence_h") > total(fix, "imbalance_licence_h")


def test_q226827_the_fault_leaves_more_licences_idle_than_the_fix_on_the_audits_three_server_site():
    # the audit's 3-server one-office site (300 clients, 100 licences, skew 0.8): seed by seed
    site = dict(n_servers=3, n_clients=300, licenses=100, demand_skew=0.8)
    for bad, good in zip(runs("Q226827", **site), runs("Q226827", "fix", **site)):
        assert bad.summary["imbalance_licence_h"] > good.summary["imbalance_licence_h"]
        assert bad.summary["max_imbalance"] > good.summary["max_imbalance"]


def test_q226827_a_client_recovers_at_its_next_retry_after_a_short_outage():
    # 3 servers, 600 clients, a 1-minute outage, retries honoured every 15 minutes: the client is back within
    # its retry's 15 minutes, not the hours until its user's next launch
    for result in runs("Q226827", "fix", n_servers=3, n_clients=600, outages=[[0, 32.5, 1.0]]):
        assert 0 < result.summary["recovery_h_nt"] <= 0.25
    for result in runs("Q226827", n_servers=3, n_clients=600, outages=[[0, 32.5, 1.0]]):
        assert result.summary["recovery_h_nt"] == 0  # immediate failover to a server that answers


def test_q226827_denials_go_on_after_the_server_returns_until_the_next_balancing_cycle():
    for result in runs("Q226827"):
        denied = result.events.loc[result.events["kind"] == "deny", "hours"]
        _, start_h, minutes = result.params.outages[0]
        back_h = start_h + minutes / 60
        interval = result.params.balancing_interval_h
        next_cycle = np.ceil(back_h / interval) * interval
        # after the return, before the cycle: 9 to 73 over the seeds (seed 3 fewest; 11 before Q226838's phantoms
        # moved the run), against at most 5 in the interval after the cycle
        assert ((denied >= back_h) & (denied < next_cycle)).sum() > 5
        assert ((denied >= next_cycle) & (denied < next_cycle + interval)).sum() <= 5  # the cycle ends them


def test_q226827_an_outage_across_a_cycle_leaves_server_0_idle_for_a_whole_cycle_more():
    """The cycle during the outage cannot reach server 0, so its licences wait for the one after."""
    for result in runs("Q226827", outages=[[0, 31.5, 60]]):
        skipped = result.events[result.events["kind"] == "balancing_skipped"]
        assert list(skipped["hours"]) == [32.0] and (skipped["reason"] == "offline").all()
        held = result.licenses[result.licenses["server"] == 0].set_index("hours").eval("free + in_use")
        assert held[32.0] == held[31.25]  # nothing left server 0 at the cycle it missed
        assert held[36.25] < held[35.75]  # the next cycle moves its idle licences


def test_q226827_after_retries_rides_out_an_outage_shorter_than_its_retries():
    result, fault = kbsim.run("Q226827", variant="fix", seed=1), kbsim.run("Q226827", seed=1)
    assert result.summary["failovers"] == 0

    def around_the_outage(run):
        _, start_h, minutes = run.params.outages[0]
        denied = run.events.loc[run.events["kind"] == "deny", "hours"]
        return ((denied >= start_h) & (denied < start_h + minutes / 60 + 4)).sum()

    assert around_the_outage(result) * 10 < around_the_outage(fault)  # only the site's everyday refusals
    reconnects = result.events[result.events["kind"] == "reconnect"]
    assert len(reconnects) > 0 and set(reconnects["server"].dropna()) == {0}


def test_q226827_longer_than_the_retries_the_clients_fail_over_after_them():
    result = kbsim.run("Q226827", variant="fix", seed=1, retries=1, retry_delay_min=5)
    failovers = result.events[result.events["kind"] == "failover"]
    assert len(failovers) > 0 and (failovers["reason"] == "retries").all() and (failovers["attempt"] == 1).all()


def test_q226827_with_no_server_up_the_clients_keep_trying():
    immediate = kbsim.run("Q226827", variant="no_server", seed=1)
    configured = kbsim.run("Q226827", variant="no_server", seed=1, failover="after_retries")
    assert immediate.summary["attempts_no_server"] > 1000
    assert configured.summary["attempts_no_server"] > 0
    assert immediate.summary["attempts_no_server"] > 5 * configured.summary["attempts_no_server"]
    # nobody is served while both are down, and every stranded run is kept in the offline logs
    both_down = (immediate.events["hours"] >= 32.5) & (immediate.events["hours"] < 33.5)
    assert not (both_down & (immediate.events["kind"] == "grant")).any()
    assert (both_down & (immediate.events["kind"] == "logged_locally")).sum() > 0


# --- Q210202: licences not balanced well --------------------------------------------------------


def test_q210202_a_sparse_schedule_denies_more_than_a_frequent_one():
    sparse, frequent = runs("Q210202"), runs("Q210202", "fix")
    assert total(sparse, "denials") > 2 * total(frequent, "denials")
    assert total(sparse, "balancing_cycles") < total(frequent, "balancing_cycles")


def test_q210202_a_daily_schedule_leaves_more_licences_idle_while_others_refuse_than_an_hourly_one():
    for daily, hourly in zip(runs("Q210202"), runs("Q210202", "fix")):
        assert daily.summary["imbalance_licence_h"] > 2 * hourly.summary["imbalance_licence_h"]
        assert daily.summary["max_imbalance"] >= hourly.summary["max_imbalance"]
        assert daily.summary["never_served_rate"] > hourly.summary["never_served_rate"]


def test_q210202_an_unreachable_server_is_skipped_and_keeps_its_licences():
    for result in runs("Q210202", "unreachable"):
        skipped = result.events[result.events["kind"] == "balancing_skipped"]
        assert len(skipped) == result.summary["balancing_cycles"]
        assert set(skipped["server"]) == {2} and (skipped["reason"] == "no ODBC access").all()
        held = result.licenses[result.licenses["server"] == 2].eval("free + in_use")
        assert held.nunique() == 1  # nothing ever moved to or from server 2
    assert total(runs("Q210202", "unreachable"), "denials") > 1.5 * total(runs("Q210202", "fix"), "denials")


def test_q210202_on_demand_balancing_helps_but_refuses_first_and_keeps_license_metering_busy():
    on_demand, fault = runs("Q210202", "on_demand"), runs("Q210202")
    assert total(on_demand, "denials") < 0.6 * total(fault, "denials")
    for result in on_demand:
        s = result.summary
        assert s["denials"] > 0 and s["instant_balancings"] > 50 and s["metering_busy_pct"] > 0
        assert s["callbacks_granted"] > 0 and s["callback_wait_min"] > 0
        moves = result.events[result.events["kind"] == "instant_balancing"]
        refusals = result.events[result.events["kind"] == "deny"]
        # every move answers a refusal on its server made before the License Metering cycle that queued it
        cycle = result.params.metering_cycle_min
        for row in moves.itertuples():
            queued_at = (row.hours * 60 - result.params.instant_balancing_min) // cycle * cycle
            assert (refusals["server"].eq(row.server) & (refusals["hours"] * 60 < queued_at)).any()


def test_q210202_constant_on_demand_balancing_makes_scheduled_cycles_late_and_answers_slow():
    """Q210202's third check on a busier site (50 licences, hourly schedule): License Metering is busy, cycles run
    late behind its moves, and refused users wait longer for the licences a move brings than with quick moves."""
    for seed in (1, 2, 3):
        busy = kbsim.run("Q210202", variant="on_demand", seed=seed, licenses=50, balancing_interval_h=1.0).summary
        quick = kbsim.run(
            "Q210202", variant="on_demand", seed=seed, licenses=50, balancing_interval_h=1.0, instant_balancing_min=0
        ).summary
        assert busy["metering_busy_pct"] > 10 and quick["metering_busy_pct"] == 0
        assert busy["balancing_delay_min"] > 1 and busy["balancing_delay_max_min"] >= 30
        assert quick["balancing_delay_min"] == 0
        assert busy["instant_balancing_wait_min"] > 5 and quick["instant_balancing_wait_min"] == 0


# --- Q212894: Windows 95/98 clients bound to one server ------------------------------------------


def test_q212894_win9x_clients_wait_for_ccim_while_nt_clients_move_on():
    for result in runs("Q212894"):
        s = result.summary
        assert s["recovery_h_nt"] == 0  # server 1 answers: a Windows NT client fails over at once
        # a bound client is cut off until its first CCIM cycle, at most one cycle after its install
        assert 1 < s["recovery_h_win9x"] <= result.params.ccim_interval_h
        rebinds = result.events[result.events["kind"] == "rebind"]
        assert rebinds["client"].isin(result.usage.loc[result.usage["os"] == "Windows 95/98", "client"]).all()


def test_q212894_win9x_clients_keep_retrying_the_original_server():
    for result in runs("Q212894"):
        win9x = set(result.usage.loc[result.usage["os"] == "Windows 95/98", "client"])
        retries = result.events[(result.events["kind"] == "retry") & result.events["client"].isin(win9x)]
        assert len(retries) > 100 and set(retries["server"]) == {0}


def test_q212894_an_immediate_restart_ends_the_stranding_within_minutes():
    for result in runs("Q212894", "restart", restart_after_h=0.0):
        assert result.summary["recovery_h_win9x"] * 60 < 5


def test_q212894_restart_and_shorter_ccim_are_workarounds():
    fault = total(runs("Q212894"), "recovery_h_win9x")
    assert total(runs("Q212894", "restart"), "recovery_h_win9x") < fault / 2
    assert total(runs("Q212894", ccim_interval_h=2), "recovery_h_win9x") < fault / 2


# --- Q213261: lagging client clocks --------------------------------------------------------------


def test_q213261_lagging_clients_never_upload_and_the_result_says_so():
    for result in runs("Q213261"):
        usage = result.usage
        lagging = usage[usage["clock_offset_min"] > result.params.clock_threshold_min]
        assert len(lagging) == round(result.params.skewed_fraction * result.params.n_clients)
        assert (lagging["reported"] == 0).all() and (lagging["unreported"] == lagging["sessions"]).all()
        assert result.summary["sessions_unreported"] == lagging["sessions"].sum() > 0
        assert any("Q213261" in note for note in result.notes)
        refused = result.events[result.events["kind"] == "upload_refused"]
        assert set(refused["client"]) == set(lagging["client"])


def test_q213261_synchronised_clocks_report_everything_but_the_last_poll():
    for result in runs("Q213261", "in_step"):
        s = result.summary
        assert s["sessions_unreported"] == 0
        assert s["sessions_reported"] + s["sessions_pending"] == s["sessions"]
        # what is pending was logged after each client's last poll: at most one interval's worth
        assert s["sessions_pending"] < s["sessions"] * result.params.config_poll_min / (result.params.days * 1440) * 1.5


def test_q213261_setting_the_clock_alone_changes_nothing_the_reinstall_after_it_does():
    for fault, sync_only, fix in zip(runs("Q213261"), runs("Q213261", "sync_only"), runs("Q213261", "fix")):
        assert {k: v for k, v in sync_only.summary.items() if v == v} == {
            k: v for k, v in fault.summary.items() if v == v
        }
        s = fix.summary
        assert 0 == s["sessions_unreported"] < s["sessions_lost_at_reinstall"] < fault.summary["sessions_unreported"]
        assert s["sessions"] == s["sessions_reported"] + s["sessions_pending"] + s["sessions_lost_at_reinstall"]
        reinstalls = fix.events[fix.events["kind"] == "reinstall"]
        assert (reinstalls["hours"] == fix.params.reinstall_h).all()
        assert len(reinstalls) == round(fix.params.skewed_fraction * fix.params.n_clients)
        # after the reinstall the skewed clients upload like the others
        uploads = fix.events[(fix.events["kind"] == "upload") & fix.events["client"].isin(reinstalls["client"])]
        assert len(uploads) > 0 and (uploads["hours"] > fix.params.reinstall_h).all()


def test_q213261_a_lag_within_the_threshold_is_harmless():
    for result in runs("Q213261", clock_offset_min=30):
        assert result.summary["sessions_unreported"] == 0


# --- Q311764 (with Q226832): clocks set ahead, then right --------------------------------------------

#: Sites that are not the preset, busy ones among them (offline: busy means many launches), for Q311764's claims.
Q311764_SITES = [
    {},
    dict(n_clients=60, n_servers=1, days=4, config_poll_min=60.0),
    dict(n_clients=150, launches_per_day=30.0, n_servers=3, days=3, clock_ahead_min=2880.0 * 5),
]


def q311764_runs(variant=None, **overrides):
    return [r for site in Q311764_SITES for r in runs("Q311764", variant, **{**site, **overrides})]


def test_q311764_only_the_clients_set_ahead_stall_and_only_after_their_clocks_are_set_right():
    for result in q311764_runs():
        usage, events, sync_h = result.usage, result.events, result.params.clock_sync_h
        ahead = usage[usage["clock_ahead_min"] > 0]
        assert len(ahead) == round(result.params.ahead_fraction * result.params.n_clients)
        stalled = usage[usage["stalled"] > 0]
        assert set(stalled["client"]) <= set(ahead["client"]) and len(stalled) > 0
        assert result.summary["sessions_stalled"] == stalled["stalled"].sum()
        skipped = events[events["kind"] == "upload_skipped"]
        assert set(skipped["client"]) <= set(ahead["client"]) and (skipped["hours"] >= sync_h).all()
        # each skipped poll waits for what the clock ran ahead, less the time since the last upload, and no more
        assert (skipped["minutes"] > 0).all() and (skipped["minutes"] <= result.params.clock_ahead_min).all()
        # before the clocks are set right the clients set ahead upload as often as the others
        early = events[(events["kind"] == "upload") & (events["hours"] < sync_h)]
        assert early["client"].isin(ahead["client"]).sum() > 0
        assert any("Q311764" in note for note in result.notes)
        kept = (
            usage["reported"] + usage["pending"] + usage["unreported"] + usage["stalled"] + usage["lost_at_reinstall"]
        )
        assert (kept == usage["sessions"]).all()


def test_q311764_a_clock_never_ahead_never_stalls_and_the_stall_lasts_as_far_as_the_clock_ran_ahead():
    for result in q311764_runs("in_step", clock_ahead_min=0.0):  # a site of its own may set it; the variant does not
        assert result.summary["sessions_stalled"] == 0 == result.summary["upload_stall_h"]
        assert not (result.events["kind"] == "upload_skipped").any()
    for result in q311764_runs(clock_ahead_min=2880.0, days=7):
        # two days ahead: the stall ends inside the week, about two days long (to one poll interval)
        assert result.summary["sessions_stalled"] == 0
        assert abs(result.summary["upload_stall_h"] - 48.0) <= result.params.config_poll_min / 60


def test_q311764_the_reinstall_cures_only_after_the_clock_is_set_right():
    for fault, fix, early in zip(q311764_runs(), q311764_runs("fix"), q311764_runs("early_reinstall")):
        assert fix.summary["sessions_stalled"] == 0 < fix.summary["sessions_lost_at_reinstall"]
        # reinstalled 2 h after the clocks were set right: the stall is at most the polls in between
        assert 0 < fix.summary["upload_stall_h"] <= fix.params.config_poll_min / 60 + 2
        assert early.summary["sessions_stalled"] > 0
        # every client polls in the 4 h between the reinstall and the clock set right, so it stalls as in the fault
        assert fault.params.config_poll_min <= 240
        assert early.summary["sessions_stalled"] == fault.summary["sessions_stalled"]
        assert early.summary["upload_stall_h"] == fault.summary["upload_stall_h"]
        assert fix.summary["sessions"] == fault.summary["sessions"] == early.summary["sessions"]


def test_q311764_leaves_q213261_as_it_was_and_the_two_faults_differ_as_the_articles_say():
    behind, ahead = runs("Q213261"), runs("Q311764")
    for lagging, stalled in zip(behind, ahead):
        assert lagging.summary["sessions_stalled"] == 0 and lagging.summary["upload_stall_h"] == 0
        assert stalled.summary["sessions_unreported"] == 0
        # a lagging client holds every run; a client set ahead only those since its clock was set right
        assert lagging.summary["sessions_unreported"] > stalled.summary["sessions_stalled"] > 0


# --- Q299261: "stopping" after the Sunday pack, 9406 at every poll --------------------------------


def test_q299261_sp3_raises_9406_at_every_poll_after_the_first_sunday_pack():
    for result in runs("Q299261"):
        status = result.status
        first_pack = result.events.loc[result.events["kind"] == "pack", "time"].min()
        assert first_pack == np.datetime64("2001-06-03T01:59:59")
        assert (status["time"] > first_pack).all() and (status["message_id"] == 9406).all()
        for server in range(result.params.n_servers):
            times = status.loc[status["server"] == server, "time"]
            assert times.iloc[0] == np.datetime64("2001-06-03T02:00:00")
            assert (times.diff().dropna() == np.timedelta64(15, "m")).all()
            end = np.datetime64("2001-06-15T00:00:00")
            assert len(times) == (end - times.iloc[0]) // np.timedelta64(15, "m")
        assert status["text"].str.contains("1061").all()


@pytest.mark.parametrize("variant, hangs", [(None, True), ("hotfix", True), ("fix", False)])
def test_q299261_only_sp3_and_the_sp2_hotfix_hang(variant, hangs):
    for result in runs("Q299261", variant):
        assert (result.summary["status_9406"] > 0) == hangs
        assert (result.events["kind"] == "pack").sum() == 2 * result.params.n_servers  # two Sundays, every server


def test_q299261_a_reboot_clears_the_hang():
    for result in runs("Q299261", outages=[[0, 100, 30]]):
        server0 = result.status[result.status["server"] == 0]
        gap = server0["hours"].diff().max()
        assert gap > 24  # no 9406 for server 0 between its reboot and the next Sunday's pack


@pytest.mark.parametrize(
    "overrides",
    [
        {},  # Windows 95/98 clients retrying every minute (their cadence) until their first CCIM or the server returns
        {
            "failover": "after_retries",
            "retries": 3,
            "retry_delay_min": 5.0,
            "users_restart": True,
            "restart_after_h": 2.0,
        },
        {"outages": [[0, 10.0, 300.0], [1, 11.0, 60.0]], "win9x_fraction": 0.2, "ccim_interval_h": 4.0},
        # both servers down across the first CCIM cycles: bound clients change cadence there and keep trying
        {
            "outages": [[0, 10.0, 1800.0], [1, 10.0, 1800.0]],
            "win9x_retry_s": 300.0,
            "failover": "after_retries",
            "retry_delay_min": 7.0,
            "days": 2,
        },
    ],
)
def test_a_stranded_clients_retries_keep_their_cadence_and_stop_when_something_changes(overrides):
    """Each client's retries: one every delay while its server is down, numbered 1, 2, 3... per episode.

    Long series of failing retries are recorded in one go (clients.ClientAgents._fail_retries);
    this checks them from the outside: every retry falls inside an outage of the server it
    tried, each series keeps its cadence and numbering, and the reconnect, rebind or failover
    that ends an episode is followed by no retry of that episode.
    """
    for result in runs("Q212894", n_clients=60, **overrides):
        check_retry_series(result)


def check_retry_series(result, at_least=100):
    params, events = result.params, result.events
    nt_delay = params.no_server_retry_s / 60 if params.failover == "immediate" else params.retry_delay_min
    # a Windows 95/98 client keeps its own cadence until its first CCIM cycle or restart, whatever failover says
    knows_all_min = (result.usage["first_ccim_h"].fillna(-np.inf) * 60).to_numpy()
    retries = events[events["kind"] == "retry"]
    down = np.zeros(len(retries), dtype=bool)
    for server, start_h, minutes in params.outages:
        down |= (
            (retries["server"] == server)
            & (retries["hours"] >= start_h)
            & (retries["hours"] * 60 < start_h * 60 + minutes)
        ).to_numpy()
    assert down.all(), "a retry was recorded while its server was up"

    checked = 0
    for c, client in events[events["client"].notna()].groupby("client"):
        series: list[float] = []
        for row in client.itertuples():
            if row.kind == "retry":
                assert row.attempt == len(series) + 1, "retries numbered 1, 2, 3... within an episode"
                if series:
                    delay = params.win9x_retry_s / 60 if series[-1] < knows_all_min[c] else nt_delay
                    assert abs(row.hours * 60 - series[-1] - delay) < 1e-6, "one retry every delay"
                series.append(row.hours * 60)
            elif row.kind in {"reconnect", "rebind", "failover"}:
                checked += len(series)
                series = []
        checked += len(series)
    assert checked == len(retries) >= at_least


def test_q226827_failing_over_clients_do_not_all_land_on_the_same_server():
    """Each client keeps the site's servers in an order of its own (Q198706), so a failed server's
    clients spread over the others instead of piling onto the next one in a shared list."""
    for result in runs("Q226827", n_servers=4, licenses=90):
        moved_to = result.events.loc[result.events["kind"] == "failover", "server"]
        assert set(moved_to) == {1, 2, 3}
