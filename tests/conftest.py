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


@pytest.fixture(scope="session")
def book(tmp_path_factory):
    """The course book as `make site` builds it (the Makefile's own recipe, this Python), without network where
    the machine allows it: ``book.site`` is its HTML folder, ``book.offline`` whether the build had no network."""
    site = tmp_path_factory.mktemp("book") / "site"
    prefix = network_namespace()
    command = [*prefix, "make", "--no-print-directory", "site", f"PY={sys.executable}", "INSTALLED=", f"SITE={site}"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    built = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env, check=False)
    assert built.returncode == 0, f"make site failed:\n{built.stdout}\n{built.stderr}"
    assert sorted(p.name for p in site.iterdir()) == ["doctrees", "html", "jupyter_execute"], "all under SITE"
    return SimpleNamespace(site=site / "html", offline=bool(prefix), log=built.stdout + built.stderr)
