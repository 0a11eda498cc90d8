"""A run's events as the logs an SMS 2.0 administrator read: LICSRVC.log, status messages, Liccli.log.

* :func:`licsrvc`: the site server's LICSRVC.log, written by the License
  Metering thread (``LICENSE_METERING``): scheduled balancing cycles (and how
  late on-demand work made them), servers it could not read over ODBC,
  on-demand moves and the callbacks it answered or let lapse (Q210202).
* :func:`status_messages`: the status messages of SMS_LICENSE_SERVER_MANAGER
  (9406, Q299261) as the SMS Administrator console's status message viewer
  listed them: severity, date/time, site code, component, message ID, description.
* :func:`client_log`: one client's Liccli.log: licence requests, failed
  contacts, retries, failovers and reconnects (Q226827, Q212894), offline
  uploads and the uploads a lagging clock holds back (Q213261) or a
  NextOfflineSyncTime stored while the clock ran ahead delays (Q311764).

Log lines follow SMS 2.0's own layout, ``text  $$<COMPONENT><Fri Jun 01
04:00:00.000 2001><thread=N (0xN)>``, stamped with the clock of the computer
that writes them: the site server's, or the client's own, which runs
``clock_offset_min`` behind on a skewed client, or ``clock_ahead_min`` ahead on a
client set ahead, until ``clock_sync_h``. The model keeps no time zone,
so the zone name SMS appended is left out. The strings paraphrase those quoted
in the articles; short identifiers (error codes, component names) are kept as
they were. Each of the three takes a Result and returns a list of lines (a
Result stays pure data); :func:`render` gives one log as text, :func:`write_logs`
writes the files and :func:`show` displays lines in a notebook.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..model.errors import ParameterError, unknown_name
from ..model.parameters import plain
from ..model.record import Facts, sentence
from ..model.result import Result
from .outputs import as_path, check_folder, write_texts

#: The site code shown in the status message viewer (the model has one site).
SITE_CODE = "KB1"
#: Log files, by the name the command line's ``--log`` gives them.
LOG_FILES = {"licsrvc": "LICSRVC.log", "status": "status.txt", "client": "Liccli.log"}
#: The client agent's program, by operating system (Licclint.exe, Liccli95.exe).
CLIENT_AGENT = {"Windows NT": "Licclint", "Windows 95/98": "Liccli95"}
#: Severity of each status message the model raises, as the viewer showed it.
SEVERITY = {9406: "Error"}
COMPONENT_MANAGER = "SMS_LICENSE_SERVER_MANAGER"
COMPONENT_METERING = "LICENSE_METERING"
#: Liccli.log's words for a contact that failed (a launch's or a retry's).
CONNECT_FAILED = "Failed to connect to the pipe-service"
#: Liccli.log's words for an upload a lagging clock held back (Q213261).
UPLOAD_NOT_ATTEMPTED = "Offline upload not attempted"
#: Liccli.log's words for a poll whose upload waits for a NextOfflineSyncTime still to come (Q311764).
UPLOAD_NOT_DUE = "Offline upload not due yet"
_THREAD = {COMPONENT_METERING: 1452, "Licclint": 212, "Liccli95": 212}
#: LICSRVC.log's line for each balancing event kind, and for Remodbc.exe's restarts and hangs (Q245271); fields:
#: server, product, detail.
_LICSRVC_LINES = {
    "balancing": "License balancing (scheduled), {detail}.",
    "balancing_skipped": "SWM{server}: {detail}; server left out of this cycle.",
    "instant_balancing": "Instant license balancing to SWM{server}, product {product}: {detail}.",
    "instant_balancing_failed": "Instant license balancing to SWM{server}, product {product} failed: {detail}.",
    "callback_granted": "Callback answered on SWM{server}, product {product}: a licence is free, the user is told.",
    "callback_lapsed": "Callback on SWM{server}, product {product} expired: {detail}.",
    "remodbc_restart": "SWM{server}: {detail} (memory above the threshold).",
    "remodbc_hang": "SWM{server}: {detail}.",
    "reboot": "SWM{server}: server rebooted; SMS_LICENSE_SERVER started.",
}
#: Liccli.log's lines for each client event kind; fields: pipe, product, detail.
_CLIENT_LINES = {
    "grant": ("Requesting use of product {product} from {pipe} ... OK",),
    "deny": ("Requesting use of product {product} from {pipe} ... DENIED: no licence available",),
    "callback": ("Callback requested: the user will be told when product {product} is free on {pipe}",),
    "callback_granted": ("Callback from {pipe}: product {product} can now be used ... OK",),
    "callback_lapsed": ("Callback for product {product} on {pipe} expired: {detail}",),
    "logged_locally": ("Product {product} started: metered off-line, written to the off-line licensing log",),
    "contact_failed": (f"FAILED - Severity:0 Error:2 {CONNECT_FAILED} on {{pipe}}",),
    "failover": ("Switching to metering server {pipe}: {detail}",),
    "rebind": ("Server list re-read (CCIM cycle or restart): now using {pipe}",),
    "retry": (f"FAILED - Severity:0 Error:2 {CONNECT_FAILED} on {{pipe}} ({{detail}})",),
    "reconnect": ("Connected to the pipe-service on {pipe}: back on-line",),
    "upload": ("Copying reintegration data to server...", "Offline upload successful: {detail}"),
    "upload_refused": (f"{UPLOAD_NOT_ATTEMPTED}: {{detail}}",),
    "upload_skipped": (f"{UPLOAD_NOT_DUE}: {{detail}}",),
    "restart": ("Client restarted: client configuration cycle (CCIM) started",),
    "clock_sync": ("Date and time changed: {detail}",),
    "reinstall": ("Client components removed and installed again: {detail}",),
    "configuration_downloaded": ("Downloading client configuration...", "OK: {detail}"),
    "configuration_failed": ("{detail}",),
    "launch_stopped": ("Product {product} has no allowed access time: not started (forbidden program)",),
}
#: The event kinds each log writes a line for (and the typed facts of a mystery site's evidence keep).
LICSRVC_EVENTS = tuple(_LICSRVC_LINES)
CLIENT_EVENTS = tuple(_CLIENT_LINES)
_STATUS_WIDTHS = (("Severity", 9), ("Date / Time", 24), ("Site code", 10), ("Component", 28), ("Message ID", 11))


def log_line(text: str, component: str, time: pd.Timestamp) -> str:
    """One line in SMS 2.0's log layout: the text, then ``$$<component><time><thread>``."""
    thread = _THREAD.get(component, 1)
    stamp = f"{time:%a %b %d %H:%M:%S}.{time.microsecond // 1000:03d} {time:%Y}"
    return f"{text}  $$<{component}><{stamp}><thread={thread} (0x{thread:X})>"


def licsrvc(result: Result) -> list[str]:
    """LICSRVC.log on the site server: every balancing cycle, skipped server and instant balancing (Q210202), and
    every restart of Remodbc.exe, hang and reboot (Q245271)."""
    events = _result(result).events
    events = events[events["kind"].isin(list(_LICSRVC_LINES))]
    lines = []
    for time, kind, server, product, detail in events[["time", "kind", "server", "product", "detail"]].itertuples(
        index=False
    ):
        text = _LICSRVC_LINES[kind].format(server=server, product=product, detail=detail)
        lines.append(log_line(text, COMPONENT_METERING, time))
    return lines


def status_messages(result: Result, site_code: str = SITE_CODE) -> list[str]:
    """The run's status messages as the console's status message viewer listed them (Q299261).

    Oldest first, with a header.
    """
    _result(result)
    header = "".join(f"{name:{width}}" for name, width in _STATUS_WIDTHS) + "Description"
    lines = [header]
    for time, message_id, text in result.status[["time", "message_id", "text"]].itertuples(index=False):
        cells = (SEVERITY.get(message_id, "Error"), _console_time(time), site_code, COMPONENT_MANAGER, str(message_id))
        lines.append("".join(f"{cell:{width}}" for cell, (_, width) in zip(cells, _STATUS_WIDTHS)) + text)
    return lines


def client_log(result: Result, client: int, lag_shown: bool = True) -> list[str]:
    """Liccli.log of one client, stamped with that client's own clock (Q226827, Q212894, Q213261).

    ``lag_shown=False``: a refused upload does not say by how many minutes the clock lagged (a mystery site's
    evidence: on a real client the administrator reads the lag off the clock); it is written from the event's
    facts without it."""
    n_clients = _result(result).params.n_clients
    client = plain(client)
    if not isinstance(client, int) or isinstance(client, bool) or not 0 <= client < n_clients:
        raise ParameterError(
            f"client={client!r} is not a client of this run: expected a number from 0 to {n_clients - 1}"
        )
    usage = result.usage.iloc[client]
    agent = CLIENT_AGENT[usage["os"]]
    # Q213261 behind, Q311764 ahead (a negative lag): from clock_sync_h on the client's clock is right
    lag = pd.Timedelta(minutes=float(usage["clock_offset_min"]) - float(usage["clock_ahead_min"]))
    synced_h = result.params.clock_sync_h
    events = result.events
    mine = events[
        (events["client"].to_numpy(dtype="int64", na_value=-1) == client) & events["kind"].isin(list(_CLIENT_LINES))
    ]
    # A failed contact or retry after which the client tries again carries its cadence then (Windows 95/98's own
    # while it knows one server, Q212894), as the client agent scheduled it; one that failed over does not.
    columns = ["time", "hours", "kind", "server", "product", "detail", "minutes", "runs"]
    lines = []
    for time, hours, kind, server, product, detail, retry_min, runs in mine[columns].itertuples(index=False):
        if kind == "upload_refused" and not lag_shown:
            detail = sentence(kind, Facts(runs=int(runs)))
        texts = [line.format(pipe=f"\\\\SWM{server}", product=product, detail=detail) for line in _CLIENT_LINES[kind]]
        if kind in ("retry", "contact_failed") and not pd.isna(retry_min):
            texts.append(f"+ON +: Will try again in {float(retry_min) * 60:g} secs.")
        lines += [log_line(text, agent, time - lag if hours < synced_h else time) for text in texts]
    return lines


def troubled_client(result: Result) -> int:
    """The first client that failed to reach a server or held back its log; else the first with any event; else 0."""
    events = _result(result).events
    clients = events["client"].to_numpy(dtype="int64", na_value=-1)
    for kinds in (("contact_failed", "upload_refused", "upload_skipped"), list(_CLIENT_LINES)):
        picked = clients[events["kind"].isin(kinds).to_numpy() & (clients >= 0)]
        if len(picked):
            return int(picked[0])
    return 0


def write_logs(
    result: Result,
    directory: str | Path,
    logs: tuple[str, ...] = tuple(LOG_FILES),
    client: int | None = None,
    overwrite: bool = False,
) -> list[Path]:
    """Write LICSRVC.log, status.txt and Liccli.log (``client``, default :func:`troubled_client`) into ``directory``.

    Each file is written whole or not at all (:mod:`kbsim.analysis.outputs`); existing files are
    replaced only with ``overwrite=True`` (``--force``).
    """
    _result(result)
    directory = as_path(directory, "directory")
    if isinstance(logs, str) or not isinstance(logs, (tuple, list)):
        raise ParameterError(f"logs={logs!r} is not allowed: expected a tuple of log names from {tuple(LOG_FILES)}")
    for name in logs:
        if name not in LOG_FILES:
            raise unknown_name("log", name, LOG_FILES, where="write_logs: ")
    check_folder(directory, [LOG_FILES[name] for name in logs], overwrite)
    texts = {LOG_FILES[name]: render(result, name, client) for name in logs}
    return write_texts(directory, texts, overwrite)


def render(result: Result, log: str, client: int | None = None) -> str:
    """One log as text, one line each: ``log`` is ``licsrvc``, ``status`` or ``client``."""
    if log not in LOG_FILES:
        raise unknown_name("log", log, LOG_FILES)
    if log == "licsrvc":
        lines = licsrvc(result)
    elif log == "status":
        lines = status_messages(result)
    else:
        lines = client_log(result, troubled_client(result) if client is None else client)
    return "".join(line + "\n" for line in lines)


class LogText(str):
    """Log lines as one string that a notebook shows as the text itself, not as a quoted string."""

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(str(self))


def show(lines: list[str], count: int | None = None, start_at: str = "") -> LogText:
    """Lines of a log for a notebook cell to show.

    ``count`` of them (default all) from the first containing ``start_at``.
    """
    if isinstance(lines, str) or not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
        raise ParameterError(f"lines={lines!r:.60} is not allowed: expected a log's lines, a list of text")
    count = plain(count)
    if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 0):
        raise ParameterError(f"count={count!r} is not allowed: expected a number of lines from 0, or None for all")
    if not isinstance(start_at, str):
        raise ParameterError(f"start_at={start_at!r} is not allowed: expected text that a line contains")
    first = next((i for i, line in enumerate(lines) if start_at in line), None)
    if first is None:
        raise ParameterError(f"start_at={start_at!r}: no line of this log contains it")
    return LogText("\n".join(lines[first:] if count is None else lines[first : first + count]))


def _result(result: Any) -> Result:
    """``result`` if it is a run's Result; anything else is a ParameterError naming it."""
    if not isinstance(result, Result):
        raise ParameterError(f"result={type(result).__name__} is not allowed: expected a kbsim.Result (kbsim.run's)")
    return result


def _console_time(time: pd.Timestamp) -> str:
    """Date and time as the console showed them, e.g. 6/3/2001 2:15:00 AM."""
    hour = time.hour % 12 or 12
    return f"{time.month}/{time.day}/{time.year} {hour}:{time:%M:%S} {'AM' if time.hour < 12 else 'PM'}"
