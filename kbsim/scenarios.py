"""Presets: each article's conditions as data, read from ``data/scenarios/*.toml``.

A preset file holds a title, the article it reproduces, the parameters its
notebook exposes (``explore``), the parameter values of the fault
(``[params]``) and named variants on top of them (``[variants.workaround]``,
``[variants.fix]``). Every value is checked against the one declaration in
:mod:`kbsim.parameters`; a malformed file raises a ParameterError naming the
file and the entry.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .errors import ParameterError
from .parameters import PARAMETERS, Params
from .result import SUMMARY

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "data" / "scenarios"
FAULT = "fault"
_KEYS = {"title", "article", "description", "explore", "plots", "metrics", "params", "variants"}


@dataclass(frozen=True)
class Preset:
    """One scenario: the fault's parameters, its variants and what its notebook exposes."""

    name: str
    title: str
    article: str
    description: str
    params: Params
    explore: tuple[str, ...]
    plots: tuple[str, ...] = ("denials_over_time",)
    metrics: tuple[str, ...] = ("denials", "denial_rate")
    variants: dict[str, Params] = field(default_factory=dict)
    path: str = ""

    def variant(self, name: str | None) -> Params:
        """The parameters of a variant (``None`` or ``"fault"``: the preset's own)."""
        if name in (None, "", FAULT):
            return self.params
        if name not in self.variants:
            allowed = ", ".join(repr(v) for v in (FAULT, *self.variants))
            raise ParameterError(f"variant={name!r} is not a variant of preset {self.name!r}: expected one of {allowed}")
        return self.variants[name]

    def __repr__(self) -> str:
        return f"Preset({self.name!r}, article={self.article!r}, variants={[FAULT, *self.variants]})"


def load_preset(path: str | Path) -> Preset:
    """Read one preset file; any problem raises a ParameterError naming the file and the entry."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ParameterError(f"{path}: cannot read the preset file ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(data) - _KEYS
    if unknown:
        raise ParameterError(f"{path}: unknown entry {sorted(unknown)[0]!r}: expected {', '.join(sorted(_KEYS))}")
    for key in ("title", "article", "description"):
        if not isinstance(data.get(key, ""), str):
            raise ParameterError(f"{path}: {key} must be text")
    params = Params.from_values(_table(path, data, "params"), source=f"{path} [params]")
    explore = _names(path, data, "explore", PARAMETERS, "parameter")
    metrics = _names(path, data, "metrics", SUMMARY, "summary number")
    variants = {}
    for name, values in _table(path, data, "variants").items():
        if not isinstance(values, dict):
            raise ParameterError(f"{path}: [variants.{name}] must be a table of parameter values")
        variants[name] = Params.from_values(values, base=params, source=f"{path} [variants.{name}]")
    return Preset(name=path.stem, title=data.get("title", path.stem), article=data.get("article", ""),
                  description=data.get("description", ""), params=params, explore=explore,
                  plots=tuple(data.get("plots", Preset.plots)), metrics=metrics or Preset.metrics,
                  variants=variants, path=str(path))


def _names(path: Path, data: dict[str, Any], key: str, known: Any, what: str) -> tuple[str, ...]:
    names = data.get(key, [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ParameterError(f"{path}: {key} must be a list of {what} names")
    for name in names:
        if name not in known:
            raise ParameterError(f"{path}: {key} names unknown {what} {name!r}: expected names from {', '.join(known)}")
    return tuple(names)


def _table(path: Path, data: dict[str, Any], key: str) -> dict[str, Any]:
    table = data.get(key, {})
    if not isinstance(table, dict):
        raise ParameterError(f"{path}: [{key}] must be a table")
    return table


@cache
def _presets(directory: Path) -> dict[str, Preset]:
    return {p.stem: load_preset(p) for p in sorted(directory.glob("*.toml"))}


def presets() -> dict[str, Preset]:
    """Every preset in ``data/scenarios``, by name."""
    return dict(_presets(SCENARIO_DIR))


def get_preset(preset: str | Path | Preset) -> Preset:
    """A preset by name, by the path of a TOML file, or as given."""
    if isinstance(preset, Preset):
        return preset
    known = _presets(SCENARIO_DIR)
    if isinstance(preset, str) and preset in known:
        return known[preset]
    if str(preset).endswith(".toml"):
        return load_preset(preset)
    raise ParameterError(f"preset={preset!r} is not a preset: expected one of {', '.join(known)}, or the path of a .toml file")
