"""Service health of the metering servers, the weekly pack, and status message 9406 (Q299261).

Each metering server runs the SMS_LICENSE_SERVER service (Remodbc.exe). Once
a week, at Remodbc.ini's PackTime (default Sunday 01:59:59), it packs its
FoxPro data cache. After SP3, or the SP2 hotfix of Q245271, the service then
reports "stopping" without stopping: it goes on serving clients, but the
Service Control Manager answers every control request with Win32 error 1061.
SMS_LICENSE_SERVER_MANAGER checks every server at each polling cycle (default
15 minutes) and raises status message 9406 while it cannot see the service
running. SP4 fixed this. A server that is offline (an outage) is also not
running; when it comes back, its service starts afresh, so a reboot clears
the hang, as it did for administrators. Up to SP2 a restart of a leaking
Remodbc.exe may fail and leave the service hung: not running, answering
nobody, until a reboot (Q245271, :mod:`kbsim.model.remodbc`).
"""

from __future__ import annotations

import codecs
import configparser
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .errors import ParameterError
from .events import OBSERVE, STATE, Scheduler
from .parameters import Params
from .record import EventLog

#: Service packs whose pack leaves SMS_LICENSE_SERVER hung in "stopping" (Q299261).
HANGS_AFTER_PACK = frozenset({"SP2+hotfix", "SP3"})
RUNNING, STOP_PENDING, STOPPED, HUNG = "running", "stop pending", "stopped", "hung"
MESSAGE_9406 = 9406
#: The cause a 9406 names for a service hung in "stopping" (Q299261): the status row's state "stop pending".
WIN32_1061 = "Win32 error 1061: the service cannot accept control messages at this time"
#: The cause a 9406 names for a server that is offline (Q226827): the status row's state "stopped".
NOT_ANSWERING = "the server does not answer"
#: The cause a 9406 names for a server hung by a failed restart of Remodbc.exe (Q245271).
STOP_FAILED = "Remodbc.exe could not be stopped for its restart"


def first_pack(start: datetime) -> datetime:
    """The first Sunday 01:59:59 at or after ``start``: SMS's default PackTime (Q299261)."""
    sunday = start.date() + timedelta(days=(6 - start.weekday()) % 7)
    candidate = datetime.combine(sunday, datetime.min.time()) + timedelta(hours=1, minutes=59, seconds=59)
    return candidate if candidate >= start else candidate + timedelta(days=7)


#: One status message raised: (minute, server, message ID, the state the poll found the service in, text).
StatusMessage = tuple[float, int, int, str, str]


class ServiceMonitor:
    """SMS_LICENSE_SERVER's state on each server, its weekly pack and the manager's poll."""

    def __init__(self, params: Params, scheduler: Scheduler, log: EventLog) -> None:
        self.scheduler = scheduler
        self.log = log
        n = params.n_servers
        self.state = [RUNNING] * n
        self.service_pack = params.service_pack
        self.hangs = params.service_pack in HANGS_AFTER_PACK
        self.poll_min = params.poll_interval_min
        self.pack_interval_min = params.pack_interval_h * 60
        pack = params.pack_time or first_pack(params.start)
        offset = (pack - params.start).total_seconds() / 60
        if offset < 0:  # PackTime in the past: the next pack is the first interval after start
            offset %= self.pack_interval_min
        self.first_pack_min = offset
        self.status: list[StatusMessage] = []
        #: Called with a server's number each time its service starts afresh (Remodbc.exe's memory with it).
        self.on_start: list[Callable[[int], None]] = []

    def start(self) -> None:
        scheduler = self.scheduler
        scheduler.schedule(self.first_pack_min, self.pack, priority=STATE)
        scheduler.schedule(self.poll_min, self.poll, priority=OBSERVE)

    def set_state(self, server: int, state: str, reason: str) -> None:
        """``server``'s service is now in ``state``, for ``reason`` (one of :data:`kbsim.model.record.REASONS`)."""
        if self.state[server] != state:
            self.state[server] = state
            self.log.add(self.scheduler.now, "service_state", -1, server, -1, state=state, reason=reason)

    def server_down(self, server: int) -> None:
        """The server went offline (an outage): its service is not running."""
        self.set_state(server, STOPPED, "offline")

    def server_up(self, server: int) -> None:
        """The server came back: its service starts afresh, which clears a hang."""
        self.set_state(server, RUNNING, "back online")
        for started in self.on_start:
            started(server)

    def pack(self, _: object = None) -> None:
        """The weekly FoxPro pack on every server that is up (a server offline has its service stopped)."""
        now = self.scheduler.now
        for s in range(len(self.state)):
            if self.state[s] in (STOPPED, HUNG):
                continue
            self.log.add(now, "pack", -1, s, -1)
            if self.hangs and self.state[s] == RUNNING:
                self.set_state(s, STOP_PENDING, f"pack under {self.service_pack}")
        self.scheduler.schedule(now + self.pack_interval_min, self.pack, priority=STATE)

    def poll(self, _: object = None) -> None:
        """SMS_LICENSE_SERVER_MANAGER's polling cycle: 9406 for every server it cannot see running."""
        now = self.scheduler.now
        for s, state in enumerate(self.state):
            if state == RUNNING:
                continue
            cause = {STOP_PENDING: WIN32_1061, HUNG: STOP_FAILED}.get(state, NOT_ANSWERING)
            text = f"The software metering server service is not running on SWM{s} ({cause})."
            self.status.append((now, s, MESSAGE_9406, state, text))
        self.scheduler.schedule(now + self.poll_min, self.poll, priority=OBSERVE)


@dataclass(frozen=True)
class RemodbcConfig:
    """What kbsim uses of a Remodbc.ini: when the next pack is due and how often packs run."""

    path: str
    pack_time: datetime
    pack_interval_s: int | None = None

    def overrides(self) -> dict[str, Any]:
        """Parameter overrides for :func:`kbsim.run`: ``run(preset, **config.overrides())``."""
        values: dict[str, Any] = {"pack_time": self.pack_time}
        if self.pack_interval_s is not None:
            values["pack_interval_h"] = self.pack_interval_s / 3600
        return values


class _IniParser(configparser.ConfigParser):
    """INI keys are case-insensitive on Windows: ``PackTime`` and ``packtime`` are one key."""

    def optionxform(self, optionstr: str) -> str:
        return optionstr.lower()


def read_remodbc(path: str | Path) -> RemodbcConfig:
    """Read PackTime (seconds since 1970-01-01, Q299261) and PackInterval ([DS], Q213171) from a Remodbc.ini.

    PackTime is read as a naive date and time, as the server's clock showed it.
    Any problem raises one ParameterError naming the file and the entry.
    """
    if not isinstance(path, (str, Path)) or (isinstance(path, str) and not path.strip()):
        raise ParameterError(f"path={path!r} is not allowed: expected the path of a Remodbc.ini file, as text")
    path = Path(path)
    parser = _IniParser(interpolation=None, strict=True)
    try:
        text = ini_text(path.read_bytes())
    except OSError as exc:
        raise ParameterError(f"{path}: cannot read the Remodbc.ini file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ParameterError(
            f"{path}: not text in UTF-16 (its byte-order mark says so, but it cannot be read as such): "
            "expected an INI file as Windows saves it (ANSI, UTF-8 or UTF-16)"
        ) from None
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip().startswith("[")), 0)
    text = "\n".join(lines[first:])  # Windows' profile functions ignore what comes before the first section
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as exc:
        first_line = str(exc).splitlines()[0]
        raise ParameterError(f"{path}: not a valid INI file: {first_line}") from None
    found = {section: parser[section] for section in parser.sections()}
    with_pack = [s for s, values in found.items() if "packtime" in values]
    if not with_pack:
        raise ParameterError(
            f"{path}: no PackTime entry in any section; expected PackTime=<seconds since 1970-01-01>, e.g. "
            f"PackTime=991533599"
        )
    section = "DS" if "DS" in with_pack else with_pack[0]
    pack_time = datetime.fromtimestamp(_seconds(path, section, "PackTime", found[section]["packtime"], 0), UTC)
    interval = None
    for name, values in found.items():
        if "packinterval" in values:
            interval = _seconds(path, name, "PackInterval", values["packinterval"], 3600)
            break
    return RemodbcConfig(str(path), pack_time.replace(tzinfo=None), interval)


def ini_text(data: bytes) -> str:
    """An INI file's bytes as text, in the encodings Windows saves them in: UTF-16 or UTF-8 with a
    byte-order mark (Notepad's "Unicode" and "UTF-8"), UTF-16 without one (every other byte NUL),
    UTF-8, or else the ANSI code page (read as Latin-1, which takes any byte)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if len(data) >= 2 and len(data) % 2 == 0 and data[1::2].count(0) > len(data) // 4 and data[0] != 0:
        return data.decode("utf-16-le")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _seconds(path: Path, section: str, entry: str, raw: str, minimum: int) -> int:
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or not minimum <= int(text) < 2**32:
        raise ParameterError(
            f"{path}: [{section}] {entry}={raw!r} is not allowed: expected whole seconds from {minimum} to {2**32 - 1}"
        )
    return int(text)
