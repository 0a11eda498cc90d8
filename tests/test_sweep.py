"""Sweeps: one row per run in grid then seed order, the same frame on any executor, intervals over seeds, CLI."""

import math
import pickle
import subprocess
import sys
import threading
from concurrent.futures import Executor, Future, ProcessPoolExecutor

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import kbsim
from kbsim import plots
from kbsim.analysis.sweeps import t_quantile_975
from kbsim.ui.cli import main

GRID = {"balancing_interval_h": [24.0, 1.0], "instant_balancing": [False, True]}
SMALL = {"days": 1, "n_clients": 60}  # a day of a small site: quick runs, real numbers


class LastFirstExecutor(Executor):
    """Runs nothing until every run is submitted, then finishes them last first, as a worker would:
    each call goes through pickle, so only picklable input can reach it."""

    def __init__(self, expected: int) -> None:
        self.expected, self.calls, self.finish_order = expected, [], []

    def submit(self, fn, *args, **kwargs):
        future = Future()
        self.calls.append((pickle.dumps((fn, args, kwargs)), future))
        if len(self.calls) == self.expected:
            threading.Thread(target=self._finish).start()
        return future

    def _finish(self):
        for i, (payload, future) in reversed(list(enumerate(self.calls))):
            fn, args, kwargs = pickle.loads(payload)
            self.finish_order.append(i)
            future.set_result(fn(*args, **kwargs))


def small_sweep(executor="serial", **options):
    return kbsim.sweep("Q210202", GRID, seeds=[3, 1], executor=executor, progress=False, **SMALL, **options)


def test_one_row_per_run_in_grid_then_seed_order_with_every_summary_number():
    frame = small_sweep()
    assert list(frame.columns) == [
        "preset",
        "variant",
        "days",
        "n_clients",
        "balancing_interval_h",
        "instant_balancing",
        "seed",
        *kbsim.SUMMARY,
    ]
    points = [(24.0, False), (24.0, True), (1.0, False), (1.0, True)]
    expected = [(h, instant, seed) for h, instant in points for seed in (3, 1)]
    assert (
        list(frame[["balancing_interval_h", "instant_balancing", "seed"]].itertuples(index=False, name=None))
        == expected
    )
    assert set(frame["preset"]) == {"Q210202"} and set(frame["variant"]) == {"fault"}
    for row in frame.itertuples(index=False):
        if row.seed == 3 and row.instant_balancing:
            run = kbsim.run(
                "Q210202", seed=3, balancing_interval_h=row.balancing_interval_h, instant_balancing=True, **SMALL
            )
            assert {k: getattr(row, k) for k in ("requests", "denials", "licenses_moved")} == {
                k: run.summary[k] for k in ("requests", "denials", "licenses_moved")
            }


def test_seeds_as_a_number_variant_and_fixed_overrides():
    frame = kbsim.sweep(
        "Q210202", {"licenses": [40, 70]}, seeds=3, variant="unreachable", executor="serial", progress=False, days=1
    )
    assert list(frame["seed"]) == [1, 2, 3, 1, 2, 3] and set(frame["variant"]) == {"unreachable"}
    run = kbsim.run("Q210202", variant="unreachable", seed=2, licenses=40, days=1)
    assert frame.loc[1, "denials"] == run.summary["denials"] and frame.loc[1, "balancing_cycles"] == 23


def test_rows_keep_grid_order_when_runs_finish_last_first():
    executor = LastFirstExecutor(expected=8)
    frame = small_sweep(executor)
    assert executor.finish_order == list(range(7, -1, -1))
    pd.testing.assert_frame_equal(frame, small_sweep())
    parameters, allow_large = pickle.loads(executor.calls[0][0])[1]
    assert allow_large is False
    # Every parameter of the run as plain data: nothing names a preset or a file to be read again.
    run = {"days": 1, "n_clients": 60, "balancing_interval_h": 24.0, "instant_balancing": False, "seed": 3}
    assert parameters == kbsim.Params.from_values(run, base=kbsim.get_preset("Q210202").params).to_plain()


def test_the_same_frame_serial_in_processes_and_on_a_dask_cluster():
    from dask.distributed import Client, LocalCluster

    serial = small_sweep()
    pd.testing.assert_frame_equal(small_sweep(None), serial)  # the default: a pool of local processes
    with ProcessPoolExecutor(max_workers=2) as pool:
        pd.testing.assert_frame_equal(small_sweep(pool), serial)
    with (
        LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        pd.testing.assert_frame_equal(small_sweep(client.get_executor()), serial)


class EditingExecutor(LastFirstExecutor):
    """Rewrites a preset file as the first run is submitted, as a user editing it mid-sweep would."""

    def __init__(self, expected: int, path, text: str) -> None:
        super().__init__(expected)
        self.path, self.text = path, text

    def submit(self, fn, *args, **kwargs):
        if not self.calls:
            self.path.write_text(self.text)
        return super().submit(fn, *args, **kwargs)


def test_a_preset_file_runs_as_it_was_when_the_sweep_started_even_if_edited_during_it(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('title = "mine"\n[params]\nmode = "online"\ndays = 1\nn_clients = 30\n')
    expected = kbsim.sweep(str(path), {"licenses": [5, 50]}, seeds=2, executor="serial", progress=False)
    edited = EditingExecutor(4, path, 'title = "mine"\n[params]\nmode = "offline"\ndays = 2\nn_clients = 90\n')
    frame = kbsim.sweep(str(path), {"licenses": [5, 50]}, seeds=2, executor=edited, progress=False)
    pd.testing.assert_frame_equal(frame, expected)
    assert list(frame["preset"].unique()) == ["mine"]
    assert frame.loc[0, "denials"] > frame.loc[2, "denials"]  # online, 30 clients: 5 licences refuse more


def test_a_preset_changed_in_memory_is_what_the_sweep_runs():
    import dataclasses

    preset = kbsim.get_preset("Q226827")
    changed = dataclasses.replace(preset, params=dataclasses.replace(preset.params, licenses=5))
    frame = kbsim.sweep(changed, {"retries": [1]}, seeds=[2], executor=LastFirstExecutor(1), progress=False)
    assert frame.loc[0, "denials"] == kbsim.run(changed, seed=2, retries=1).summary["denials"]
    assert frame.loc[0, "denials"] != kbsim.run("Q226827", seed=2, retries=1).summary["denials"]


def test_a_preset_s_own_variants_run_as_declared_whatever_their_names(tmp_path):
    path = tmp_path / "named.toml"
    path.write_text(
        'title = "named"\n[params]\nmode = "online"\ndays = 1\nn_clients = 40\nlicenses = 30\n'
        "[variants.fault]\nlicenses = 2\n[variants.serial]\nlicenses = 3\n"
    )
    for variant, licences in (("fault", 2), ("serial", 3)):
        frame = kbsim.sweep(str(path), {"retries": [1]}, seeds=[1], variant=variant, executor="serial", progress=False)
        assert frame.loc[0, "variant"] == variant
        assert frame.loc[0, "denials"] == kbsim.run(str(path), seed=1, licenses=licences).summary["denials"]
    assert kbsim.run(str(path), variant="fault").params.licenses == 2


@pytest.mark.parametrize(
    "grid, seeds, overrides, words",
    [
        ([("retries", [1])], 2, {}, "expected a mapping of parameter names"),
        ({"retrys": [1, 2]}, 2, {}, "grid: unknown parameter 'retrys'"),
        ({"retries": []}, 2, {}, "grid: retries has no values"),
        ({"retries": "1,2"}, 2, {}, "expected a list of values, each an integer from 1 to 100"),
        ({"retries": [1, 0]}, 2, {}, "grid: retries=0 is not allowed (out of range)"),
        ({"retries": [2, 2.0]}, 2, {}, "grid: retries lists 2 twice"),
        ({"seed": [1, 2]}, 2, {}, "seed is not swept by the grid"),
        ({"retries": [1, 2]}, 0, {}, "seeds=0 is not allowed"),
        ({"retries": [1, 2]}, [1, 1], {}, "seeds=[1, 1] is not allowed"),
        ({"retries": [1, 2]}, [-1], {}, "seeds=[-1] is not allowed"),
        ({"retries": [1, 2]}, 2, {"retries": 3}, "retries is both swept (in the grid) and fixed"),
        ({"retries": [1, 2]}, 2, {"seed": 3}, "give seeds=N"),
        ({"retries": [1, 2]}, 2, {"nope": 3}, "unknown parameter 'nope'"),
        ({"outages": [[[5, 1, 30]]]}, 2, {}, "names server 5, but servers are 0 to 1"),
    ],
)
def test_bad_sweeps_raise_one_parameter_error_before_any_run(grid, seeds, overrides, words):
    with pytest.raises(kbsim.ParameterError) as caught:
        kbsim.sweep(
            "Q226827", grid, seeds=seeds, executor=LastFirstExecutor(expected=10**6), progress=False, **overrides
        )
    assert words in str(caught.value) and "\n" not in str(caught.value)


def test_overrides_are_checked_against_the_preset_not_the_defaults():
    frame = kbsim.sweep(
        "Q210202", {"licenses": [70]}, seeds=1, executor="serial", progress=False, days=1, unreachable_servers=[2]
    )  # server 2 exists in Q210202's three-server site, not in the defaults
    assert frame.loc[0, "unreachable_servers"] == (2,) and frame.loc[0, "balancing_cycles"] == 0


def test_an_executor_must_be_an_executor():
    with pytest.raises(kbsim.ParameterError, match="executor='threads' is not allowed"):
        kbsim.sweep("Q226827", {"retries": [1]}, seeds=1, executor="threads", progress=False)


def test_t_quantiles_exact_table_then_expansion():
    assert t_quantile_975(1) == 12.7062 and t_quantile_975(4) == 2.7764 and t_quantile_975(30) == 2.0423
    assert abs(t_quantile_975(31) - 2.0395) < 1e-4 and abs(t_quantile_975(120) - 1.9799) < 1e-4
    assert abs(t_quantile_975(10**6) - 1.95996) < 1e-4


def hand_made():
    return pd.DataFrame(
        {
            "preset": "Q226827",
            "variant": "fault",
            "retries": [1] * 5 + [4] * 3 + [9],
            "seed": [1, 2, 3, 4, 5, 1, 2, 3, 1],
            "denials": [1, 2, 3, 4, 5, 10, 10, 13, 7],
            "recovery_h_nt": [1.0, math.nan, 3.0, math.nan, math.nan, 2.0, 2.0, 2.0, 1.0],
        }
    )


def test_intervals_over_seeds_on_a_hand_made_frame():
    summary = kbsim.summarize_sweep(hand_made(), ["denials", "recovery_h_nt"], by="retries")
    assert list(summary.columns) == ["retries", "metric", "count", "mean", "std", "ci_low", "ci_high"]
    rows = {(r.retries, r.metric): r for r in summary.itertuples()}
    first = rows[1, "denials"]  # 1..5: mean 3, sd sqrt(2.5), t(4) = 2.7764
    assert (first.count, first.mean) == (5, 3.0) and first.std == pytest.approx(math.sqrt(2.5))
    assert first.ci_low == pytest.approx(3 - 2.7764 * math.sqrt(2.5) / math.sqrt(5))
    assert first.ci_high == pytest.approx(3 + 2.7764 * math.sqrt(2.5) / math.sqrt(5))
    second = rows[4, "denials"]  # 10, 10, 13: mean 11, sd sqrt(3), t(2) = 4.3027: half-width 4.3027
    assert (second.ci_low, second.ci_high) == (pytest.approx(11 - 4.3027), pytest.approx(11 + 4.3027))
    single = rows[9, "denials"]
    assert single.count == 1 and single.mean == 7 and math.isnan(single.ci_low) and math.isnan(single.ci_high)
    nan_left_out = rows[1, "recovery_h_nt"]
    assert (nan_left_out.count, nan_left_out.mean) == (2, 2.0)
    assert list(summary["metric"]) == ["denials"] * 3 + ["recovery_h_nt"] * 3
    assert summary.attrs["stamp"] == f"Q226827 · seeds 1-5 · kbsim {kbsim.__version__}"


def test_a_number_computed_from_the_summary_can_be_summarized():
    frame = hand_made().assign(twice=lambda f: 2 * f["denials"])
    summary = kbsim.summarize_sweep(frame, "twice", "retries")
    assert list(summary["mean"]) == [6.0, 22.0, 14.0]


def test_summary_over_all_runs_and_as_seeds_are_added():
    overall = kbsim.summarize_sweep(hand_made(), "denials")
    assert list(overall.columns) == ["metric", "count", "mean", "std", "ci_low", "ci_high"] and overall["count"][0] == 9
    growing = kbsim.seed_convergence(hand_made(), "denials", by="retries", counts=[2, 5])
    assert list(growing.columns[:3]) == ["seeds", "retries", "metric"]
    assert growing.set_index(["seeds", "retries"]).loc[(2, 1), "mean"] == 1.5
    assert growing.set_index(["seeds", "retries"]).loc[(5, 4), "count"] == 3


@pytest.mark.parametrize(
    "metric, by, words",
    [
        (
            "denails",
            "retries",
            "unknown metric 'denails': expected one of 'denials', 'recovery_h_nt', or a number column",
        ),
        ("retries", "retries", "unknown metric 'retries'"),
        ("preset", "retries", "unknown metric 'preset'"),
        (
            "denials",
            "retry",
            "unknown column to group by 'retry': expected one of 'preset', 'variant', 'retries', 'seed'",
        ),
        ("denials", "denials", "unknown column to group by 'denials'"),
    ],
)
def test_summaries_name_what_is_wrong(metric, by, words):
    with pytest.raises(kbsim.ParameterError, match=words.replace("(", r"\(")):
        kbsim.summarize_sweep(hand_made(), metric, by)


def test_sweep_band_draws_mean_and_interval_with_units_description_and_stamp():
    summary = kbsim.summarize_sweep(small_sweep(), "denial_rate", ["balancing_interval_h", "instant_balancing"])
    ax = plots.sweep_band(summary, "denial_rate")
    try:
        assert ax.get_xlabel() == "balancing_interval_h (h)" and ax.get_ylabel() == "share of requests refused"
        assert ax.get_title(loc="left").startswith("share of requests refused against balancing_interval_h")
        assert [line.get_label() for line in ax.get_lines()] == ["instant_balancing=False", "instant_balancing=True"]
        assert ax.get_xscale() == "log"  # 1 h to 24 h
        alt = plots.alt_text(ax)
        assert alt.startswith(
            "Mean denial_rate (share of requests refused: denials / requests (0 when there were no requests)) over up "
            "to 2 seeds against balancing_interval_h for 2 values"
        )
        assert alt.endswith(".") and "\n" not in alt
        assert [t.get_text() for t in ax.figure.texts] == [summary.attrs["stamp"]]
        assert "Q210202 · seeds 1, 3 · days=1 · n_clients=60" in summary.attrs["stamp"]
        assert "image/png" in plots.Figure(ax)._repr_mimebundle_()[0]
    finally:
        plt.close("all")


def test_sweep_band_of_a_choice_uses_one_tick_per_value():
    frame = kbsim.sweep(
        "Q226827", {"failover": ["immediate", "after_retries"]}, seeds=2, executor="serial", progress=False, days=2
    )
    ax = plots.sweep_band(kbsim.summarize_sweep(frame, "denials", "failover"), "denials")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["immediate", "after_retries"]
    assert ax.get_xlabel() == "failover" and "not in this summary" not in plots.alt_text(ax)
    with pytest.raises(kbsim.ParameterError, match="unknown metric 'failovers': expected one of 'denials'"):
        plots.sweep_band(kbsim.summarize_sweep(frame, "denials", "failover"), "failovers")
    plt.close("all")


# --- the command line -----------------------------------------------------------------------------


def test_cli_sweep_writes_csv_and_parquet(tmp_path, capsys):
    csv = tmp_path / "runs.csv"
    argv = [
        "sweep",
        "Q226827",
        "--grid",
        "retries=1,4",
        "--grid",
        "outages=0:32.5:60;0:32.5:60,1:32.5:60",
        "--seeds",
        "2",
        "--set",
        "days=2",
        "--variant",
        "fix",
    ]
    assert main([*argv, "--out", str(csv)]) == 0
    assert capsys.readouterr().out == f"8 runs of Q226827 (fix) written to {csv}\n"
    written = pd.read_csv(csv)
    assert len(written) == 8 and list(written.columns[:6]) == [
        "preset",
        "variant",
        "days",
        "retries",
        "outages",
        "seed",
    ]
    assert list(written["outages"][:4]) == ["[[0, 32.5, 60.0]]"] * 2 + ["[[0, 32.5, 60.0], [1, 32.5, 60.0]]"] * 2
    expected = kbsim.run(
        "Q226827", variant="fix", seed=2, retries=4, days=2, outages=[[0, 32.5, 60], [1, 32.5, 60]]
    ).summary
    assert written.loc[7, "attempts_no_server"] == expected["attempts_no_server"] > 0
    parquet = tmp_path / "runs.parquet"
    assert main([*argv, "--out", str(parquet)]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(parquet), written, check_dtype=False)


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--grid", "retries"], "--grid 'retries' is not allowed: expected NAME=V1,V2,..."),
        (["--grid", "retries="], "--grid 'retries=' has an empty value"),
        (["--grid", "retries=1,,4"], "has an empty value"),
        (
            ["--grid", "retries=1,0"],
            "--grid retries=0 is not allowed (out of range): expected an integer from 1 to 100",
        ),
        (["--grid", "retries=1,x"], "--grid retries='x' is not allowed"),
        (["--grid", "retrys=1"], "--grid: unknown parameter 'retrys': did you mean 'retries'"),
        (["--grid", "retries=1", "--grid", "retries=2"], "given twice"),
        (["--grid", "retries=1", "--set", "retries=2"], "both swept (in the grid) and fixed"),
        (["--grid", "retries=1", "--seeds", "x"], "--seeds 'x' is not allowed"),
        (["--grid", "retries=1", "--seeds", "0"], "seeds=0 is not allowed"),
    ],
)
def test_cli_bad_sweeps_are_one_line_and_exit_2(tmp_path, capsys, argv, words):
    assert main(["sweep", "Q226827", *argv, "--out", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kbsim: error: ") and words in err and err.count("\n") == 1
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize(
    "out, words",
    [
        ("missing/x.csv", "does not exist"),
        ("x.txt", "unknown file type '.txt': expected a .csv or .parquet file"),
        (".", "unknown file type"),
        ("folder.csv", "cannot write there"),
    ],
)
def test_cli_unwritable_outputs_are_one_line_and_exit_2(tmp_path, capsys, out, words):
    (tmp_path / "folder.csv").mkdir()
    assert main(["sweep", "Q226827", "--grid", "retries=1", "--seeds", "1", "--out", str(tmp_path / out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kbsim: error: ") and words in err and err.count("\n") == 1


def test_python_dash_m_sweep_runs_as_a_program(tmp_path):
    out = tmp_path / "packs.csv"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "kbsim",
            "sweep",
            "Q299261",
            "--grid",
            "service_pack=SP3,SP4",
            "--seeds",
            "2",
            "--set",
            "days=8",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr
    assert list(pd.read_csv(out)["status_9406"] > 0) == [True, True, False, False]


def test_moved_outages_moves_the_presets_outages_together_and_refuses_what_falls_outside_the_run():
    assert kbsim.moved_outages("Q226827", [24, 30.5]) == [[[0, 24.0, 60.0]], [[0, 30.5, 60.0]]]
    both = kbsim.moved_outages("Q226827", [10], variant="no_server")
    assert both == [[[0, 10.0, 60.0], [1, 10.0, 60.0]]]
    for starts, words in (([80], "after the run ends"), (["x"], "expected hours"), (5, "expected a list of hours")):
        with pytest.raises(kbsim.ParameterError, match=words) as caught:
            kbsim.moved_outages("Q226827", starts)
        assert "\n" not in str(caught.value)
    with pytest.raises(kbsim.ParameterError, match="no outage to move"):
        kbsim.moved_outages("site", [1])
