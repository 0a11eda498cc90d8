"""The run's event record: one tidy row per thing that happened, in time order.

Each event is stored as facts in typed columns: its kind, client, server and product, and
the facts its kind carries (:data:`EVENT_FACTS`: the service state, the attempt's number,
the licences moved, ...). The sentence a reader sees in the ``detail`` column is written
from those facts by :func:`sentence`, the one place that words an event; nothing reads a
fact back out of a sentence.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

#: Every event kind, and what a row of that kind means.
EVENT_KINDS: dict[str, str] = {
    "grant": "a server granted a licence at a launch (online mode)",
    "deny": "a server had no free licence: the program was refused (online mode)",
    "logged_locally": "the program ran and its use went into the client's offline log",
    "launch_stopped": "the client's agent stopped a forbidden program from starting, no server asked (Q244906)",
    "contact_failed": "the client could not reach its server",
    "failover": "the client moved to another server after a failure (Q226827)",
    "rebind": "a Windows 95/98 client re-read the server list at a CCIM cycle or restart (Q212894)",
    "restart": "the user of a stranded Windows 95/98 client restarted it: a CCIM cycle runs (Q212894)",
    "retry": "the client tried again and got no answer from the server it tried",
    "reconnect": "the client reached a server again after failures",
    "phantom": "a client moved while a program ran: the licence it held stays in use on the server it left (Q226838)",
    "second_licence": "the server a client moved to granted a program already running a second licence (Q226838)",
    "phantom_freed": "a phantom licence was freed when its server's service started again (Q226838) [assumed]",
    "outage_start": "a metering server went offline",
    "outage_end": "a metering server came back",
    "balancing": "a scheduled licence balancing cycle ran (LICSRVC.log)",
    "balancing_skipped": "the balancing cycle could not read a server (Q210202)",
    "instant_balancing": "License Metering moved licences on demand to a server that had refused a request",
    "instant_balancing_failed": "License Metering tried to move licences on demand but found none free to move",
    "callback": "a refused user asked to be called back when a licence is free",
    "callback_granted": "a callback was answered: a licence was free and the program started",
    "callback_lapsed": "a callback waited longer than the callback request duration and lapsed",
    "pack": "a server packed its FoxPro data cache (Remodbc.ini PackTime)",
    "service_state": "the SMS_LICENSE_SERVER service changed state",
    "upload": "a client uploaded its offline usage log at a configuration poll",
    "upload_refused": "a client installed with a lagging clock did not upload its log (Q213261)",
    "clock_sync": "a client's wrong clock was set to the site server's (Q213261, Q311764)",
    "reinstall": "a client whose clock was wrong had its software removed and installed again; its offline log went "
    "with it (Q213261, Q311764)",
    "upload_skipped": "a poll skipped the offline upload: the stored NextOfflineSyncTime lies ahead of the client's "
    "clock (Q311764)",
    "remodbc_restart": "the License Server Manager restarted Remodbc.exe, its memory past the threshold (Q245271)",
    "remodbc_hang": "a restart's stop of Remodbc.exe failed: the server answers nobody until a reboot (Q245271)",
    "reboot": "a server hung by Remodbc.exe was rebooted and answers again (Q245271)",
    "configuration_changed": "an administrator forbade a product at the site: clients learn it at their next "
    "configuration download (Q244906)",
    "configuration_downloaded": "a client downloaded the changed configuration from a server that answered (Q263023)",
    "configuration_failed": "a client's configuration download found no server answering; it waits for one (Q245271)",
}
_CODE = {kind: i for i, kind in enumerate(EVENT_KINDS)}

#: The facts an event carries beyond its time, kind, client, server and product: one typed column
#: each, empty (``<NA>``) on rows of the kinds that do not carry it.
EVENT_FACTS: dict[str, str] = {
    "state": "service_state: the state SMS_LICENSE_SERVER changed to (one of SERVICE_STATES)",
    "reason": "why it happened (one of REASONS): failover, rebind, balancing_skipped, service_state",
    "from_server": "failover: the server the client left",
    "attempt": "retry: the attempt's number since the client was stranded; failover: the retries it made first",
    "cycle": "balancing: the scheduled cycle's number",
    "licences": "balancing, instant_balancing: the licences moved",
    "servers": "balancing: the servers the cycle could read",
    "megabytes": "remodbc_restart, remodbc_hang: Remodbc.exe's memory when the manager restarted it (whole MB)",
    "runs": "upload: the runs uploaded; upload_refused, upload_skipped: the runs held on the client; reinstall: "
    "the runs deleted",
    "minutes": "balancing: minutes late; callback_lapsed: the callback request duration; upload_refused: "
    "how far the client's clock lagged; upload_skipped: how far NextOfflineSyncTime lies ahead of the client's "
    "clock; clock_sync: how far the clock was set forward (negative: back); remodbc_hang: the time until the "
    "server's reboot; retry, and contact_failed when the client is left retrying (not failing over): minutes "
    "until it tries again, its retry cadence then",
}
#: SMS_LICENSE_SERVER's states, as the ``state`` column holds them.
SERVICE_STATES = ("running", "stop pending", "stopped", "hung")
#: Why License Metering left a server it could reach out of a cycle (Q210202); LICSRVC.log says so in these words.
NO_ODBC_ACCESS = "no ODBC access"
#: Every reason an event may give, as the ``reason`` column holds them.
REASONS = (
    "offline",  # balancing_skipped, service_state (stopped): the server is offline
    NO_ODBC_ACCESS,  # balancing_skipped (Q210202)
    "back online",  # service_state (running): the server came back
    "pack under SP2+hotfix",  # service_state (stop pending): the pack's hang (Q299261)
    "pack under SP3",
    "first failure",  # failover: at the first failure, no retries (Q226827 as shipped)
    "retries",  # failover: after the retries
    "CCIM cycle",  # rebind (Q212894)
    "restart",
    "stop failed",  # service_state (hung): a restart's stop of Remodbc.exe failed (Q245271)
)
#: Each fact's column type: one of a fixed set of words (categorical), or a number: ``Int32``, but
#: ``Int16`` for a server and ``Float64`` for minutes.
_WORDS = {"state": SERVICE_STATES, "reason": REASONS}
_WORD_CODE = {name: {word: i for i, word in enumerate(words)} for name, words in _WORDS.items()}
_DTYPE = {"from_server": np.int16, "servers": np.int16, "minutes": np.float64}


class Facts(NamedTuple):
    """One event's facts, as :func:`sentence` reads them (``None``: the event does not carry it)."""

    server: int | None = None
    product: int | None = None
    state: str | None = None
    reason: str | None = None
    from_server: int | None = None
    attempt: int | None = None
    cycle: int | None = None
    licences: int | None = None
    servers: int | None = None
    megabytes: int | None = None
    runs: int | None = None
    minutes: float | None = None


def _runs(n: Any) -> str:
    return f"{n} run" if n == 1 else f"{n} runs"


def _service_state(f: Facts) -> str:
    why = {
        "offline": "the server is offline",
        "back online": "started again with the server",
        "stop failed": "Remodbc.exe could not be stopped for its restart; the server answers nobody (Q245271)",
    }.get(str(f.reason)) or (
        f"reports stopping after the pack but keeps running ({str(f.reason).removeprefix('pack under ')}, Q299261)"
    )
    return f"SMS_LICENSE_SERVER {f.state}: {why}"


def _balancing(f: Facts) -> str:
    late = f.minutes if f.minutes is not None else 0.0
    busy = f", {late:.0f} min late: License Metering was busy balancing on demand" if late >= 1 else ""
    return f"cycle {f.cycle}: {f.licences} licences moved over {f.servers} servers{busy}"


def _failover(f: Facts) -> str:
    if f.reason == "first failure":
        return f"moved from SWM{f.from_server} at the first failure, no retries"
    return f"moved from SWM{f.from_server} after {f.attempt} retries"


def _upload_refused(f: Facts) -> str:
    lag = "" if f.minutes is None else f" {f.minutes:g} min"  # no minutes: the lag as a reader of the log not told it
    return f"clock{lag} behind the site server; {_runs(f.runs)} held on the client"


def _clock_sync(f: Facts) -> str:
    moved = f.minutes or 0.0  # Q213261: a lagging clock set forward; Q311764: one that ran ahead set back
    return f"clock set to the site server's ({abs(moved):g} min {'forward' if moved >= 0 else 'back'})"


#: The sentence of each kind, written from the event's facts: the ``detail`` a reader sees.
_SENTENCES: dict[str, Callable[[Facts], str]] = {
    "grant": lambda f: "",
    "deny": lambda f: f"no free licence on SWM{f.server}",
    "logged_locally": lambda f: "",
    "launch_stopped": lambda f: "forbidden program: stopped by the agent (no access times, Q244906)",
    "contact_failed": lambda f: f"SWM{f.server} does not answer",
    "failover": _failover,
    "rebind": lambda f: f"server list re-read at {f.reason}; bound to SWM{f.server}",
    "restart": lambda f: "the user restarted the computer: a CCIM cycle runs",
    "retry": lambda f: f"attempt {f.attempt}: SWM{f.server} did not answer",
    "reconnect": lambda f: f"back online with SWM{f.server}",
    "phantom": lambda f: f"the running program's licence stays in use on SWM{f.server} (Q226838)",
    "second_licence": lambda f: f"SWM{f.server} grants the running program a second licence (Q226838)",
    "phantom_freed": lambda f: f"SWM{f.server}'s service started again: a phantom licence freed",
    "outage_start": lambda f: f"SWM{f.server} offline",
    "outage_end": lambda f: f"SWM{f.server} back online",
    "balancing": _balancing,
    "balancing_skipped": lambda f: f"cannot read minimum licences and buffer ({f.reason})",
    "instant_balancing": lambda f: f"{f.licences} licences moved on demand",
    "instant_balancing_failed": lambda f: "no licence free in the reserve or on another reachable server",
    "callback": lambda f: "the user asked to be called back",
    "callback_granted": lambda f: "a licence is free: the program starts",
    "callback_lapsed": lambda f: f"no licence within {f.minutes:g} min",
    "pack": lambda f: "FoxPro data cache packed (Remodbc.ini PackTime)",
    "service_state": _service_state,
    "upload": lambda f: f"{_runs(f.runs)} uploaded from the offline log",
    "upload_refused": _upload_refused,
    "clock_sync": _clock_sync,
    "reinstall": lambda f: f"client software removed and installed again; {_runs(f.runs)} in the offline log deleted",
    "upload_skipped": lambda f: (
        f"next offline upload due in {f.minutes:g} min by this computer's clock "
        f"(NextOfflineSyncTime); {_runs(f.runs)} held on the client"
    ),
    "remodbc_restart": lambda f: f"Remodbc.exe at {f.megabytes} MB: restarted by the License Server Manager",
    "remodbc_hang": lambda f: (
        f"Remodbc.exe at {f.megabytes} MB could not be stopped for its restart: SWM{f.server} hangs until a reboot "
        f"({(f.minutes or 0.0) / 60:g} h on)"
    ),
    "reboot": lambda f: f"SWM{f.server} rebooted after its Remodbc.exe hang",
    "configuration_changed": lambda f: f"product {f.product} forbidden: its access times removed (Q244906)",
    "configuration_downloaded": lambda f: f"client configuration downloaded: product {f.product} forbidden",
    "configuration_failed": lambda f: "Downloading client configuration... failed: no metering server answers",
}
assert set(_SENTENCES) == set(EVENT_KINDS), "every kind has its sentence"


def sentence(kind: str, facts: Facts) -> str:
    """The sentence that says what an event of ``kind`` with these facts was (its ``detail``)."""
    return _SENTENCES[kind](facts)


def describe(events: pd.DataFrame) -> pd.Series:
    """The sentence of every row of an events table (``Result.events`` or any part of it)."""
    columns = ["kind", "server", "product", *EVENT_FACTS]
    texts = [
        sentence(row[0], Facts(*(None if v is pd.NA or v != v else v for v in row[1:])))
        for row in events[columns].itertuples(index=False, name=None)
    ]
    return pd.Series(texts, index=events.index, name="detail", dtype=object)


def clock(start: pd.Timestamp, minutes: np.ndarray) -> pd.DatetimeIndex:
    """Simulated minutes as the site server's clock, to the millisecond (no float fuzz).

    Milliseconds are rounded half to even in integers, then added to ``start`` in nanoseconds:
    the same instants as pandas' ``to_timedelta(...).round("ms")``, at a thirtieth of the cost.
    """
    ms = np.asarray(minutes, dtype=float) * 60_000.0
    ns = np.round(ms, out=ms).astype(np.int64)  # in place from here: one column's memory at a time
    del ms
    ns *= 1_000_000
    ns += start.as_unit("ns").asm8.view(np.int64)
    return pd.DatetimeIndex(ns.view("datetime64[ns]"))  # always nanoseconds (pandas 3 chose us or ns by the values)


#: The kinds a launch itself records, one per launch, in launch order (see :class:`EventLog`).
LAUNCH_KINDS = ("grant", "deny", "logged_locally", "launch_stopped")
GRANT, DENY, LOGGED_LOCALLY, FORBIDDEN = (_CODE[kind] for kind in LAUNCH_KINDS)
assert max(GRANT, DENY, LOGGED_LOCALLY, FORBIDDEN) < 4, "a launch outcome keeps its kind in two bits"


def launch_outcome(kind: int, server: int) -> int:
    """A launch's row in one small number: its kind (GRANT, DENY, LOGGED_LOCALLY, FORBIDDEN) and server (-1: none)."""
    return (server + 1) * 4 + kind


class EventLog:
    """Columns of events, appended in time order; ``-1`` means no client, server or product.

    Every launch records exactly one row (a grant, a refusal, a run logged locally or a forbidden program
    stopped by its agent), at
    its own time, for its own client and product; those rows are kept as one small number
    each (:func:`launch_outcome`, in ``outcomes``, in launch order) and expanded with the
    launches' columns when the frame is built: the hot path of a run appends one byte per
    launch. Every other event is a row of its own, stamped with how many launch rows came
    before it, so the frame keeps the order in which everything was recorded. Its facts
    (:data:`EVENT_FACTS`) are kept apart, fact by fact, as (row, value) pairs: only the
    events that carry a fact hold it.
    """

    __slots__ = (
        "after",
        "client",
        "facts",
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
        #: Per fact, the rows that carry it and its values (words as their number in _WORDS).
        self.facts: dict[str, tuple[array, array]] = {
            name: (array("q"), array("d" if name == "minutes" else "q")) for name in EVENT_FACTS
        }
        self.after = array("q")  # launch rows recorded before each other event
        self.outcomes = array("b")  # one launch_outcome per launch handled, in launch order
        self.set_launches(np.zeros(0), np.zeros(0), np.zeros(0))

    def set_launches(self, time: Any, client: Any, product: Any) -> None:
        """The run's launches (minutes, client, product), in the order they are handled (kept, not copied)."""
        self.launch_time = np.asarray(time, dtype=np.float64)
        self.launch_client = np.asarray(client, dtype=np.int32)
        self.launch_product = np.asarray(product, dtype=np.int16)

    def add(self, time: float, kind: str, client: int, server: int, product: int, **facts: Any) -> None:
        """One event, with the facts its kind carries (:data:`EVENT_FACTS`) by name."""
        self.time.append(time)
        self.kind.append(_CODE[kind])
        self.client.append(client)
        self.server.append(server)
        self.product.append(product)
        self.after.append(len(self.outcomes))
        if facts:
            row = len(self.time) - 1
            for name, value in facts.items():
                rows, values = self.facts[name]
                rows.append(row)
                values.append(_WORD_CODE[name][value] if name in _WORD_CODE else value)

    def extend(self, time: np.ndarray, kind: str, client: np.ndarray, server: int, product: int, **facts: Any) -> None:
        """Append many events of one kind at once as many calls of :meth:`add` would; each fact one value per event."""
        n = len(time)
        first = len(self.time)
        self.time.extend(np.asarray(time, dtype=float).tolist())
        self.kind.extend([_CODE[kind]] * n)
        self.client.extend(np.asarray(client, dtype=int).tolist())
        self.server.extend([server] * n)
        self.product.extend([product] * n)
        self.after.extend([len(self.outcomes)] * n)
        for name, value in facts.items():
            rows, values = self.facts[name]
            rows.extend(range(first, first + n))
            values.extend(np.broadcast_to(value, (n,)).tolist())

    def __len__(self) -> int:
        return len(self.time) + len(self.outcomes)

    def launch_kinds(self) -> np.ndarray:
        """Each launch's kind so far (GRANT, DENY, LOGGED_LOCALLY or FORBIDDEN), in launch order: one byte each."""
        outcomes = np.frombuffer(self.outcomes, dtype=np.int8) if len(self.outcomes) else np.zeros(0, dtype=np.int8)
        return outcomes & 3

    def launch_counts(self) -> np.ndarray:
        """How many launches were granted, refused, logged locally and stopped (the order of LAUNCH_KINDS)."""
        return np.bincount(self.launch_kinds(), minlength=4)[[GRANT, DENY, LOGGED_LOCALLY, FORBIDDEN]]

    def fact(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The events (their rows among the non-launch events) that carry fact ``name``, and its values."""
        rows, values = self.facts[name]
        return np.frombuffer(rows, dtype=np.int64), np.frombuffer(values, dtype=values.typecode)

    def to_frame(self, start: pd.Timestamp) -> pd.DataFrame:
        """The events sorted by time (stable: same-time events keep the order they were recorded in).

        ``time`` is the site server's clock, ``hours`` the hours since ``start``; then the kind,
        client, server and product, the ``detail`` sentence written from the facts (:func:`sentence`),
        and the facts (:data:`EVENT_FACTS`). Memory goes with the rows: a launch's row holds eight
        bytes for each clock and about fifteen for the rest; the facts' values are held only by the
        events that carry them (an empty cell's value is never written).
        """
        n_other, n_out = len(self.time), len(self.outcomes)
        n = n_other + n_out
        outcome = np.frombuffer(self.outcomes, dtype=np.int8) if n_out else np.zeros(0, dtype=np.int8)
        launch_time = self.launch_time[:n_out]
        # The launches' rows are in time order already; the other events are sorted by time, then by
        # the order of recording, and merged in: before launch row k when recorded before launch k.
        other_time = np.frombuffer(self.time, dtype=np.float64) if n_other else np.zeros(0)
        after = np.frombuffer(self.after, dtype=np.int64) if n_other else np.zeros(0, dtype=np.int64)
        other = np.lexsort((after, other_time))  # the other events, in time order
        other_time, after = other_time[other], after[other]
        first = np.searchsorted(launch_time, other_time, side="left")
        same = np.searchsorted(launch_time, other_time, side="right") - first  # launches at the same minute
        before = first + np.clip(after - first, 0, same)  # the launch rows ahead of each other event
        at = before + np.arange(n_other)  # where each other event lands
        position = np.empty(n_other, dtype=np.int64)
        position[other] = at

        def merged(values: array, launches: np.ndarray, dtype: type) -> np.ndarray:
            return np.insert(launches.astype(dtype, copy=False), before, np.asarray(values, dtype=dtype)[other])

        minutes = np.insert(launch_time, before, other_time)
        codes = merged(self.kind, outcome & 3, np.int8)
        server = merged(self.server, (outcome >> 2) - 1, np.int16)
        columns: dict[str, Any] = {
            "time": clock(start, minutes),
            "hours": minutes / 60.0,
            "kind": pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(list(EVENT_KINDS))),
            "client": _nullable(merged(self.client, self.launch_client[:n_out], np.int32)),
            "server": _nullable(server),
            "product": _nullable(merged(self.product, self.launch_product[:n_out], np.int16)),
        }
        del minutes
        facts = {name: self._fact_column(name, n, position) for name in EVENT_FACTS}
        columns["detail"] = self._details(codes, server, at, other)
        columns.update(facts)
        return pd.DataFrame(columns, copy=False)

    def _fact_column(self, name: str, n: int, position: np.ndarray) -> Any:
        """One fact as a column of ``n`` rows: its values where its events landed, empty elsewhere."""
        rows, values = self.fact(name)
        at = position[rows]
        if name in _WORDS:
            codes = np.full(n, -1, dtype=np.int8)
            codes[at] = values
            return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(list(_WORDS[name])))
        dtype = _DTYPE.get(name, np.int32)
        data = np.zeros(n, dtype=dtype)  # zeroed pages the empty cells never touch
        data[at] = values
        mask = np.ones(n, dtype=bool)
        mask[at] = False
        if name == "minutes":
            return pd.arrays.FloatingArray(data, mask)
        return pd.arrays.IntegerArray(data, mask)

    def _details(self, codes: np.ndarray, server: np.ndarray, at: np.ndarray, other: np.ndarray) -> Any:
        """The ``detail`` column: each event's sentence, as a categorical of the sentences written.

        A launch's sentence depends only on its kind and server, so launches share a few texts;
        every other event's sentence is written from its facts.
        """
        texts: list[str] = []
        index: dict[str, int] = {}

        def code(text: str) -> int:
            if text not in index:
                index[text] = len(texts)
                texts.append(text)
            return index[text]

        which = np.zeros(len(codes), dtype=np.int32)
        for kind in LAUNCH_KINDS:
            of_kind = codes == _CODE[kind]
            for s in np.unique(server[of_kind]).tolist():
                which[of_kind & (server == s)] = code(sentence(kind, Facts(server=None if s < 0 else s)))
        # Every other event: its kind, server, product and facts decide its sentence. Events alike
        # share one sentence, written once: kind by kind, the distinct rows of those numbers.
        n_other = len(self.time)
        kind_of = np.frombuffer(self.kind, dtype=np.int8) if n_other else np.zeros(0, dtype=np.int8)
        servers, products = np.asarray(self.server, dtype=np.int64), np.asarray(self.product, dtype=np.int64)
        facts = {name: self.fact(name) for name in EVENT_FACTS}
        own = np.zeros(n_other, dtype=np.int32)
        for k in np.unique(kind_of).tolist():
            rows = np.flatnonzero(kind_of == k)
            names, columns = ["server", "product"], [servers[rows], products[rows]]
            for name, (fact_rows, values) in facts.items():
                hit = kind_of[fact_rows] == k
                if hit.any():
                    column = np.full(len(rows), _NO_VALUE, dtype=np.int64)
                    carried = values[hit] + 0.0 if name == "minutes" else values[hit]  # (-0.0 is 0.0)
                    column[np.searchsorted(rows, fact_rows[hit])] = carried.view(np.int64)
                    names.append(name)
                    columns.append(column)
            first, inverse = _distinct(columns)
            written = [
                code(sentence(_KIND_NAMES[k], Facts(**dict(zip(names, map(_value, names, row))))))
                for row in zip(*(column[first].tolist() for column in columns))
            ]
            own[rows] = np.asarray(written, dtype=np.int32)[inverse]
        which[at] = own[other]
        return pd.Categorical.from_codes(which, dtype=pd.CategoricalDtype(texts))


_KIND_NAMES = list(EVENT_KINDS)
_NO_VALUE = np.iinfo(np.int64).min  # a fact an event does not carry, in _details' rows of numbers


def _distinct(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of equal-length columns: the first row of each, and each row's number among them.

    Column by column, each row's number among the distinct rows so far is combined with its value's
    number in the next column, and numbered again: never more numbers than rows, so no overflow.
    """
    number = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        values, of_value = np.unique(column, return_inverse=True)
        number = number * len(values) + of_value.reshape(-1)
        number = np.unique(number, return_inverse=True)[1].reshape(-1)
    return np.unique(number, return_index=True)[1], number


def _value(name: str, number: int) -> Any:
    """A fact as :class:`Facts` holds it, from its number in ``EventLog._details`` (None: not carried)."""
    if number == _NO_VALUE or (name in ("server", "product") and number < 0):
        return None
    if name == "minutes":
        return float(np.int64(number).view(np.float64))
    if name in _WORDS:
        return _WORDS[name][number]
    return number


def _nullable(values: np.ndarray) -> pd.arrays.IntegerArray:
    """Whole numbers with ``-1`` as empty (no client, server or product)."""
    return pd.arrays.IntegerArray(values, values < 0)
