"""Offline usage logs and their upload at configuration polls (Q213261).

Every run a client meters locally (offline mode, or online while it cannot
reach a server) goes into its local log. At each configuration poll (every
``config_poll_min``, from a random phase) the agent uploads the log to any
metering server that answers.

Q213261 (written for SMS 2.0, SP1 and SP2; it names no fix, and no later fix
list, SP3's Q280756, SP4's Q308269 or the SP4 rollup's Q323206, names it, so
the fault applies at every ``service_pack`` unless ``clock_fault_fixed_in``,
an assumption, says from which pack it is gone): a client whose clock lagged the site
server by more than ``clock_threshold_min`` *when its metering software was
installed* never uploads. The state is set at install, which is why the
article's workaround is remove, set the clock, reinstall: setting the clock
alone (``clock_sync_h``) changes nothing, a reinstall after it
(``reinstall_h``) makes the client upload again, and a reinstall before it
installs the same fault again. The article does not say how far behind is
"significantly", so the threshold is a parameter.

What a reinstall costs: removing the client software deletes the client
folder that holds the offline logs (its ``LICMTR`` folder, Q290995; the removal
of Q199078), so every run still held in the log is lost at that moment. That
is inferred from where the sources put the logs; the articles do not say it.

Q311764 and Q226832 (SMS 2.0 to SP2), the mirror image: at each successful
upload the agent stores the time of the next one, NextOfflineSyncTime, as its
own clock then plus the configuration polling interval. A client whose clock
runs ``clock_ahead_min`` ahead stores a time that far in the future; once its
clock is set right (``clock_sync_h``) its polls skip the upload until its clock
reaches that stored time (:func:`next_sync_wait`). A reinstall deletes the stored
time (and the log). The poll cycle's timer counts elapsed time from the
client's phase [assumed]: with a constant clock every poll one interval after an
upload reads exactly the stored time, so a clock that is never changed keeps the
grid of polls it had. Only a successful upload stores a new time (the articles);
a poll that finds no server leaves the stored time as it was, so the next poll
tries again; a poll that reaches a server stores a new time even if its log
was empty [assumed].

Nothing else drops a record: each logged run ends the run reported (uploaded
at a poll), pending (waiting for the next poll), unreported (held back by the
clock bug at the end), stalled (held at the end by a NextOfflineSyncTime still
ahead of the client's clock) or lost (deleted with the client software at a
reinstall).

Polls are computed after the event loop, all at once: whether a poll
succeeds depends only on the client's upload state and on whether any server
is up, never on anything the loop changes, so the result is exactly what a
poll event per client would give, at a fraction of the cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: The service packs in the order they were released (the post-SP2 hotfix comes after SP2, before SP3).
SERVICE_PACK_ORDER = ("SP2", "SP2+hotfix", "SP3", "SP4")
NEVER = float("inf")
#: Minutes of slack when a poll's clock is compared with NextOfflineSyncTime: the poll one interval after an upload
#: reads exactly the stored time, whatever rounding the sums of the poll grid carry.
SLACK_MIN = 1e-6


def clock_fault_applies(service_pack: str, fixed_in: str) -> bool:
    """Whether Q213261's clock fault applies at ``service_pack`` when it was fixed in ``fixed_in``.

    ``fixed_in`` "none" (the sources: no fix list names Q213261): at every pack; "SP3" or "SP4" [assumed]:
    before that pack only.
    """
    if fixed_in == "none":
        return True
    return SERVICE_PACK_ORDER.index(service_pack) < SERVICE_PACK_ORDER.index(fixed_in)


def upload_blocked_until(
    install_min: np.ndarray,
    lag_min: np.ndarray,
    threshold_min: float,
    service_pack: str,
    sync_min: float,
    reinstall_min: np.ndarray,
    fixed_in: str,
) -> np.ndarray:
    """The minute until which each client refuses to upload: 0 (never refuses) or its reinstall, or inf.

    Q213261: the state is the clock lag *at install* (``install_min``): more than
    ``threshold_min`` behind and the client never uploads. A clock set right at
    ``sync_min`` does not change it; a reinstall at ``reinstall_min[c]`` (inf: none)
    installs afresh with the clock as it then is. Times are minutes from the run's start. At a
    ``service_pack`` from ``fixed_in`` on (an assumption: :func:`clock_fault_applies`) no client refuses.
    """
    if not clock_fault_applies(service_pack, fixed_in):
        return np.zeros(len(install_min))
    lagging = lag_min > threshold_min
    at_install = lagging & (install_min < sync_min)
    reinstalled = np.isfinite(reinstall_min) & (reinstall_min > install_min)
    fixed = reinstalled & ~(lagging & (reinstall_min < sync_min))
    return np.where(at_install, np.where(fixed, reinstall_min, NEVER), 0.0)


def next_sync_wait(
    poll: np.ndarray,
    succeeded: np.ndarray,
    poll_phase_min: np.ndarray,
    poll_interval_min: float,
    ahead_min: np.ndarray,
    sync_min: float,
    install_min: np.ndarray,
    wiped_at: np.ndarray,
) -> np.ndarray:
    """Per poll, the minutes the client's own clock still lacks to reach NextOfflineSyncTime (0: the upload is due).

    Q311764, Q226832: a successful upload stores NextOfflineSyncTime = the client's clock + ``poll_interval_min``.
    ``poll`` holds each client's polls (rows; minutes from the run's start), ``succeeded`` whether each would
    reach a server and upload if due. A client's clock runs ``ahead_min[c]`` ahead until ``sync_min`` and right
    after it. While the clock stays as it is each poll reads exactly the time the one before stored, so only the
    polls after the clock is set back can wait: until the last successful upload before ``sync_min`` (``u``, the
    poll before the run's start counting too when the client was installed by then) plus ``ahead_min`` plus the
    interval, or until a reinstall (``wiped_at``) deletes the stored time. A reinstall before ``sync_min`` deletes
    the time stored before it, and the uploads after it store a new one.
    """
    wait = np.zeros(poll.shape)
    rows = np.flatnonzero(ahead_min > 0)
    if not len(rows):
        return wait
    polls, ok, wipe = poll[rows], succeeded[rows], wiped_at[rows]
    since = np.where(wipe < sync_min, wipe, -np.inf)  # a reinstall before the clock is set right starts afresh
    earliest = np.maximum(install_min[rows], since)
    stored = ok & (polls < sync_min) & (polls >= earliest[:, None])
    last = np.where(stored, polls, -np.inf).max(axis=1, initial=-np.inf)
    before_run = poll_phase_min[rows] - poll_interval_min  # the poll before the run's start (servers up then)
    last = np.where(np.isinf(last) & (before_run >= earliest) & (before_run < sync_min), before_run, last)
    due = last + ahead_min[rows] + poll_interval_min  # NextOfflineSyncTime, on the clock as set right
    cleared = np.where(wipe >= sync_min, wipe, np.inf)
    waiting = (polls >= sync_min) & (polls < cleared[:, None]) & (polls < due[:, None] - SLACK_MIN)
    wait[rows] = np.where(waiting, due[:, None] - polls, 0.0)
    return wait


@dataclass
class Uploads:
    """Per-client outcome of the offline logs, and the upload events to record."""

    logged: np.ndarray
    reported: np.ndarray
    pending: np.ndarray
    unreported: np.ndarray
    stalled: np.ndarray
    stall_min: np.ndarray
    lost: np.ndarray
    upload_time: np.ndarray
    upload_client: np.ndarray
    upload_count: np.ndarray
    refused_time: np.ndarray
    refused_client: np.ndarray
    refused_count: np.ndarray
    skipped_time: np.ndarray
    skipped_client: np.ndarray
    skipped_count: np.ndarray
    skipped_wait: np.ndarray


def settle_uploads(
    logged_time: np.ndarray,
    logged_client: np.ndarray,
    n_clients: int,
    poll_phase_min: np.ndarray,
    poll_interval_min: float,
    until_min: float,
    blocked_until: np.ndarray,
    wiped_at: np.ndarray,
    all_down: list[tuple[float, float]],
    ahead_min: np.ndarray | None = None,
    sync_min: float = NEVER,
    install_min: np.ndarray | None = None,
) -> Uploads:
    """Decide, for every logged run, at which poll (if any) it was uploaded, or whether it was lost.

    ``blocked_until[c]``: client c refuses to upload at polls before this minute (0: never;
    inf: all run; see :func:`upload_blocked_until`). ``wiped_at[c]``: the minute its log is
    deleted by a reinstall (inf: never). ``all_down`` lists the spans (minutes) when no
    metering server answered. ``ahead_min[c]``: how far client c's clock runs ahead until
    ``sync_min`` (none by default), installed at ``install_min[c]``: its polls skip the upload
    while NextOfflineSyncTime lies ahead of its clock (:func:`next_sync_wait`, Q311764); a client
    whose last poll in the run was skipped so holds its runs as *stalled*.
    """
    polls_per_client = int(np.ceil(until_min / poll_interval_min)) + 1
    poll = poll_phase_min[:, None] + poll_interval_min * np.arange(polls_per_client)[None, :]
    valid = poll < until_min
    answered = valid.copy()
    for start, end in all_down:
        answered &= ~((poll >= start) & (poll < end))
    refusing = poll < blocked_until[:, None]
    if ahead_min is None:
        wait = np.zeros(poll.shape)
    else:
        installed = install_min if install_min is not None else np.full(n_clients, -NEVER)
        succeeded = answered & ~refusing
        wait = next_sync_wait(
            poll, succeeded, poll_phase_min, poll_interval_min, ahead_min, sync_min, installed, wiped_at
        )
    skipping = valid & (wait > 0)
    uploads = answered & ~refusing & ~skipping

    # Keys that sort by (client, time): one client's polls and logs never mix with another's.
    span = until_min + poll_interval_min + 1.0
    client_of_poll = np.broadcast_to(np.arange(n_clients)[:, None], poll.shape)
    log_key = logged_client * span + logged_time
    order = np.argsort(log_key, kind="stable")
    log_key, log_client = log_key[order], logged_client[order]

    upload_key = (client_of_poll * span + poll)[uploads]
    upload_client = client_of_poll[uploads]
    first = np.searchsorted(upload_key, log_key, side="left")
    has_poll = first < len(upload_key)
    has_poll[has_poll] = upload_client[first[has_poll]] == log_client[has_poll]
    # A run still in the log when the log is deleted (a reinstall) is lost, not uploaded later.
    wipe = wiped_at[log_client]
    log_time = log_key - log_client * span
    before_wipe = (log_time < wipe) & np.isfinite(wipe)
    has_poll[has_poll] = ~before_wipe[has_poll] | (
        upload_key[first[has_poll]] - log_client[has_poll] * span < wipe[has_poll]
    )
    wiped = before_wipe & ~has_poll

    logged = np.bincount(logged_client, minlength=n_clients)
    reported = np.bincount(log_client[has_poll], minlength=n_clients)
    lost = np.bincount(log_client[wiped], minlength=n_clients)
    held = logged - reported - lost
    unreported = np.where(blocked_until >= until_min, held, 0)
    # Stalled: the client's last poll in the run skipped its upload for a NextOfflineSyncTime still to come.
    last_poll = np.maximum(valid.sum(axis=1) - 1, 0)
    last_skipped = skipping[np.arange(n_clients), last_poll] & valid.any(axis=1)
    stalled = np.where(last_skipped & (unreported == 0), held, 0)
    # How long each client's polls skipped the upload: from the first skipped poll to the poll after the last one
    # (the one that found its NextOfflineSyncTime due, or a reinstall's), or the run's end.
    any_skip = skipping.any(axis=1)
    first_skip = np.argmax(skipping, axis=1)
    after_skip = skipping.shape[1] - np.argmax(skipping[:, ::-1], axis=1)
    resumed = np.take_along_axis(poll, np.minimum(after_skip, poll.shape[1] - 1)[:, None], axis=1)[:, 0]
    resumed = np.where((after_skip < poll.shape[1]) & (resumed < until_min), resumed, until_min)
    stall_min = np.where(any_skip, resumed - poll[np.arange(n_clients), first_skip], 0.0)
    carried = np.bincount(first[has_poll], minlength=len(upload_key))
    nonempty = carried > 0

    def waiting_at(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The polls of ``mask`` at which runs were waiting in the log: (time, client, runs, row-major index)."""
        key = (client_of_poll * span + poll)[mask]
        client = client_of_poll[mask]
        since = np.where(poll[mask] >= wiped_at[client], wiped_at[client], 0.0)
        # what the client's last upload before the poll took is not waiting any more
        previous = np.searchsorted(upload_key, key, side="left") - 1
        ours = previous >= 0
        ours[ours] = upload_client[previous[ours]] == client[ours]
        before = upload_key[np.maximum(previous, 0)] if len(upload_key) else np.zeros(len(key))
        uploaded = np.where(ours, before, client * span - 1.0)
        start = np.maximum(
            np.searchsorted(log_key, client * span + since, side="left"),
            np.searchsorted(log_key, uploaded, side="right"),
        )
        runs = np.searchsorted(log_key, key, side="right") - start
        with_logs = runs > 0
        return poll[mask][with_logs], client[with_logs], runs[with_logs], with_logs

    refused_time, refused_client, refused_count, _ = waiting_at(answered & refusing & ~skipping)
    skipped_time, skipped_client, skipped_count, with_logs = waiting_at(skipping)
    return Uploads(
        logged=logged,
        reported=reported,
        pending=held - unreported - stalled,
        unreported=unreported,
        stalled=stalled,
        stall_min=stall_min,
        lost=lost,
        upload_time=poll[uploads][nonempty],
        upload_client=upload_client[nonempty],
        upload_count=carried[nonempty],
        refused_time=refused_time,
        refused_client=refused_client,
        refused_count=refused_count,
        skipped_time=skipped_time,
        skipped_client=skipped_client,
        skipped_count=skipped_count,
        skipped_wait=wait[skipping][with_logs],
    )
