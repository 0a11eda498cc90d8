"""Every file kbsim writes is written whole or not at all, and replaces an existing file only when asked.

A writer writes to a temporary file beside its target (same folder, so the rename
cannot cross file systems), flushes it to disk and renames it into place with
:func:`os.replace`, which is atomic: a reader sees the old file or the new one,
never a cut one. A full disk, a killed process or Ctrl-C leaves the target as it
was and removes the temporary file. An existing target is replaced only with
``overwrite=True`` (``--force`` on the command line); otherwise one
ParameterError says it exists. :func:`check_target` makes every check before any
work starts, by creating (and removing) a temporary file where the output will go,
so a folder that cannot be written (read-only, ``/proc``, missing) is refused
before a run or a sweep, not after it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..model.errors import ParameterError

#: The command-line option that allows replacing an existing output.
FORCE = "--force"


def check_overwrite(overwrite: Any) -> bool:
    """``overwrite`` as a bool; anything but True or False is a ParameterError."""
    if not isinstance(overwrite, bool):
        raise ParameterError(f"overwrite={overwrite!r} is not allowed: expected True or False")
    return overwrite


def as_path(path: Any, what: str = "path") -> Path:
    """``path`` (text or a path) as a Path; anything else is a ParameterError naming ``what``."""
    if isinstance(path, Path):
        return path
    if isinstance(path, str) and path.strip() and "\0" not in path:
        return Path(path)
    raise ParameterError(f"{what}={path!r} is not allowed: expected the path of a file or folder, as text")


def check_target(path: Path, overwrite: bool = False) -> None:
    """A ParameterError unless ``path`` can be written whole now: not an existing file unless ``overwrite``,
    not a folder, and a file can be created in its folder (tried, then removed)."""
    check_overwrite(overwrite)
    if path.is_dir():
        raise ParameterError(f"{path}: is a folder, cannot write there: expected the path of a file")
    if path.exists() and not overwrite:
        raise _exists(path)
    folder = path.parent
    if not folder.is_dir():
        raise ParameterError(f"{path}: folder {str(folder)!r} does not exist: expected a path in an existing folder")
    _remove(_temporary(path))


def check_folder(directory: Path, names: list[str], overwrite: bool = False) -> None:
    """:func:`check_target` for files ``names`` in ``directory``; a missing folder is fine if it can be made."""
    check_overwrite(overwrite)
    existing = directory
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ParameterError(
            f"{directory}: {str(existing)!r} is not a folder, cannot write there: expected a folder to write into"
        )
    if not directory.exists():
        _remove(_temporary(existing / "kbsim-check"))
        return
    for name in names:
        check_target(directory / name, overwrite)


def write_whole(path: Path, write: Callable[[Path], Any], overwrite: bool = False) -> Path:
    """Write ``path`` whole: ``write(temporary)`` fills a temporary file beside it, which then replaces it.

    Any failure (a full disk, an error in ``write``, Ctrl-C) removes the temporary file
    and leaves ``path`` as it was; an OSError becomes one ParameterError naming the file.
    """
    return write_all({path: write}, overwrite)[0]


def write_all(writers: Mapping[Path, Callable[[Path], Any]], overwrite: bool = False) -> list[Path]:
    """Several files written whole together: every one is written to its temporary file first, and
    only when all are complete are they renamed into place (a failure leaves every target as it was)."""
    for path in writers:
        check_target(path, overwrite)
    temporaries: dict[Path, Path] = {}
    path = next(iter(writers))
    try:
        for path, write in writers.items():
            temporaries[path] = temporary = _temporary(path)
            write(temporary)
            with open(temporary, "rb") as written:
                os.fsync(written.fileno())
        for path, temporary in temporaries.items():
            if not overwrite and path.exists():
                raise _exists(path)
            os.replace(temporary, path)
    except OSError as exc:
        raise ParameterError(f"{path}: cannot write the file ({exc.strerror or exc}); nothing was written") from None
    finally:
        for temporary in temporaries.values():
            _remove(temporary)
    return list(writers)


def write_text(path: Path, text: str, overwrite: bool = False) -> Path:
    """A text file (UTF-8) written whole."""
    return write_whole(path, lambda temporary: temporary.write_text(text, encoding="utf-8"), overwrite)


def write_texts(directory: Path, texts: Mapping[str, str], overwrite: bool = False) -> list[Path]:
    """Text files ``{name: text}`` written whole into ``directory`` (made if missing), all or none."""
    check_folder(directory, list(texts), overwrite)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ParameterError(f"{directory}: cannot make the folder ({exc.strerror or exc})") from None

    def writer(text: str) -> Callable[[Path], Any]:
        return lambda temporary: temporary.write_text(text, encoding="utf-8")

    return write_all({directory / name: writer(text) for name, text in texts.items()}, overwrite)


def _temporary(path: Path) -> Path:
    """A new empty file beside ``path``, with the permissions a new file there would get."""
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    except OSError as exc:
        why = exc.strerror or exc
        raise ParameterError(f"{path}: cannot write there ({why}): expected a writable folder") from None
    os.close(handle)
    mask = os.umask(0)
    os.umask(mask)
    with contextlib.suppress(OSError):
        os.chmod(name, 0o666 & ~mask)
    return Path(name)


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _exists(path: Path) -> ParameterError:
    return ParameterError(f"{path}: the file exists: pass overwrite=True (command line: {FORCE}) to replace it")
