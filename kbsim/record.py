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
    """Simulated minutes as the site server's clock, to the millisecond (no float fuzz).

    Milliseconds are rounded half to even in integers, then added to ``start`` in nanoseconds:
    the same instants as pandas' ``to_timedelta(...).round("ms")``, at a thirtieth of the cost.
    """
    ms = np.round(np.asarray(minutes, dtype=float) * 60_000.0).astype(np.int64)
    stamps = np.datetime64(start.as_unit("ns").asm8, "ns") + (ms * 1_000_000).astype("timedelta64[ns]")
    return pd.DatetimeIndex(stamps)  # always nanoseconds (pandas 3 chose us or ns by the values)


#: The kinds a launch itself records, one per launch, in launch order (see :class:`EventLog`).
LAUNCH_KINDS = ("grant", "deny", "logged_locally")
GRANT, DENY, LOGGED_LOCALLY = (_CODE[kind] for kind in LAUNCH_KINDS)
assert max(GRANT, DENY, LOGGED_LOCALLY) < 4, "a launch outcome keeps its kind in two bits"


def launch_outcome(kind: int, server: int) -> int:
    """A launch's row in one small number: its kind (GRANT, DENY, LOGGED_LOCALLY) and server (-1: none)."""
    return (server + 1) * 4 + kind


class EventLog:
    """Columns of events, appended in time order; ``-1`` means no client, server or product.

    Every launch records exactly one row (a grant, a refusal or a run logged locally), at
    its own time, for its own client and product; those rows are kept as one small number
    each (:func:`launch_outcome`, in ``outcomes``, in launch order) and expanded with the
    launches' columns when the frame is built: the hot path of a run appends one byte per
    launch. Every other event is a row of its own, stamped with how many launch rows came
    before it, so the frame keeps the order in which everything was recorded.
    """

    __slots__ = (
        "after",
        "client",
        "detail",
        "kind",
        "launch_client",
        "launch_product",
        "launch_time",
        "outcomes",
        "product",
        "server",
        "time",
    )

    def __init__(self) -> None:
        self.time = array("d")
        self.kind = array("b")
        self.client = array("l")
        self.server = array("l")
        self.product = array("l")
        self.detail: list[str] = []
        self.after = array("q")  # launch rows recorded before each other event
        self.outcomes = array("b")  # one launch_outcome per launch handled, in launch order
        self.set_launches(np.zeros(0), np.zeros(0), np.zeros(0))

    def set_launches(self, time: np.ndarray, client: np.ndarray, product: np.ndarray) -> None:
        """The run's launches (minutes, client, product), in the order they are handled."""
        self.launch_time = np.asarray(time, dtype=float)
        self.launch_client = np.asarray(client, dtype=np.int64)
        self.launch_product = np.asarray(product, dtype=np.int64)

    def add(self, time: float, kind: str, client: int, server: int, product: int, detail: str = "") -> None:
        self.time.append(time)
        self.kind.append(_CODE[kind])
        self.client.append(client)
        self.server.append(server)
        self.product.append(product)
        self.detail.append(detail)
        self.after.append(len(self.outcomes))

    def extend(
        self, time: np.ndarray, kind: str, client: np.ndarray, server: int, product: int, detail: list[str]
    ) -> None:
        """Append many events of one kind at once, as many calls of :meth:`add` would."""
        n = len(time)
        self.time.extend(np.asarray(time, dtype=float).tolist())
        self.kind.extend([_CODE[kind]] * n)
        self.client.extend(np.asarray(client, dtype=int).tolist())
        self.server.extend([server] * n)
        self.product.extend([product] * n)
        self.detail.extend(detail)
        self.after.extend([len(self.outcomes)] * n)

    def __len__(self) -> int:
        return len(self.time) + len(self.outcomes)

    def launch_counts(self) -> np.ndarray:
        """How many launches were granted, refused and logged locally (the order of LAUNCH_KINDS)."""
        return np.bincount(np.asarray(self.outcomes, dtype=np.int64) % 4, minlength=len(LAUNCH_KINDS))

    def to_frame(self, start: pd.Timestamp) -> pd.DataFrame:
        """The events sorted by time (stable: same-time events keep the order they were recorded in).

        ``time`` is the site server's clock, ``hours`` the hours since ``start``.
        """
        n_out = len(self.outcomes)
        outcome = np.asarray(self.outcomes, dtype=np.int64)
        out_server = outcome // 4 - 1
        out_kind = outcome % 4
        minutes = np.concatenate(
            [np.frombuffer(self.time, dtype=float) if len(self.time) else np.zeros(0), self.launch_time[:n_out]]
        )
        # The order of recording: other events before launch row k carry 2k, launch row k 2k + 1.
        recorded = np.concatenate([2 * np.asarray(self.after, dtype=np.int64), 2 * np.arange(n_out) + 1])
        order = np.lexsort((recorded, minutes))
        minutes = minutes[order]
        codes = np.concatenate([np.asarray(self.kind, dtype=np.int8), out_kind.astype(np.int8)])[order]

        def column(values: array, launches: np.ndarray) -> pd.arrays.IntegerArray:
            data = np.concatenate([np.asarray(values, dtype=np.int64), launches])[order]
            return pd.arrays.IntegerArray(data, data < 0)

        # The detail texts: every other event's own, then "" or a refusal's text for each launch row.
        servers = max(int(out_server.max(initial=0)) + 1, 1)
        words = self.detail + [""] + [f"no free licence on SWM{s}" for s in range(servers)]
        which = np.concatenate(
            [np.arange(len(self.detail)), len(self.detail) + np.where(out_kind == DENY, out_server + 1, 0)]
        )[order]
        return pd.DataFrame(
            {
                "time": clock(start, minutes),
                "hours": minutes / 60.0,
                "kind": pd.Categorical.from_codes(codes, categories=list(EVENT_KINDS)),
                "client": column(self.client, self.launch_client[:n_out]),
                "server": column(self.server, out_server),
                "product": column(self.product, self.launch_product[:n_out]),
                "detail": text_column(words, which),
            }
        )


def text_column(words: list[str], which: np.ndarray) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """The texts ``words[which]`` as a column of pandas' text dtype, built without a Python string per row."""
    try:
        import pyarrow as pa
    except ImportError:  # pandas keeps text as objects without pyarrow
        return np.asarray(words, dtype=object)[which]
    return pd.array(pa.array(words, type=pa.large_string()).take(pa.array(which)), dtype=pd.Series([""]).dtype)
