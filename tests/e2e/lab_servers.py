"""Real servers on loopback for the browser tests and the browser benchmark: JupyterLab, Voila, Chromium.

A library, not fixtures: ``tests/e2e/conftest.py`` wraps these in pytest fixtures, and
``benchmarks/browser.py`` calls them directly, so both drive the same servers set up the same way.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
HOW_TO_GET_IT = (
    "no Chromium found: install Debian's browser with `apt-get install chromium` "
    "(or set KBSIM_CHROMIUM to a Chromium binary); Playwright's own download does not work here"
)


def chromium_path() -> str | None:
    for candidate in (os.environ.get("KBSIM_CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"no answer from {url} after {seconds} s")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def make_workspace(root: Path) -> Path:
    """A copy of the notebooks and data under ``root``, so a browser session never rewrites the committed files."""
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    shutil.copytree(ROOT / "data", root / "data")
    return root


@contextmanager
def lab_server(workspace: Path) -> Iterator[dict[str, str]]:
    """A real JupyterLab on loopback: token on, free port, stopped by process id at the end."""
    port, token = free_port(), secrets.token_hex(16)
    settings = workspace / "lab-settings"
    (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True, exist_ok=True)
    (settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}'
    )
    # Render every cell (no windowing), so each output is in the page, as a student scrolling sees it.
    (settings / "@jupyterlab" / "notebook-extension").mkdir(parents=True, exist_ok=True)
    (settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings").write_text(
        '{"windowingMode": "none"}'
    )
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        f"--ServerApp.token={token}",
        f"--ServerApp.root_dir={workspace / 'notebooks'}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={workspace / 'lab-workspaces'}",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    with open(workspace / "lab.log", "w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=workspace / "notebooks")
    try:
        wait_for_http(f"http://127.0.0.1:{port}/api/status?token={token}", process)
        yield {"url": f"http://127.0.0.1:{port}", "token": token}
    finally:
        stop(process)


@contextmanager
def voila_server(workspace: Path, notebook: str) -> Iterator[str]:
    """Voila serving one notebook as a dashboard (code hidden, widgets live) on loopback; yields its address."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "voila",
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        str(workspace / "notebooks" / notebook),
    ]
    with open(workspace / "voila.log", "w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=workspace / "notebooks")
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", process, seconds=120)
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop(process)


@contextmanager
def static_server(directory: Path) -> Iterator[str]:
    """A plain HTTP server for a folder of static pages (the course book) on loopback; yields its address."""
    port = free_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(directory)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", process, seconds=30)
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop(process)


@contextmanager
def slides_server(workspace: Path) -> Iterator[str]:
    """``make slides`` (docs/slides/serve.py) on a copy of the suite under ``workspace``; yields its address."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("serve_slides", ROOT / "docs" / "slides" / "serve.py")
    serve = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(serve)
    if not (workspace / "docs" / "slides").exists():
        shutil.copytree(ROOT / "docs" / "slides", workspace / "docs" / "slides")
    port = free_port()
    with open(workspace / "slides.log", "w") as log:
        process = subprocess.Popen(
            serve.command(workspace, port),
            env=serve.environment(workspace),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=workspace,
        )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", process, seconds=120)
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop(process)
