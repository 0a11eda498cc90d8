"""What an administrator could see of a site: console numbers, settings, status messages, logs, tables.

:func:`collect` turns a run into :class:`Evidence` and keeps nothing else of
it: no parameters beyond the settings the SMS Administrator console shows
(:data:`CONSOLE_SETTINGS`), no summary number beyond the console's
(:data:`CONSOLE_SUMMARY`), no hidden cause. Mystery sites (:mod:`kbsim.teaching.mystery`)
show a student only this, and the reference diagnosis (:mod:`kbsim.teaching.diagnosis`)
reads only this.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from ..analysis.logs import CLIENT_EVENTS, LICSRVC_EVENTS, client_log, licsrvc, status_messages
from ..analysis.outputs import as_path, write_texts
from ..model.result import Result

#: Settings the console shows: site size, the client agent's and License Metering's settings, the service pack.
CONSOLE_SETTINGS = (
    "n_servers",
    "n_clients",
    "n_products",
    "licenses",
    "mode",
    "retries",
    "retry_delay_min",
    "config_poll_min",
    "balancing_interval_h",
    "instant_balancing",
    "min_licenses",
    "buffer",
    "reserve_pct",
    "callback_duration_min",
    "service_pack",
    "poll_interval_min",
    "days",
    "start",
)
#: Summary numbers the console's Software Metering and status views give.
CONSOLE_SUMMARY = (
    "requests",
    "grants",
    "denials",
    "denial_rate",
    "callbacks",
    "callbacks_granted",
    "callbacks_lapsed",
    "balancing_cycles",
    "instant_balancings",
    "licenses_moved",
    "sessions_reported",
    "status_9406",
)
#: The evidence as files, by name.
FILES = {
    "summary": "summary.txt",
    "settings": "settings.txt",
    "status": "status.txt",
    "licsrvc": "LICSRVC.log",
    "client": "Liccli.log",
    "usage": "usage_by_computer.csv",
    "licences": "licences.csv",
    "requests": "requests.csv",
}
#: The facts of each log's lines, typed (:class:`Evidence`'s ``status_facts``, ``licsrvc_facts``, ``client_facts``):
#: what the lines say, as a rule reads it, so that no rule parses a number or a fact out of a sentence.
STATUS_FACTS = ("time", "server", "message_id", "state")
LICSRVC_FACTS = ("time", "kind", "server", "product", "reason")
CLIENT_FACTS = ("time", "kind", "server", "product", "runs")


@dataclass(frozen=True)
class Evidence:
    """One site as its administrator saw it. Times are the site server's clock; ``hours`` from the run's start.

    * ``settings``: the console's settings (:data:`CONSOLE_SETTINGS`), plain values;
    * ``summary``: the console's numbers (:data:`CONSOLE_SUMMARY`);
    * ``status``, ``licsrvc``, ``client_log``: lines of the status message viewer, LICSRVC.log and the
      Liccli.log of computer ``client`` (the one whose user complained first);
    * ``usage``: computer, os, runs_reported (the Software Metering summary by computer);
    * ``licences``: time, hours, server, up, free, in_use (15-minute samples; server -1 the reserve pool);
    * ``requests``: time, hours, server, outcome (granted or denied) of every licence request;
    * ``status_facts``, ``licsrvc_facts``, ``client_facts``: what the status messages, LICSRVC.log and the Liccli.log
      say, as typed facts (:data:`STATUS_FACTS`, :data:`LICSRVC_FACTS`, :data:`CLIENT_FACTS`), one row per message
      or logged event in the order of the lines (site server's clock); nothing the lines do not say (not the lag
      of a clock, which Liccli.log does not name here).
    """

    title: str
    settings: dict[str, Any]
    summary: dict[str, float]
    status: list[str]
    licsrvc: list[str]
    client: int
    client_log: list[str]
    usage: pd.DataFrame
    licences: pd.DataFrame
    requests: pd.DataFrame
    status_facts: pd.DataFrame
    licsrvc_facts: pd.DataFrame
    client_facts: pd.DataFrame

    @property
    def start(self) -> datetime:
        return self.settings["start"]

    def texts(self) -> dict[str, str]:
        """Every pane as the text of its file (:data:`FILES`)."""
        summary = "".join(f"{k:20} {_shown(v)}\n" for k, v in self.summary.items())
        settings = "".join(f"{k:22} {_shown(v)}\n" for k, v in self.settings.items())
        return {
            "summary": f"{self.title}\n\n{summary}",
            "settings": settings,
            "status": _lines(self.status),
            "licsrvc": _lines(self.licsrvc),
            "client": f"# Liccli.log of computer {self.client}\n" + _lines(self.client_log),
            "usage": self.usage.to_csv(index=False),
            "licences": self.licences.to_csv(index=False),
            "requests": self.requests.to_csv(index=False),
        }

    def write(self, directory: str | Path, overwrite: bool = False) -> list[Path]:
        """Write every pane into ``directory`` (made if missing), each file whole or not at all
        (:mod:`kbsim.analysis.outputs`); existing files are replaced only with ``overwrite=True``. Return the paths."""
        directory = as_path(directory, "directory")
        return write_texts(directory, {FILES[name]: text for name, text in self.texts().items()}, overwrite)

    def summary_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"value": pd.Series({k: _readable(v) for k, v in self.summary.items()}, dtype=object)})

    def settings_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"value": pd.Series({k: _shown(v) for k, v in self.settings.items()}, dtype=object)})


def collect(result: Result, seed: int, level: int) -> Evidence:
    """The evidence of a run, and nothing else of it."""
    params, events = result.params, result.events
    client = _complaining_client(result)
    settings = {name: getattr(params, name) for name in CONSOLE_SETTINGS}
    asked = events[events["kind"].isin(["grant", "deny"])]
    requests = pd.DataFrame(
        {
            "time": asked["time"].to_numpy(),
            "hours": asked["hours"].to_numpy(),
            "server": asked["server"].to_numpy(),
            "outcome": asked["kind"].map({"grant": "granted", "deny": "denied"}).to_numpy(),
        }
    )
    licences = result.licenses[result.licenses["product"] == 0][["time", "hours", "server", "up", "free", "in_use"]]
    usage = pd.DataFrame(
        {"computer": result.usage["client"], "os": result.usage["os"], "runs_reported": result.usage["reported"]}
    )
    return Evidence(
        title=f"Mystery site {seed} (level {level})",
        settings=settings,
        summary={k: result.summary[k] for k in CONSOLE_SUMMARY},
        status=status_messages(result),
        licsrvc=licsrvc(result),
        client=client,
        # Liccli.log's refusal does not name the lag: on a real client the administrator reads it off the clock.
        client_log=client_log(result, client, lag_shown=False),
        usage=usage,
        licences=licences.reset_index(drop=True),
        requests=requests,
        status_facts=result.status[list(STATUS_FACTS)].reset_index(drop=True),
        licsrvc_facts=_facts(events, LICSRVC_EVENTS, LICSRVC_FACTS),
        client_facts=_facts(
            events[events["client"].to_numpy(dtype="int64", na_value=-1) == client], CLIENT_EVENTS, CLIENT_FACTS
        ),
    )


def _facts(events: pd.DataFrame, kinds: tuple[str, ...], columns: tuple[str, ...]) -> pd.DataFrame:
    """The facts of the events a log writes a line for (``kinds``), in the log's order."""
    return events.loc[events["kind"].isin(kinds), list(columns)].reset_index(drop=True)


def _complaining_client(result: Result) -> int:
    """The computer whose user would call first: most failed contacts, else a refused upload, else an upload skipped
    as not due yet (its runs never show), else most denials."""
    events = result.events
    for kinds in (
        ("contact_failed", "retry"),
        ("upload_refused",),
        ("upload_skipped",),
        ("deny",),
        ("grant", "logged_locally"),
    ):
        mine = events.loc[events["kind"].isin(kinds) & (events["client"] >= 0), "client"]
        if len(mine):
            counts = mine.value_counts().sort_index(kind="stable")
            return int(counts.index[int(counts.argmax())])
    return 0


def _lines(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, datetime):
        return f"{value:%a %Y-%m-%d %H:%M}"
    return str(value)


def _readable(value: float) -> float:
    return round(value, 3) if isinstance(value, float) else value
