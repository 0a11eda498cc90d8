"""The run's event record: one tidy row per thing that happened, in time order."""

from __future__ import annotations

from array import array

import numpy as np
import pandas as pd

#: Every event kind, and what a row of that kind means.
EVENT_KINDS: dict[str, str] = {
    "grant": "a server granted a licence at a launch (online mode)",
    "deny": "a server had no free licence: the program was refused (online mode)",
    "logged_locally": "the program ran and its use went into the client's offline log",
    "contact_failed": "the client could not reach its server",
    "failover": "the client moved to another server after a failure (Q226827)",
    "rebind": "a Windows 95/98 client re-read the server list at a CCIM cycle or restart (Q212894)",
    "restart": "the user of a stranded Windows 95/98 client restarted it: a CCIM cycle runs (Q212894)",
    "retry": "the client tried again and got no answer from the server it tried",
    "reconnect": "the client reached a server again after failures",
    "outage_start": "a metering server went offline",
    "outage_end": "a metering server came back",
    "balancing": "a scheduled licence balancing cycle ran (LICSRVC.log)",
    "balancing_skipped": "the balancing cycle could not read a server (Q210202)",
    "instant_balancing": "License Metering moved licences on demand to a server that had refused a request",
    "callback": "a refused user asked to be called back when a licence is free",
    "callback_granted": "a callback was answered: a licence was free and the program started",
    "callback_lapsed": "a callback waited longer than the callback request duration and lapsed",
    "pack": "a server packed its FoxPro data cache (Remodbc.ini PackTime)",
    "service_state": "the SMS_LICENSE_SERVER service changed state",
    "upload": "a client uploaded its offline usage log at a configuration poll",
    "upload_refused": "a client installed with a lagging clock did not upload its log (Q213261)",
    "clock_sync": "a skewed client's clock was set to the site server's (Q213261)",
    "reinstall": "a skewed client's software was removed and installed again; its offline log went with it (Q213261)",
}
_CODE = {kind: i for i, kind in enumerate(EVENT_KINDS)}


def clock(start: pd.Timestamp, minutes: np.ndarray) -> pd.DatetimeIndex:
    """Simulated minutes as the site server's clock, to the millisecond (no float fuzz)."""
    return start + pd.to_timedelta(np.asarray(minutes, dtype=float) * 60.0, unit="s").round("ms")


class EventLog:
    """Columns of events, appended in time order; ``-1`` means no client, server or product."""

    __slots__ = ("time", "kind", "client", "server", "product", "detail")

    def __init__(self) -> None:
        self.time = array("d")
        self.kind = array("b")
        self.client = array("l")
        self.server = array("l")
        self.product = array("l")
        self.detail: list[str] = []

    def add(self, time: float, kind: str, client: int, server: int, product: int, detail: str = "") -> None:
        self.time.append(time)
        self.kind.append(_CODE[kind])
        self.client.append(client)
        self.server.append(server)
        self.product.append(product)
        self.detail.append(detail)

    def extend(self, time: np.ndarray, kind: str, client: np.ndarray, server: int, product: int,
               detail: list[str]) -> None:
        """Append many events of one kind at once (computed after the run)."""
        n = len(time)
        self.time.extend(np.asarray(time, dtype=float).tolist())
        self.kind.extend([_CODE[kind]] * n)
        self.client.extend(np.asarray(client, dtype=int).tolist())
        self.server.extend([server] * n)
        self.product.extend([product] * n)
        self.detail.extend(detail)

    def __len__(self) -> int:
        return len(self.time)

    def to_frame(self, start: pd.Timestamp) -> pd.DataFrame:
        """The events sorted by time (stable: same-time events keep their order).

        ``time`` is the site server's clock, ``hours`` the hours since ``start``.
        """
        minutes = np.frombuffer(self.time, dtype=float) if len(self.time) else np.zeros(0)
        order = np.argsort(minutes, kind="stable")
        minutes = minutes[order]
        codes = np.asarray(self.kind, dtype=np.int8)[order]

        def column(values: array) -> pd.arrays.IntegerArray:
            data = np.asarray(values, dtype=np.int64)[order]
            return pd.arrays.IntegerArray(data, data < 0)

        return pd.DataFrame({
            "time": clock(start, minutes),
            "hours": minutes / 60.0,
            "kind": pd.Categorical.from_codes(codes, categories=list(EVENT_KINDS)),
            "client": column(self.client),
            "server": column(self.server),
            "product": column(self.product),
            "detail": np.asarray(self.detail, dtype=object)[order] if self.detail else np.zeros(0, dtype=object),
        })
