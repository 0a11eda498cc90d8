"""The kinds of parameter value: what each allows, how it is checked, written on a command line and said in words.

A parameter's declaration (:mod:`kbsim.model.parameters`) names its kind by a short word (``_p("float", ...)``)
or by the kind itself; each kind is one small class here, and everything that differs from kind to kind is a
method of it: :meth:`Kind.check` (a value, normalised, or the declaration's one error), :meth:`Kind.allowed`
(the allowed values in words), :meth:`Kind.parse` (``--set name=text``), :meth:`Kind.plain` (as JSON/TOML data),
:meth:`Kind.on_step` (a number on its step) and :attr:`Kind.grid_separator` (``--grid``'s separator). A new kind
is one new subclass with a ``name``: it is registered by being defined (:data:`KINDS`). The widget each kind
gets is the user interface's table (``kbsim.ui.controls.WIDGETS``), keyed by these classes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

if TYPE_CHECKING:
    from .parameters import Parameter

#: The dates a run can start at: its events are stamped as pandas timestamps (1677 to 2262), and a run reaches
#: weeks either side of its start (installs before it, clocks behind it, 60 days after it). SMS 2.0 ran 1999-2002.
EARLIEST_START = datetime(1970, 1, 1)
LATEST_START = datetime(2100, 1, 1)
#: Remodbc.ini's PackTime is whole seconds since 1970-01-01 in 32 bits (Q299261): the dates it can say.
EARLIEST_PACK = datetime(1970, 1, 1)
LATEST_PACK = datetime(2106, 2, 7, 6, 28, 15)

#: Every kind by its name, as a declaration names it: filled in as each kind's class is defined.
KINDS: dict[str, Kind] = {}


class Kind:
    """One kind of parameter value. Its methods receive the declaration (``parameter``: range, choices, name)."""

    #: The word a declaration names this kind by (``_p("float", ...)``); a class without one is not a kind itself.
    name: ClassVar[str] = ""
    #: What separates this kind's values in ``--grid NAME=V1,V2``: a kind whose one value holds commas takes ";".
    grid_separator: ClassVar[str] = ","
    #: The parts of one value that are controls of their own (an explorer's, a directions table's): none, or
    #: a name for each, as ``outages.start_h``.
    parts: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("name"):
            assert cls.name not in KINDS, f"two kinds named {cls.name!r}"
            KINDS[cls.name] = cls()

    def check(self, parameter: Parameter, value: Any) -> Any:
        """``value`` (already :func:`plain`) normalised to this kind, or ``parameter.fail(...)`` raised."""
        raise NotImplementedError

    def allowed(self, parameter: Parameter) -> str:
        """What values are allowed, in words, for error messages and help."""
        raise NotImplementedError

    def parse(self, parameter: Parameter, text: str) -> Any:
        """A value written on a command line (``text`` stripped), checked."""
        return parameter.check(text)

    def plain(self, value: Any) -> Any:
        """The value as plain JSON/TOML data (tuples to lists, datetimes to text)."""
        if isinstance(value, datetime):
            return value.isoformat(sep=" ")
        if isinstance(value, tuple):
            return [list(v) if isinstance(v, tuple) else v for v in value]
        return value

    def on_step(self, parameter: Parameter, value: Any) -> Any:
        """The value on the declaration's step (numbers only; any other kind's value as it is)."""
        return value

    def cell(self, value: Any) -> Any:
        """The value as one cell of a table written to CSV or Parquet (a sweep's runs)."""
        return value

    def __eq__(self, other: object) -> bool:
        # A kind was a word once: ``parameter.kind == "int"`` would now be False without a word, so it is refused.
        if isinstance(other, str):
            raise TypeError(
                f"a parameter's kind is a Kind, not a word: ask the kind (kbsim.model.kinds), or isinstance(kind, "
                f"{type(self).__name__}), instead of comparing it with {other!r}"
            )
        return self is other

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"<kind {self.name}>"


def kind_named(kind: Any) -> Kind:
    """The kind a declaration names: a :class:`Kind` (or its class) as it is, or a name from :data:`KINDS`."""
    if isinstance(kind, type) and issubclass(kind, Kind):
        kind = kind()
    if isinstance(kind, Kind):
        return kind
    if isinstance(kind, str) and kind in KINDS:
        return KINDS[kind]
    raise ValueError(f"kind={kind!r} is not a kind of parameter: expected one of {', '.join(KINDS)} or a Kind")


class NumberKind(Kind):
    """A number in the declaration's range (``low`` to ``high``), on its ``step`` when it has one."""

    #: Its word in :meth:`allowed`: "an integer", "a number".
    article_noun: ClassVar[str] = "a number"

    def cast(self, value: float) -> Any:
        """A number in range as this kind's own type."""
        raise NotImplementedError

    def text(self, parameter: Parameter, text: str) -> Any:
        """A number as written, not yet checked (the declaration's error if it is not one)."""
        raise NotImplementedError

    def allowed(self, parameter: Parameter) -> str:
        unit = f" {parameter.unit}" if parameter.unit else ""
        return f"{self.article_noun} from {_num(parameter.low)} to {_num(parameter.high)}{unit}"

    def parse(self, parameter: Parameter, text: str) -> Any:
        return parameter.check(self.text(parameter, text))

    def on_step(self, parameter: Parameter, value: Any) -> Any:
        """A number rounded to the step (multiples of ``step``) and kept in range: what a slider's float arithmetic
        or a typed box gives becomes 6.0, not 5.999999999999999."""
        step, low, high = parameter.step, parameter.low, parameter.high
        if step is None or low is None or high is None:
            return value
        decimals = max(0, -int(f"{step:e}".split("e")[1])) + 2
        return self.cast(min(high, max(low, round(round(value / step) * step, decimals))))

    def in_range(self, parameter: Parameter, value: float) -> Any:
        low = -float("inf") if parameter.low is None else parameter.low
        high = float("inf") if parameter.high is None else parameter.high
        if not (low <= value <= high):
            raise parameter.fail(value, "out of range")
        return value


class IntKind(NumberKind):
    name = "int"
    article_noun = "an integer"

    def cast(self, value: float) -> int:
        return int(value)

    def text(self, parameter: Parameter, text: str) -> int:
        return _int_text(parameter, text)

    def check(self, parameter: Parameter, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise parameter.fail(value)
        if isinstance(value, float) and not math.isfinite(value):
            raise parameter.fail(value, "not a finite number")
        if value != int(value):
            raise parameter.fail(value)
        return self.in_range(parameter, int(value))


class FloatKind(NumberKind):
    name = "float"

    def cast(self, value: float) -> float:
        return float(value)

    def text(self, parameter: Parameter, text: str) -> float:
        return _float_text(parameter, text)

    def check(self, parameter: Parameter, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            raise parameter.fail(value)
        return self.in_range(parameter, float(value))


class ProductKind(IntKind):
    """One product of the site, by its number: an integer from 0; the site's own bound (below ``n_products``) is
    checked with the other parameters (:class:`~kbsim.model.parameters.Params`), and a widget offers only the site's
    products."""

    name = "product"


class BoolKind(Kind):
    name = "bool"

    def allowed(self, parameter: Parameter) -> str:
        return "true or false"

    def check(self, parameter: Parameter, value: Any) -> bool:
        if not isinstance(value, bool):
            raise parameter.fail(value)
        return value

    def parse(self, parameter: Parameter, text: str) -> bool:
        lowered = text.lower()
        if lowered in ("true", "yes", "on", "1"):
            return True
        if lowered in ("false", "no", "off", "0"):
            return False
        raise parameter.fail(text)


class ChoiceKind(Kind):
    name = "choice"

    def allowed(self, parameter: Parameter) -> str:
        return "one of " + ", ".join(repr(c) for c in parameter.choices)

    def check(self, parameter: Parameter, value: Any) -> str:
        if value not in parameter.choices:
            raise parameter.fail(value)
        return value


class DateTimeKind(Kind):
    """A date and time on the site server's clock, with no time zone, from ``earliest`` to before ``latest``."""

    name = "datetime"
    earliest: ClassVar[datetime] = EARLIEST_START
    latest: ClassVar[datetime] = LATEST_START

    def allowed(self, parameter: Parameter) -> str:
        return (
            f"a date and time from {EARLIEST_START:%Y-%m-%d} to before {LATEST_START:%Y-%m-%d} such as "
            "'2001-06-01 00:00', the site server's local time (no time zone)"
        )

    def check(self, parameter: Parameter, value: Any) -> datetime | None:
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.strip())
            except ValueError:
                raise parameter.fail(value) from None
        if isinstance(value, datetime):
            if value.tzinfo is not None:
                raise parameter.fail(value, "a time zone: give the site server's local time, with none")
            chosen = datetime(
                value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond
            )
        elif isinstance(value, date):
            chosen = datetime(value.year, value.month, value.day)
        else:
            raise parameter.fail(value)
        if not self.earliest <= chosen < self.latest:
            raise parameter.fail(value, "out of range")
        return chosen


class PackTimeKind(DateTimeKind):
    """Remodbc.ini's PackTime (Q299261): a date and time, or seconds since 1970, or empty for the default."""

    name = "pack_time"
    earliest = EARLIEST_PACK
    latest = LATEST_PACK + timedelta(seconds=1)

    def allowed(self, parameter: Parameter) -> str:
        return (
            "a date and time such as '2001-06-03 01:59:59' (the server's local time, no time zone), seconds "
            f"since 1970-01-01 up to {2**32 - 1} as in Remodbc.ini's PackTime, or empty for the first Sunday "
            "01:59:59"
        )

    def check(self, parameter: Parameter, value: Any) -> datetime | None:
        if value is None or (isinstance(value, str) and value.strip().lower() in ("", "auto")):
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            if not 0 <= value < 2**32:
                raise parameter.fail(value, "out of range")
            return datetime.fromtimestamp(value, UTC).replace(tzinfo=None)
        if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
            return self.check(parameter, int(value))
        return super().check(parameter, value)


class ListKind(Kind):
    """A list whose one value holds commas: ``--grid`` separates its values with ";"; empty is written
    "", "none" or "[]", a JSON list as it is, else as :meth:`items` reads the text."""

    grid_separator = ";"

    def items(self, parameter: Parameter, text: str) -> list:
        """The list written in the short form ("1,2" or "0:30:45"), not yet checked."""
        raise NotImplementedError

    def parse(self, parameter: Parameter, text: str) -> Any:
        if text.lower() in ("", "none", "[]"):
            return parameter.check(())
        if text.startswith("["):
            try:
                return parameter.check(json.loads(text))
            except json.JSONDecodeError as exc:
                raise parameter.fail(text, f"not a JSON list: {exc.msg}") from None
        return parameter.check(self.items(parameter, text))

    def cell(self, value: Any) -> str:
        """A list as its JSON text: one cell, read back by ``json.loads``."""
        return json.dumps(self.plain(value))


class OutagesKind(ListKind):
    name = "outages"
    parts = ("server", "start_h", "minutes")

    def allowed(self, parameter: Parameter) -> str:
        return "a list of (server, start_h, minutes) such as [[0, 30, 45]] or '0:30:45'"

    def items(self, parameter: Parameter, text: str) -> list:
        return [[_float_text(parameter, x) for x in part.split(":")] for part in text.split(",")]

    def check(self, parameter: Parameter, value: Any) -> tuple[tuple[int, float, float], ...]:
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            raise parameter.fail(value)
        outages = []
        for i, item in enumerate(value):
            entry = None if isinstance(item, (str, bytes, Mapping)) or not isinstance(item, Iterable) else list(item)
            if entry is None or len(entry) != 3:
                raise parameter.fail(value, f"entry {i} is not (server, start_h, minutes)")
            server, start_h, minutes = map(plain, entry)
            if not _whole(server):
                raise parameter.fail(value, f"entry {i}: server must be a whole number from 0")
            for what, number in (("start_h", start_h), ("minutes", minutes)):
                if isinstance(number, bool) or not isinstance(number, (int, float)) or not 0 <= number < math.inf:
                    raise parameter.fail(value, f"entry {i}: {what} must be a finite number from 0")
            if minutes <= 0:
                raise parameter.fail(value, f"entry {i}: minutes must be more than 0")
            outages.append((int(server), float(start_h), float(minutes)))
        return tuple(outages)


class ServersKind(ListKind):
    name = "servers"

    def allowed(self, parameter: Parameter) -> str:
        return "a list of server numbers such as [1] or '1,2'"

    def items(self, parameter: Parameter, text: str) -> list:
        return [_int_text(parameter, part) for part in text.split(",")]

    def check(self, parameter: Parameter, value: Any) -> tuple[int, ...]:
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            raise parameter.fail(value)
        if isinstance(value, Mapping):
            raise parameter.fail(value)
        servers = []
        for server in map(plain, value):
            if not _whole(server):
                raise parameter.fail(value, "servers are whole numbers from 0")
            servers.append(int(server))
        return tuple(sorted(set(servers)))


def plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (``np.int64(3)`` as 3, a ``datetime64`` as a datetime)."""
    if isinstance(value, np.datetime64):
        return value.astype("datetime64[us]").item()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _whole(number: Any) -> bool:
    """Whether ``number`` is a whole number from 0 (a server's number): no bool, NaN or infinity."""
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        return False
    return 0 <= number < math.inf and number == int(number)


def _num(x: float | None) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _int_text(parameter: Parameter, text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise parameter.fail(text) from None


def _float_text(parameter: Parameter, text: str) -> float:
    try:
        return float(text.strip())
    except ValueError:
        raise parameter.fail(text) from None
