"""The one error kbsim raises for a user's mistake, and the one wording of an unknown name."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

#: Lists of known names up to this long (in names, and in characters) are given whole in an error; longer ones
#: only their nearest names, so the error stays one short line.
SHORT_LIST = 8
SHORT_LIST_CHARS = 100


class ParameterError(ValueError):
    """A parameter, preset file, Remodbc.ini entry or other input that kbsim cannot use.

    The message always names the input (parameter, or file and entry), the value
    that was given and what is allowed, in one line.
    """


def unknown_name(
    what: str, name: object, known: Iterable[str], where: str = "", also: str = "", listing: str = ""
) -> ParameterError:
    """The error for a name kbsim does not know (a parameter, preset, plot, summary number...).

    One short line: ``unknown parameter 'retrys': did you mean 'retries'?``. A short list
    of known names is given whole; from a long one only the nearest names (difflib), and
    ``listing`` says where to read them all. ``where`` (a file and section, a command-line
    option) prefixes the line; ``also`` adds what else is allowed besides a known name.
    """
    known = [str(k) for k in known]
    extra = f", {also}" if also else ""
    whole = ", ".join(map(repr, known))
    near = difflib.get_close_matches(str(name), known, n=3, cutoff=0.6)
    if len(known) <= SHORT_LIST and (len(whole) <= SHORT_LIST_CHARS or not (near or listing)):
        tail = f"expected one of {whole}{extra}" if known else f"expected none{extra}"
    else:
        if near:
            tail = f"did you mean {' or '.join(map(repr, near))}{extra}?"
        else:
            tail = f"no {what} is named like it{extra}" + (f"; {listing} lists them all" if listing else "")
    return ParameterError(f"{where}unknown {what} {name!r}: {tail}")
