"""A class's load on one hub: `python benchmarks/hub.py` (`make bench-hub`; never part of `make test`).

For each class size N (``--students 1 5 10 20``) a fresh class hub on loopback (hub/class_hub.py, the
hub of `make hub`) starts N students' servers at once through its API, each with the course in its
home (a clone of the committed HEAD, as the nbgitpuller link leaves it). Each student opens an article
notebook (the five in turn: student 1 Q226827, student 2 Q210202, ...) and runs it top to bottom in a
kernel of its own, all at once, as a class does at the start of a lesson; then every student moves
their first explorer's enabled controls (sliders and typed boxes), one step at a time to settings not
run before, at a student's pace (a random pause of ``--pause`` seconds between moves, the first after
a random part of one pause, so that the class's moves spread over time).

A move is sent the way JupyterLab sends it (a widget ``update`` message on the kernel's websocket,
through the hub's proxy) and timed from sending it to the kernel's idle after it: the new run, its
numbers and every plot redrawn and sent. The browser's rendering is not in it (benchmarks/browser.py
measures a move in a real browser, on one kernel). Memory, sampled every second while the class moves:
each student's server with its kernel (proportional set size, PSS: shared pages split between the
processes that share them, so the figures add up) and the hub with its proxy (resident set size).

Prints one line per class size: moves, latency median, 95th percentile and worst; the median CPU time a
move cost the student's server and kernel (which, unlike the latency, does not grow when other work
shares the machine); the run-all time median and worst; memory per student (median and most) and the
hub's. The machine is shared and its speed drifts: the figures hold for this machine as it was, and
vary between runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "hub"))

from class_hub import COURSE_BRANCH, COURSE_FOLDER, ClassHub, class_hub  # noqa: E402

NOTEBOOKS = [
    "Q226827_offline_server.ipynb",
    "Q210202_license_balancing.ipynb",
    "Q212894_win9x_single_server.ipynb",
    "Q213261_clock_skew_usage.ipynb",
    "Q299261_server_not_running.ipynb",
]
# The controls a student moves: numeric widgets with a range (the explorer's sliders and typed boxes).
MOVABLE = {"IntSliderModel", "FloatSliderModel", "BoundedIntTextModel", "BoundedFloatTextModel"}
RUN_SECONDS = 600  # a whole class running its notebooks at once on 2 cores


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (0 to 1) by linear interpolation between the order statistics."""
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def decode(frame: str | bytes) -> dict:
    """A kernel message from the websocket (JSON text, or the binary frame of a message with buffers)."""
    if isinstance(frame, str):
        return json.loads(frame)
    count = struct.unpack("!I", frame[:4])[0]
    offsets = struct.unpack(f"!{count}I", frame[4 : 4 + 4 * count])
    return json.loads(frame[offsets[0] : offsets[1] if count > 1 else None])


@dataclass
class Control:
    comm_id: str
    value: float
    low: float
    high: float
    step: float
    tried: set[float] = field(default_factory=set)

    def next_value(self) -> float | None:
        """The next setting not run before: up in steps from the start, then down below it; None when spent."""
        for direction in (1, -1):
            value = self.value
            while self.low <= value + direction * self.step <= self.high:
                value = round(value + direction * self.step, 9)
                if value not in self.tried:
                    self.tried.add(value)
                    return value
        return None


class Kernel:
    """One student's kernel, reached through the hub's proxy as JupyterLab reaches it."""

    def __init__(self, hub: ClassHub, student: str) -> None:
        self.hub, self.student = hub, student
        self.base = f"{hub.url}/user/{student}"
        self.headers = {"Authorization": f"token {hub.api_token}"}
        self.session = uuid.uuid4().hex
        self.waiting: dict[str, asyncio.Future] = {}
        self.comm_opens: dict[str, list[dict]] = {}
        self.errors: list[str] = []

    async def open(self, path: str) -> None:
        client = AsyncHTTPClient()
        body = json.dumps({"path": path, "type": "notebook", "name": "", "kernel": {"name": "python3"}})
        answer = await client.fetch(
            HTTPRequest(
                f"{self.base}/api/sessions", method="POST", body=body, headers=self.headers, request_timeout=300
            )
        )
        kernel_id = json.loads(answer.body)["kernel"]["id"]
        url = f"{self.base}/api/kernels/{kernel_id}/channels?session_id={self.session}".replace("http", "ws", 1)
        self.socket = await websocket_connect(HTTPRequest(url, headers=self.headers), max_message_size=1 << 30)
        self.reader = asyncio.ensure_future(self._read())
        server = psutil.Process(self.hub.server_pid(self.student))
        self.processes = [server, *server.children(recursive=True)]

    async def _read(self) -> None:
        while True:
            frame = await self.socket.read_message()
            if frame is None:
                return
            message = decode(frame)
            parent = message.get("parent_header", {}).get("msg_id")
            kind = message["header"]["msg_type"]
            if kind == "comm_open":
                self.comm_opens.setdefault(parent, []).append(message["content"])
            elif kind == "error":
                self.errors.append(message["content"].get("ename", "error"))
            elif kind == "status" and message["content"]["execution_state"] == "idle" and parent in self.waiting:
                self.waiting.pop(parent).set_result(time.perf_counter())

    async def send(self, kind: str, content: dict) -> tuple[str, float]:
        """Send one shell message; the time it was sent and its id (its idle resolves ``self.waiting[id]``)."""
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "msg_type": kind, "session": self.session, "username": self.student}
        header |= {"date": "", "version": "5.3"}
        self.waiting[msg_id] = asyncio.get_running_loop().create_future()
        message = {"header": header, "parent_header": {}, "metadata": {}, "content": content, "channel": "shell"}
        sent = time.perf_counter()
        await self.socket.write_message(json.dumps(message))
        return msg_id, sent

    async def run(self, code: str) -> str:
        msg_id, _ = await self.send("execute_request", {"code": code, "silent": False, "store_history": True})
        await asyncio.wait_for(self.waiting[msg_id], RUN_SECONDS)
        return msg_id

    def cpu_s(self) -> float:
        """CPU seconds used so far by the student's server and its kernel (what a move costs the machine)."""
        total = 0.0
        for process in self.processes:
            with contextlib.suppress(psutil.NoSuchProcess):
                times = process.cpu_times()
                total += times.user + times.system
        return total

    async def move(self, control: Control, value: float) -> tuple[float, float]:
        """Set a control as the browser does; seconds until the kernel is idle after it, and the CPU seconds
        the student's server and kernel spent on it."""
        cpu_before = self.cpu_s()
        content = {
            "comm_id": control.comm_id,
            "data": {"method": "update", "state": {"value": value}, "buffer_paths": []},
        }
        msg_id, sent = await self.send("comm_msg", content)
        done = await asyncio.wait_for(self.waiting[msg_id], RUN_SECONDS)
        return done - sent, self.cpu_s() - cpu_before

    def close(self) -> None:
        self.reader.cancel()
        self.socket.close()


def first_explorer_controls(opens: list[dict]) -> list[Control]:
    controls = []
    for content in opens:
        state = content["data"]["state"]
        if state.get("_model_name") in MOVABLE and not state.get("disabled"):
            step = state.get("step") or 1
            controls.append(Control(content["comm_id"], state["value"], state["min"], state["max"], step))
    return controls


async def student(hub: ClassHub, name: str, notebook: str, moves: int, pause_s: float, start: asyncio.Barrier, rng):
    """One student: run the notebook, wait for the class, then move the first explorer's controls."""
    path = f"{COURSE_FOLDER}/notebooks/{notebook}"
    cells = json.loads((hub.home(name) / path).read_text())["cells"]
    kernel = Kernel(hub, name)
    await kernel.open(path)
    began = time.perf_counter()
    explorer_cell = None
    for cell in cells:
        if cell["cell_type"] == "code":
            code = "".join(cell["source"])
            msg_id = await kernel.run(code)
            if explorer_cell is None and code.startswith("explorer = kbsim.explore("):
                explorer_cell = msg_id
    ran_s = time.perf_counter() - began
    controls = first_explorer_controls(kernel.comm_opens.get(explorer_cell, []))
    if not controls:
        raise RuntimeError(f"{name}: no enabled control in {notebook}'s first explorer")
    await start.wait()  # the class moves once every student has run the notebook
    await asyncio.sleep(rng.uniform(0, pause_s))
    latencies, cpu = [], []
    for index in range(moves):
        control = controls[index % len(controls)]
        value = control.next_value()
        if value is None:
            continue
        latency, cpu_s = await kernel.move(control, value)
        latencies.append(latency)
        cpu.append(cpu_s)
        await asyncio.sleep(rng.uniform(0.5 * pause_s, 1.5 * pause_s))
    kernel.close()
    return {"ran_s": ran_s, "latencies": latencies, "cpu": cpu, "errors": kernel.errors}


def pss(process: psutil.Process) -> int:
    try:
        return process.memory_full_info().pss
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return 0


def server_memory(pid: int) -> int:
    """PSS in bytes of a student's server and everything it started (its kernel)."""
    try:
        server = psutil.Process(pid)
        return pss(server) + sum(pss(child) for child in server.children(recursive=True))
    except psutil.NoSuchProcess:
        return 0


def hub_memory(hub: ClassHub) -> int:
    """RSS in bytes of the hub and its proxy (the hub's own children that are not students' servers)."""
    process = psutil.Process(hub.process.pid)
    proxy = [p for p in process.children() if "configurable-http-proxy" in " ".join(p.cmdline())]
    return process.memory_info().rss + sum(p.memory_info().rss for p in proxy)


async def sample_memory(hub: ClassHub, pids: dict[str, int], peaks: dict[str, int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        for name, pid in pids.items():
            peaks[name] = max(peaks.get(name, 0), server_memory(pid))
        peaks["hub"] = max(peaks.get("hub", 0), hub_memory(hub))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)


async def class_moves(hub: ClassHub, names: list[str], moves: int, pause_s: float, seed: int) -> tuple[list, dict]:
    pids = {name: hub.server_pid(name) for name in names}
    start, stop = asyncio.Barrier(len(names) + 1), asyncio.Event()
    peaks: dict[str, int] = {}
    tasks = [
        asyncio.ensure_future(
            student(hub, name, NOTEBOOKS[i % len(NOTEBOOKS)], moves, pause_s, start, random.Random(seed * 1000 + i))
        )
        for i, name in enumerate(names)
    ]
    everyone = asyncio.ensure_future(start.wait())
    while not everyone.done():
        for task in tasks:
            if task.done() and task.exception():
                raise task.exception()  # type: ignore[misc]
        await asyncio.sleep(0.2)
    sampler = asyncio.ensure_future(sample_memory(hub, pids, peaks, stop))
    results = await asyncio.gather(*tasks)
    stop.set()
    await sampler
    return list(results), peaks


def give_the_course(hub: ClassHub, name: str) -> None:
    """The course in the student's home as the nbgitpuller link leaves it: a clone of the course branch."""
    home = hub.home(name)
    home.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["git", "clone", "--quiet", "--branch", COURSE_BRANCH, str(hub.repository), str(home / COURSE_FOLDER)],
        check=True,
    )


def start_servers(hub: ClassHub, names: list[str], seconds: float = 600) -> float:
    """Start every student's server at once through the hub's API; seconds until the last was ready."""
    began = time.perf_counter()
    for name in names:
        hub.api("POST", f"/users/{name}/server")
    deadline = time.monotonic() + seconds
    waiting = set(names)
    while waiting:
        if time.monotonic() > deadline:
            raise TimeoutError(f"servers not ready after {seconds} s: {sorted(waiting)}")
        waiting = {n for n in waiting if not hub.api("GET", f"/users/{n}")["servers"].get("", {}).get("ready")}
        time.sleep(0.5)
    hub.note_processes()
    return time.perf_counter() - began


def measure(size: int, moves: int, pause_s: float, seed: int) -> dict:
    names = [f"student{i + 1:02d}" for i in range(size)]
    with tempfile.TemporaryDirectory(prefix="kbsim-hub-bench-") as folder, class_hub(names, Path(folder)) as hub:
        for name in names:
            give_the_course(hub, name)
        started_s = start_servers(hub, names)
        results, peaks = asyncio.run(class_moves(hub, names, moves, pause_s, seed))
        hub.note_processes()
    latencies = [value for result in results for value in result["latencies"]]
    cpu = [value for result in results for value in result["cpu"]]
    errors = [error for result in results for error in result["errors"]]
    per_student = [peaks[name] / 2**20 for name in names]
    ran = [result["ran_s"] for result in results]
    return {
        "students": size,
        "start_s": started_s,
        "ran_median_s": statistics.median(ran),
        "ran_max_s": max(ran),
        "moves": len(latencies),
        "median_s": statistics.median(latencies),
        "p95_s": percentile(latencies, 0.95),
        "max_s": max(latencies),
        "cpu_median_s": statistics.median(cpu),
        "student_mb_median": statistics.median(per_student),
        "student_mb_max": max(per_student),
        "hub_mb": peaks["hub"] / 2**20,
        "errors": errors,
        "left_running": hub.left_running,  # type: ignore[attr-defined]
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, nargs="+", default=[1, 5, 10, 20], help="class sizes to measure")
    parser.add_argument("--moves", type=int, default=12, help="explorer moves per student")
    parser.add_argument("--pause", type=float, default=5.0, help="mean seconds a student pauses between moves")
    parser.add_argument("--seed", type=int, default=1, help="seeds the students' pauses")
    args = parser.parse_args()
    print(f"{psutil.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.1f} GB; load {psutil.getloadavg()}")
    print(
        "students | servers ready | run all: median, worst | moves | move: median, p95, worst | CPU a move "
        "| per student (PSS): median, most | hub+proxy (RSS)"
    )
    for size in args.students:
        r = measure(size, args.moves, args.pause, args.seed)
        print(
            f"{r['students']:>8} | {r['start_s']:>11.1f} s | {r['ran_median_s']:.1f}, {r['ran_max_s']:.1f} s "
            f"| {r['moves']:>5} | {r['median_s'] * 1000:.0f}, {r['p95_s'] * 1000:.0f}, {r['max_s'] * 1000:.0f} ms "
            f"| {r['cpu_median_s'] * 1000:.0f} ms "
            f"| {r['student_mb_median']:.0f}, {r['student_mb_max']:.0f} MB | {r['hub_mb']:.0f} MB"
            f"; load {psutil.getloadavg()[0]:.1f}",
            flush=True,
        )
        if r["errors"] or r["left_running"]:
            print(f"  errors in the kernels: {r['errors']}; processes the hub left: {r['left_running']}")


if __name__ == "__main__":
    main()
