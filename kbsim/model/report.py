"""What a finished site reports: its offline logs settled, its tables, its summary and notes, as a Result.

The event loop has run; what is left is computed here, all at once: the offline
logs' uploads (:func:`kbsim.model.usage.settle_uploads`) and the clock workaround of
Q213261 as events, the usage, licence and status tables, the summary numbers
(:mod:`kbsim.model.summary`) and the notes that say in words what the run lost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .balancing import BalancingCounts
from .callbacks import CallbackCounts
from .clients import AgentCounts
from .configuration import ConfigurationCounts
from .launches import Clients
from .parameters import Params
from .phantoms import PhantomCounts
from .record import EventLog, clock
from .remodbc import RemodbcCounts
from .result import Result
from .sampling import SampledLicences
from .service import StatusMessage
from .summary import Finished, summarize
from .usage import settle_uploads, upload_blocked_until

#: A client's operating system as the usage table's ``os`` column names it (Q212894: 95/98 clients are bound to one
#: server until their first CCIM cycle).
WINDOWS_NT, WINDOWS_9X = "Windows NT", "Windows 95/98"


@dataclass(frozen=True)
class Ended:
    """What a site hands to its report when its run has ended: the parameters, the run's length (``until``,
    minutes), the event record (which the report completes with the offline logs' uploads), the clients as
    drawn, and each mechanism's final record: the agents', License Metering's, the callbacks', the phantoms'
    (Q226838), the licence samples, the status messages 9406 raised (Q299261), Remodbc.exe's restarts and hangs
    (Q245271), the client configuration's downloads (Q244906) and the spans when no server at all was up."""

    params: Params
    until: float
    log: EventLog
    clients: Clients
    agents: AgentCounts
    balancer: BalancingCounts
    callbacks: CallbackCounts
    phantoms: PhantomCounts
    samples: SampledLicences
    status: tuple[StatusMessage, ...]
    remodbc: RemodbcCounts
    configuration: ConfigurationCounts
    all_down: tuple[tuple[float, float], ...]


def report(ended: Ended, *, preset: str = "", variant: str = "", base: Params | None = None) -> Result:
    """The Result of a site whose run has ended, built with its provenance: the ``preset`` and ``variant`` it
    was started from and the parameters they give (``base``; see :class:`~kbsim.model.result.Result`)."""
    params, agents, clients, log = ended.params, ended.agents, ended.clients, ended.log
    start = pd.Timestamp(params.start)
    blocked_until = upload_blocked_until(
        clients.install_min,
        clients.clock_lag_min,
        params.clock_threshold_min,
        params.service_pack,
        params.clock_sync_h * 60,
        clients.reinstall_min,
        params.clock_fault_fixed_in,
    )
    uploads = settle_uploads(
        agents.logged_time,
        agents.logged_client,
        params.n_clients,
        clients.poll_phase_min,
        params.config_poll_min,
        ended.until,
        blocked_until,
        clients.reinstall_min,
        list(ended.all_down),
        ahead_min=clients.clock_ahead_min,
        sync_min=params.clock_sync_h * 60,
        install_min=clients.install_min,
    )
    _log_clock_workaround(ended, uploads.lost)
    log.extend(uploads.upload_time, "upload", uploads.upload_client, -1, -1, runs=uploads.upload_count)
    log.extend(
        uploads.refused_time,
        "upload_refused",
        uploads.refused_client,
        -1,
        -1,
        runs=uploads.refused_count,
        minutes=clients.clock_lag_min[uploads.refused_client],
    )
    log.extend(
        uploads.skipped_time,
        "upload_skipped",
        uploads.skipped_client,
        -1,
        -1,
        runs=uploads.skipped_count,
        minutes=uploads.skipped_wait,
    )

    granted = agents.granted
    usage = pd.DataFrame(
        {
            "client": np.arange(params.n_clients),
            "os": np.where(clients.win9x, WINDOWS_9X, WINDOWS_NT),
            "home_server": agents.home,
            "clock_offset_min": clients.clock_lag_min,
            "clock_ahead_min": clients.clock_ahead_min,
            "sessions": granted + uploads.logged,
            "reported": granted + uploads.reported,
            "pending": uploads.pending,
            "unreported": uploads.unreported,
            "stalled": uploads.stalled,
            "upload_stall_h": uploads.stall_min / 60.0,
            "lost_at_reinstall": uploads.lost,
            "first_ccim_h": np.where(clients.win9x, agents.knows_all_at / 60.0, np.nan),
            "configuration_h": np.where(
                np.isfinite(ended.configuration.downloaded_at), ended.configuration.downloaded_at / 60.0, np.nan
            ),
        }
    )
    licenses = ended.samples.table(start)
    status = pd.DataFrame(list(ended.status), columns=["minutes", "server", "message_id", "state", "text"])
    minutes = status.pop("minutes").to_numpy(dtype=float)
    status.insert(0, "time", clock(start, minutes))
    status.insert(1, "hours", minutes / 60.0)

    misplaced, interval_h = ended.samples.idle_while_refused(
        agents.refused_time, agents.refused_server, agents.refused_product
    )
    summary = summarize(
        Finished(
            agents=agents,
            balancer=ended.balancer,
            callbacks=ended.callbacks,
            remodbc=ended.remodbc,
            configuration=ended.configuration,
            phantoms=ended.phantoms,
            until=ended.until,
            usage=usage,
            status=status,
            misplaced=misplaced,
            interval_h=interval_h,
            win9x=clients.win9x,
        )
    )
    return Result(
        params=params,
        summary=summary,
        events=log.to_frame(start),
        licenses=licenses,
        usage=usage,
        status=status,
        notes=_notes(usage, summary, params),
        preset=preset,
        variant=variant,
        base=base,
    )


def _log_clock_workaround(ended: Ended, lost: np.ndarray) -> None:
    """The clock correction of the clients whose clocks lag (Q213261) or run ahead (Q311764, set back: negative
    minutes), and their reinstall, as events."""
    params, clients, until, log = ended.params, ended.clients, ended.until, ended.log
    skewed = np.flatnonzero(clients.skewed)
    if params.clock_sync_h * 60 < until and len(skewed):
        log.extend(
            np.full(len(skewed), params.clock_sync_h * 60),
            "clock_sync",
            skewed,
            -1,
            -1,
            minutes=params.clock_offset_min,
        )
    ahead = np.flatnonzero(clients.ahead)
    if params.clock_sync_h * 60 < until and len(ahead) and params.clock_ahead_min > 0:
        log.extend(
            np.full(len(ahead), params.clock_sync_h * 60),
            "clock_sync",
            ahead,
            -1,
            -1,
            minutes=-params.clock_ahead_min,
        )
    again = np.flatnonzero(clients.reinstall_min < until)
    if len(again):
        log.extend(clients.reinstall_min[again], "reinstall", again, -1, -1, runs=lost[again])


def _notes(usage: pd.DataFrame, summary: dict, params: Params) -> list[str]:
    notes = []
    held = usage[usage["unreported"] > 0]
    if len(held):
        synced = ""
        if params.reinstall_h < min(params.clock_sync_h, params.days * 24):
            synced = (
                f" The reinstall at {params.reinstall_h:g} h came before their clocks were set right, "
                "so it installed the same fault again."
            )
        elif params.clock_sync_h < params.days * 24:
            synced = (
                f" Setting their clocks right at {params.clock_sync_h:g} h did not help: the state was set "
                "at install, and the clients were not reinstalled after it."
            )
        notes.append(
            f"{int(held['unreported'].sum())} runs on {len(held)} clients were never uploaded: their clocks lagged the "
            f"site server by {params.clock_offset_min:g} min when their client software was installed, beyond the "
            f"{params.clock_threshold_min:g}-minute threshold (Q213261). They are still in those clients' logs.{synced}"
        )
    lost = usage[usage["lost_at_reinstall"] > 0]
    if len(lost):
        ahead = lost["clock_ahead_min"] > 0  # Q311764's clients; the others lagged (Q213261)
        workaround = (
            "Q311764's workaround"
            if ahead.all()
            else "Q213261's workaround"
            if not ahead.any()
            else "the workaround of Q213261 and Q311764"
        )
        notes.append(
            f"{int(lost['lost_at_reinstall'].sum())} runs held in the offline logs of {len(lost)} clients were deleted "
            f"when their client software was removed at {params.reinstall_h:g} h ({workaround}; the logs live "
            "in the client's own folder, which the removal deletes). They are counted as lost at reinstall."
        )
    stalled = usage[usage["stalled"] > 0]
    if len(stalled):
        notes.append(
            f"{int(stalled['stalled'].sum())} runs on {len(stalled)} clients were still held at the end because those "
            f"clients' stored NextOfflineSyncTime lay ahead of their clocks: they uploaded while their clocks ran "
            f"{params.clock_ahead_min:g} min ahead, and after the clocks were set right at {params.clock_sync_h:g} h "
            "they wait for that time to come round (Q311764, Q226832). The runs are still in their logs."
        )
    if summary["sessions_pending"]:
        notes.append(
            f"{summary['sessions_pending']} runs were logged after their client's last poll and wait for the next one."
        )
    if summary["attempts_no_server"]:
        notes.append(
            f"Clients made {summary['attempts_no_server']} connection attempts while no server was up (Q226827)."
        )
    return notes
