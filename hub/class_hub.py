"""A class hub on loopback: `make hub`, and the library the class test and the load benchmark use.

``python hub/class_hub.py`` starts JupyterHub (hub/jupyterhub_config.py) on 127.0.0.1 with the proxy
from npm (hub/package.json, installed by hub/ensure_proxy.sh), prints the address, the class password
and the nbgitpuller link that gives a student the course, and runs until Ctrl-C, which stops the hub and
every student's server. The course is the checkout's committed HEAD, put into a bare repository in the
class's folder, so what students pull never depends on uncommitted files.

:func:`class_hub` does the same as a context manager: tests/e2e/test_hub.py and benchmarks/hub.py
start a hub, use it and stop it, with every process it started.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PROXY = HERE / "node_modules" / ".bin" / "configurable-http-proxy"
HOW_TO_GET_THE_PROXY = (
    "no configurable-http-proxy: JupyterHub's proxy comes from npm; install Node.js and npm "
    "(apt-get install nodejs npm), then run hub/ensure_proxy.sh (make hub and make test do)"
)
COURSE_FOLDER = "kbsim"  # the folder each student's copy of the course is pulled into
COURSE_BRANCH = "course"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def course_repository(folder: Path) -> Path:
    """A bare git repository in ``folder`` holding the checkout's committed HEAD as branch ``course``.

    Pushed rather than cloned, so a detached HEAD (as CI checks out) is carried too; never the work tree.
    """
    bare = folder / "kbsim.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(bare)], check=True)
    subprocess.run(
        ["git", "-C", str(ROOT), "push", "--quiet", str(bare), f"HEAD:refs/heads/{COURSE_BRANCH}"], check=True
    )
    subprocess.run(["git", "--git-dir", str(bare), "symbolic-ref", "HEAD", f"refs/heads/{COURSE_BRANCH}"], check=True)
    return bare


@dataclass
class ClassHub:
    """A running class hub: its address, its students and password, and its API (as the instructor)."""

    url: str
    password: str
    students: list[str]
    folder: Path
    repository: Path
    api_token: str
    process: subprocess.Popen
    spawned: set[int] = field(default_factory=set)

    def course_link(self, notebook: str = "00_start_here.ipynb") -> str:
        """The nbgitpuller link that pulls the course into a student's home and opens ``notebook`` in JupyterLab."""
        query = urllib.parse.urlencode(
            {
                "repo": str(self.repository),
                "branch": COURSE_BRANCH,
                "targetpath": COURSE_FOLDER,
                "urlpath": f"lab/tree/{COURSE_FOLDER}/notebooks/{notebook}",
            }
        )
        return f"{self.url}/hub/user-redirect/git-pull?{query}"

    def home(self, student: str) -> Path:
        return self.folder / "homes" / student

    def api(self, method: str, path: str, body: dict | None = None) -> dict:
        """One call to the hub's REST API (``/hub/api`` + ``path``) as the instructor; the decoded answer."""
        request = urllib.request.Request(
            f"{self.url}/hub/api{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.api_token}"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            text = answer.read()
        return json.loads(text) if text else {}

    def start_server(self, student: str, seconds: float = 180) -> None:
        """Start ``student``'s server through the API and wait until it is ready."""
        try:
            self.api("POST", f"/users/{student}/server")
        except urllib.error.HTTPError as error:
            if error.code != 400:  # 400: already running
                raise
        deadline = time.monotonic() + seconds
        while not self.api("GET", f"/users/{student}")["servers"].get("", {}).get("ready"):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{student}'s server not ready after {seconds} s")
            time.sleep(0.5)
        self.note_processes()

    def server_pid(self, student: str) -> int | None:
        """The process id of ``student``'s running server (from the spawner's state), or None."""
        server = self.api("GET", f"/users/{student}").get("servers", {}).get("")
        return (server or {}).get("state", {}).get("pid")

    def note_processes(self) -> None:
        """Remember every process the hub has started so far (proxy, servers, kernels), to stop them all."""
        with suppress(psutil.NoSuchProcess):
            self.spawned |= {child.pid for child in psutil.Process(self.process.pid).children(recursive=True)}


def _alive(pids: set[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.NoSuchProcess:
            pass
    return alive


def stop_hub(hub: ClassHub) -> list[int]:
    """Stop every student's server, then the hub (which stops its proxy); kill whatever the hub left.

    Returns the processes that were still running after the hub's own shutdown and had to be killed
    (none when the hub cleans up after itself, as it should)."""
    hub.note_processes()
    if hub.process.poll() is None:
        for student in hub.students:
            with suppress(urllib.error.URLError, OSError):
                hub.api("DELETE", f"/users/{student}/server")
        hub.note_processes()
        hub.process.send_signal(signal.SIGTERM)
        try:
            hub.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            hub.process.kill()
            hub.process.wait()
    deadline = time.monotonic() + 15
    while _alive(hub.spawned) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = _alive(hub.spawned)
    for pid in left:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return left


@contextmanager
def class_hub(
    students: list[str], folder: Path, port: int | None = None, password: str | None = None
) -> Iterator[ClassHub]:
    """A class hub on 127.0.0.1 with ``students`` listed, its state and the students' homes in ``folder``.

    Stops the hub and every process it started on leaving, also on failure; ``hub.left_running`` then
    lists any the hub's own shutdown had left (and that were killed)."""
    if not PROXY.exists():
        raise FileNotFoundError(HOW_TO_GET_THE_PROXY)
    folder.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    password = password or secrets.token_urlsafe(9)
    api_token = secrets.token_hex(32)
    repository = course_repository(folder)
    env = {
        **os.environ,
        "KBSIM_HUB_DIR": str(folder),
        "KBSIM_HUB_STUDENTS": ",".join(students),
        "KBSIM_HUB_PORT": str(port),
        "KBSIM_HUB_INTERNAL_PORT": str(free_port()),
        "KBSIM_HUB_PROXY_API_PORT": str(free_port()),
        "KBSIM_HUB_PROXY": str(PROXY),
        "KBSIM_HUB_PASSWORD": password,
        "KBSIM_HUB_API_TOKEN": api_token,
    }
    command = [sys.executable, "-m", "jupyterhub", "-f", str(HERE / "jupyterhub_config.py")]
    log = open(folder / "hub.log", "w")  # noqa: SIM115  (open for the hub's whole life)
    process = subprocess.Popen(command, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    hub = ClassHub(f"http://127.0.0.1:{port}", password, list(students), folder, repository, api_token, process)
    try:
        _wait_for_hub(hub)
        yield hub
    finally:
        hub.left_running = stop_hub(hub)  # type: ignore[attr-defined]
        log.close()


def _wait_for_hub(hub: ClassHub, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if hub.process.poll() is not None:
            raise RuntimeError(f"the hub exited with {hub.process.returncode}; see {hub.folder / 'hub.log'}")
        try:
            hub.api("GET", "/")
            hub.note_processes()
            return
        except (urllib.error.URLError, OSError):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no answer from the hub at {hub.url} after {seconds} s") from None
            time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description="A class hub on 127.0.0.1 for trying the course as a class would.")
    parser.add_argument("--port", type=int, default=8000, help="the hub's address is http://127.0.0.1:PORT")
    parser.add_argument("--students", default="student1,student2,student3", help="comma-separated user names")
    parser.add_argument("--password", help="the class password (default: a new random one, printed)")
    parser.add_argument("--folder", type=Path, help="the hub's state and the students' homes (default: a temp dir)")
    args = parser.parse_args()
    if not PROXY.exists():
        sys.exit(HOW_TO_GET_THE_PROXY)
    folder = args.folder or Path(tempfile.mkdtemp(prefix="kbsim-hub-"))
    students = [name.strip() for name in args.students.split(",") if name.strip()]
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    with class_hub(students, folder, port=args.port, password=args.password) as hub:
        print(
            f"""
A class hub on {hub.url}/ (its state and the students' homes in {folder})
  students:        {", ".join(students)}
  class password:  {hub.password}
  the course link: {hub.course_link()}
Send students the course link: it logs them in, pulls the course into their home ({COURSE_FOLDER}/) and opens
the start page; following it again later pulls new commits and keeps their edits. Ctrl-C stops the hub.
""",
            flush=True,
        )
        while not stopping and hub.process.poll() is None:
            time.sleep(0.5)
    if args.folder is None:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
