"""Real servers on loopback and Debian's Chromium driven by Playwright, for the browser tests.

Where no Chromium can be had the tests are skipped with a message saying how to get it;
with CI=true they must run, so a missing browser is a failure there.
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
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"]
HOW_TO_GET_IT = ("no Chromium found: install Debian's browser with `apt-get install chromium` "
                 "(or set KBSIM_CHROMIUM to a Chromium binary); Playwright's own download does not work here")


def chromium_path() -> str | None:
    for candidate in (os.environ.get("KBSIM_CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(HOW_TO_GET_IT)
        pytest.skip(HOW_TO_GET_IT)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = context.new_page()
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=False)
    context.close()


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


@pytest.fixture(scope="session")
def workspace(tmp_path_factory) -> Path:
    """A copy of the notebooks and data, so a browser session never rewrites the committed files."""
    root = tmp_path_factory.mktemp("suite")
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    shutil.copytree(ROOT / "data", root / "data")
    return root


@pytest.fixture(scope="session")
def lab(workspace):
    """A real JupyterLab on loopback: token on, free port, stopped by process id at the end."""
    port, token = free_port(), secrets.token_hex(16)
    settings = workspace / "lab-settings"
    (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}')
    # Render every cell (no windowing), so each output is in the page, as a student scrolling sees it.
    (settings / "@jupyterlab" / "notebook-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings").write_text(
        '{"windowingMode": "none"}')
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip", "127.0.0.1", "--port", str(port),
               f"--ServerApp.token={token}", f"--ServerApp.root_dir={workspace / 'notebooks'}",
               "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={workspace / 'lab-workspaces'}"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = open(workspace / "lab.log", "w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=workspace / "notebooks")
    try:
        wait_for_http(f"http://127.0.0.1:{port}/api/status?token={token}", process)
        yield {"url": f"http://127.0.0.1:{port}", "token": token}
    finally:
        stop(process)
        log.close()


def serve_voila(workspace: Path, name: str):
    """Voila serving one notebook as a page (code hidden, widgets live) on loopback; stopped by process id."""
    port = free_port()
    command = [sys.executable, "-m", "voila", "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
               str(workspace / "notebooks" / name)]
    log = open(workspace / f"voila-{name}.log", "w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=workspace / "notebooks")
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", process, seconds=120)
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop(process)
        log.close()


@pytest.fixture(scope="session")
def voila(workspace):
    """Voila serving one article notebook as a dashboard."""
    yield from serve_voila(workspace, "Q226827_offline_server.ipynb")


@pytest.fixture(scope="session")
def voila_mystery(workspace):
    """Voila serving the mystery-site page, as a class without code uses it."""
    yield from serve_voila(workspace, "mystery_sites.ipynb")
