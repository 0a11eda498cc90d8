"""Offline usage logs and their upload at configuration polls (Q213261).

Every run a client meters locally (offline mode, or online while it cannot
reach a server) goes into its local log. At each configuration poll (every
``config_poll_min``, from a phase set at install) the agent uploads the log to
any metering server that answers. A client whose clock lags the site server
by more than ``clock_threshold_min`` never uploads (Q213261, 2.0 to SP2): its
log stays on the client, and the Software Metering summary shows no usage
for it. The article does not say how far behind is "significantly", so the
threshold is a parameter.

Nothing here drops a record: each logged run ends the run reported (uploaded
at a poll), pending (waiting for the next poll) or unreported (held back by
the clock bug).

Polls are computed after the event loop, all at once: whether a poll
succeeds depends only on the client's clock and on whether any server is up,
never on anything the loop changes, so the result is exactly what a poll
event per client would give, at a fraction of the cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Uploads:
    """Per-client outcome of the offline logs, and the upload events to record."""

    logged: np.ndarray
    reported: np.ndarray
    pending: np.ndarray
    unreported: np.ndarray
    upload_time: np.ndarray
    upload_client: np.ndarray
    upload_count: np.ndarray
    refused_time: np.ndarray
    refused_client: np.ndarray
    refused_count: np.ndarray


def settle_uploads(logged_time: np.ndarray, logged_client: np.ndarray, n_clients: int,
                   poll_phase_min: np.ndarray, poll_interval_min: float, until_min: float,
                   blocked: np.ndarray, all_down: list[tuple[float, float]]) -> Uploads:
    """Decide, for every logged run, at which poll (if any) it was uploaded.

    ``blocked[c]`` says whether client c's clock lags beyond the threshold;
    ``all_down`` lists the spans (minutes) when no metering server answered.
    """
    polls_per_client = int(np.ceil(until_min / poll_interval_min)) + 1
    poll = poll_phase_min[:, None] + poll_interval_min * np.arange(polls_per_client)[None, :]
    valid = poll < until_min
    answered = valid.copy()
    for start, end in all_down:
        answered &= ~((poll >= start) & (poll < end))
    uploads = answered & ~blocked[:, None]

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

    logged = np.bincount(logged_client, minlength=n_clients)
    reported = np.bincount(log_client[has_poll], minlength=n_clients)
    held = logged - reported
    unreported = np.where(blocked, held, 0)
    carried = np.bincount(first[has_poll], minlength=len(upload_key))
    nonempty = carried > 0

    refused = answered & blocked[:, None]
    refused_key = (client_of_poll * span + poll)[refused]
    refused_client = client_of_poll[refused]
    waiting = np.searchsorted(log_key, refused_key, side="right") - np.searchsorted(log_key, refused_client * span, side="left")
    with_logs = waiting > 0
    return Uploads(
        logged=logged, reported=reported, pending=held - unreported, unreported=unreported,
        upload_time=poll[uploads][nonempty], upload_client=upload_client[nonempty], upload_count=carried[nonempty],
        refused_time=poll[refused][with_logs], refused_client=refused_client[with_logs], refused_count=waiting[with_logs],
    )
