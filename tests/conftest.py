import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]


def network_namespace() -> list[str]:
    """The prefix that runs a command with no network at all (a namespace of its own), or [] where none can be had."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-rn", "true"], capture_output=True, check=False).returncode == 0:
        return [unshare, "-rn"]
    return []


def build_book(tmp_path_factory, target: str) -> SimpleNamespace:
    """One edition of the course book as `make <target>` builds it (the Makefile's own recipe, this Python), without
    network where the machine allows it: ``.site`` is its HTML folder, ``.offline`` whether the build had no network."""
    site = tmp_path_factory.mktemp(target) / "site"
    prefix = network_namespace()
    folder = "SITE_INSTRUCTOR" if target == "site-instructor" else "SITE"
    command = [
        *prefix,
        "make",
        "--no-print-directory",
        target,
        f"PY={sys.executable}",
        "INSTALLED=",
        f"{folder}={site}",
    ]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    built = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env, check=False)
    assert built.returncode == 0, f"make {target} failed:\n{built.stdout}\n{built.stderr}"
    assert sorted(p.name for p in site.iterdir()) == ["doctrees", "html", "jupyter_execute"], "all under SITE"
    return SimpleNamespace(site=site / "html", offline=bool(prefix), log=built.stdout + built.stderr)


@pytest.fixture(scope="session")
def book(tmp_path_factory):
    """The student's edition of the course book, `make site`: what a class is given (no solution, no answer key)."""
    return build_book(tmp_path_factory, "site")


@pytest.fixture(scope="session")
def instructor_book(tmp_path_factory):
    """The instructor's edition of the course book, `make site-instructor`: solutions folded, the guide's answer key."""
    return build_book(tmp_path_factory, "site-instructor")
