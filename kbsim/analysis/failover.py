"""How long clients took to leave a server that did not answer (Q213167, Q226827), read from a run's event record.

# Q213167 (SMS 2.0 to SP2): online clients do not use the retry setting; when their metering server does not
answer they move to another at once instead of after the configured retries. In the model a client's loss of
its server starts at its failed contact (``contact_failed``) and its move is the ``failover`` that follows:
under ``failover = "immediate"`` at the same minute, under ``"after_retries"`` (a Windows NT client) exactly
``retries`` x ``retry_delay_min`` minutes later, if its server is still down then and another answers.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..model.errors import ParameterError
from ..model.result import Result


def minutes_to_move(result: Result) -> pd.DataFrame:
    """Each failover of ``result``: the client, the hour its contact failed and the minutes from then to its move.

    A client's loss starts at its failed contact (``contact_failed``); the next event that reconnects or moves it
    ends the loss; the losses that ended in a ``failover`` are listed (time order), columns client, failed_h,
    moved_h, minutes.
    """
    events = result.events
    rows = events[events["kind"].isin(["contact_failed", "failover", "rebind", "reconnect"])]
    client = rows["client"].to_numpy(dtype=np.int64)
    hours = rows["hours"].to_numpy(dtype=float)
    kinds = rows["kind"].astype(str).to_numpy()
    order = np.argsort(client, kind="stable")  # by client, each in the order recorded
    out: list[tuple[int, float, float, float]] = []
    lost_at: dict[int, float] = {}
    for i in order.tolist():
        c, kind, h = int(client[i]), kinds[i], float(hours[i])
        if kind == "contact_failed":
            lost_at.setdefault(c, h)
        elif c in lost_at:
            failed = lost_at.pop(c)
            if kind == "failover":
                out.append((c, failed, h, (h - failed) * 60.0))
    table = pd.DataFrame(out, columns=["client", "failed_h", "moved_h", "minutes"])
    return table.sort_values(["failed_h", "client"], kind="stable").reset_index(drop=True)


def failover_delays(results: Mapping[str, Result]) -> pd.DataFrame:
    """Per named run, its failover policy and retry setting, the wait the setting asks for (retries x delay,
    minutes), and how long its clients really took to move: failovers, and minutes from failed contact to
    move, least, median and most (Q213167). One row per run, indexed by its name."""
    if not isinstance(results, Mapping) or not results:
        raise ParameterError(f"results={results!r:.80} is not allowed: expected a dict of name -> kbsim.Result")
    rows = {}
    for name, result in results.items():
        if not isinstance(result, Result):
            raise ParameterError(f"results[{name!r}]={result!r:.80} is not allowed: expected a kbsim.Result")
        p = result.params
        moves = minutes_to_move(result)["minutes"].to_numpy()
        rows[name] = {
            "failover": p.failover,
            "retries": p.retries,
            "retry_delay_min": p.retry_delay_min,
            "configured_wait_min": p.retries * p.retry_delay_min,
            "failovers": len(moves),
            "least_min": float(moves.min()) if len(moves) else np.nan,
            "median_min": float(np.median(moves)) if len(moves) else np.nan,
            "most_min": float(moves.max()) if len(moves) else np.nan,
        }
    return pd.DataFrame.from_dict(rows, orient="index")
