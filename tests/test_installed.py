"""The installed package, used as a class hub or a Dask cluster would use it.

The checkout is built into an sdist, the sdist into a wheel, and the wheel installed (not
editable) into a fresh virtual environment in a temporary folder. From a folder outside the
checkout, with no PYTHONPATH, that environment then runs every preset and variant (and must
give the golden numbers of tests/golden), the ``kbsim`` command (list, run, sweep, logs) and
a sweep on a Dask LocalCluster whose workers import kbsim from the environment's
site-packages.

Installing the dependencies needs a package index (PyPI) or pip's cache; the fresh
environment asks for the versions this environment runs, so pip's cache usually has them.
About a minute in all; ``pytest -m "not installed"`` leaves it out while working.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
import zipfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import pytest

import kbsim

pytestmark = pytest.mark.installed

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
#: What building the package reads; everything else in the checkout stays out of the build.
BUILD_INPUTS = ("pyproject.toml", "README.md", "LICENSE", "kbsim/")
#: Tools of the build itself: the fresh environment chooses its own versions of these.
BUILD_TOOLS = {"pip", "setuptools", "wheel", "kbsim"}
PRESET_FILES = {f"kbsim/presets/{name}.toml" for name in kbsim.presets()}


@dataclass
class Installed:
    venv: Path
    python: Path
    outside: Path
    sdist: Path
    wheel: Path
    site_packages: str
    seconds: dict[str, float] = field(default_factory=dict)

    def run(self, *argv: str | Path, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
        """A command of the fresh environment, run from the folder outside the checkout."""
        command = [str(self.venv / "bin" / argv[0]), *map(str, argv[1:])]
        done = subprocess.run(
            command, cwd=self.outside, env=clean_env(), capture_output=True, text=True, timeout=timeout, check=False
        )
        if check and done.returncode != 0:
            pytest.fail(f"{' '.join(command)} exited {done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
        return done


def clean_env() -> dict[str, str]:
    """This process's environment without anything that would let the checkout's kbsim in."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "PYTHONSAFEPATH")
    }
    env.update(PYTHONNOUSERSITE="1", MPLBACKEND="Agg", PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env


def build_inputs() -> list[Path]:
    """The committed (or new, not ignored) files the build reads, as a clean clone would have them."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *BUILD_INPUTS],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
        names = [n for n in listed.decode().split("\0") if n]
    except (OSError, subprocess.CalledProcessError):  # not a git checkout: every file but caches
        names = [
            str(p.relative_to(ROOT))
            for i in BUILD_INPUTS
            for p in ([ROOT / i] if not i.endswith("/") else (ROOT / i).rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts
        ]
    return [Path(n) for n in names if (ROOT / n).is_file()]


def constraints(folder: Path) -> Path:
    """This environment's versions as pip constraints: the fresh one matches it and pip's cache serves it."""
    pins = sorted(
        {
            f"{d.metadata['Name']}=={d.version}"
            for d in metadata.distributions()
            if d.metadata["Name"] and d.metadata["Name"].lower() not in BUILD_TOOLS
        }
    )
    path = folder / "constraints.txt"
    path.write_text("\n".join(pins) + "\n")
    return path


def step(seconds: dict[str, float], name: str, command: list[str | Path], cwd: Path, timeout: float = 600) -> str:
    started = time.perf_counter()
    done = subprocess.run(
        [str(c) for c in command],
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    seconds[name] = time.perf_counter() - started
    if done.returncode != 0:
        pytest.fail(f"{name} failed ({' '.join(map(str, command))}):\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    root = tmp_path_factory.mktemp("installed")
    seconds: dict[str, float] = {}
    source, dist, outside = root / "source", root / "dist", root / "outside"
    for name in build_inputs():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    dist.mkdir()
    outside.mkdir()

    venv = root / "venv"
    python = venv / "bin" / "python"
    step(seconds, "create the environment", [sys.executable, "-m", "venv", venv], root)
    pip = [python, "-m", "pip", "install", "--quiet"]
    build_requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    step(seconds, "install the build backend", [*pip, *build_requires], root)
    build = "import sys; from setuptools import build_meta; print(build_meta.build_sdist(sys.argv[1]))"
    sdist = dist / step(seconds, "build the sdist", [python, "-c", build, dist], source).split()[-1]
    step(
        seconds,
        "build the wheel from the sdist",
        [python, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir", dist, sdist],
        root,
    )
    wheel = next(dist.glob("kbsim-*.whl"))

    dev = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["dev"]
    dask = [r for r in dev if r.startswith("dask")]
    step(seconds, "install the wheel and Dask", [*pip, "-c", constraints(root), wheel, *dask], outside)
    site_packages = step(
        seconds,
        "find site-packages",
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        outside,
    ).strip()
    return Installed(venv, python, outside, sdist, wheel, site_packages, seconds)


def test_the_sdist_and_the_wheel_carry_the_presets_and_the_licence(installed):
    with tarfile.open(installed.sdist) as archive:
        top = installed.sdist.name.removesuffix(".tar.gz")
        in_sdist = {n.removeprefix(top + "/") for n in archive.getnames()}
    with zipfile.ZipFile(installed.wheel) as archive:
        in_wheel = set(archive.namelist())
    assert in_sdist >= PRESET_FILES and {"LICENSE", "README.md", "pyproject.toml"} <= in_sdist
    assert in_wheel >= PRESET_FILES and "kbsim/py.typed" in in_wheel
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in in_wheel)
    assert not any(n.startswith(("tests/", "data/", "notebooks/")) for n in in_wheel)


def test_the_installed_package_is_the_one_imported_and_knows_its_version(installed):
    probe = (
        "import json, kbsim, importlib.metadata as m; "
        "print(json.dumps([kbsim.__file__, kbsim.__version__, m.version('kbsim'), sorted(kbsim.presets())]))"
    )
    where, version, installed_version, names = json.loads(installed.run("python", "-c", probe).stdout)
    assert where.startswith(installed.site_packages + os.sep)
    assert version == installed_version == kbsim.__version__
    assert names == sorted(kbsim.presets())


def test_the_installed_package_runs_every_preset_and_variant_to_its_golden_numbers(installed):
    golden = installed.outside / "golden"
    shutil.copytree(GOLDEN, golden, ignore=shutil.ignore_patterns("__pycache__"))
    done = installed.run("python", golden / "regenerate.py", "--check", check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"kbsim from {installed.site_packages}{os.sep}kbsim" in done.stdout


def test_the_installed_command_line_lists_runs_sweeps_and_writes_logs(installed):
    listed = installed.run("kbsim", "list").stdout
    for name, preset in kbsim.presets().items():
        assert name in listed and ", ".join([kbsim.FAULT, *preset.variants]) in listed

    ran = json.loads(installed.run("kbsim", "run", "Q226827", "--variant", "fix", "--seed", "2", "--json").stdout)
    golden = json.loads((GOLDEN / "Q226827.json").read_text())
    expected = next(r for r in golden["runs"] if (r["variant"], r["seed"]) == ("fix", 2))
    assert ran["summary"] == expected["summary"]

    swept = installed.run(
        "kbsim",
        "sweep",
        "Q210202",
        "--grid",
        "balancing_interval_h=1,24",
        "--seeds",
        "2",
        "--set",
        "days=2",
        "--out",
        "runs.csv",
    )
    rows = (installed.outside / "runs.csv").read_text().splitlines()
    assert "4 runs of Q210202" in swept.stdout and len(rows) == 1 + 4 and rows[0].startswith("preset,variant,days,")

    logs = installed.run("kbsim", "logs", "Q226827", "--variant", "no_server", "--out", "logs").stdout.split()
    assert sorted(Path(p).name for p in logs) == sorted(kbsim.logs.LOG_FILES.values())
    assert all((installed.outside / p).stat().st_size > 0 for p in logs)

    bad = installed.run("kbsim", "run", "Q226827", "--set", "retrys=3", check=False)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "did you mean 'retries'" in bad.stderr


DASK_SWEEP = """
import json
import kbsim
from dask.distributed import Client, LocalCluster


def where():
    import kbsim
    return kbsim.__file__


if __name__ == "__main__":
    grid, options = {"balancing_interval_h": [1, 24]}, dict(seeds=2, progress=False, days=2)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \\
            Client(cluster) as client:
        workers = client.run(where)
        frame = kbsim.sweep("Q210202", grid, executor=client.get_executor(), **options)
    serial = kbsim.sweep("Q210202", grid, executor="serial", **options)
    print(json.dumps({"workers": sorted(workers.values()), "rows": len(frame), "same": bool(frame.equals(serial))}))
"""


def test_a_dask_sweep_runs_on_workers_that_import_only_the_installed_package(installed):
    script = installed.outside / "dask_sweep.py"
    script.write_text(DASK_SWEEP)
    answer = json.loads(installed.run("python", script).stdout.splitlines()[-1])
    assert len(answer["workers"]) == 2
    assert all(w.startswith(installed.site_packages + os.sep) for w in answer["workers"]), answer["workers"]
    assert answer["rows"] == 4 and answer["same"]
