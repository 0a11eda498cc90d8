"""An exercise's :class:`Rule`, and the runs and tables the articles' answer rules share (cached per setting)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pandas as pd

from ...model.errors import ParameterError
from ...model.scenarios import run


@dataclass(frozen=True)
class Rule:
    """One predict-then-check exercise: its question, choices, answer rule and explanation.

    ``decide(value)`` runs the model with the control at ``value`` and returns the right choice and
    the evidence shown after Check. ``holds(value)`` is where the question's answer is claimed
    (everywhere when None); ``where`` is the question's words for it.
    """

    article: str
    number: int
    question: str
    choices: tuple[str, ...]
    control: str
    at: Any
    decide: Callable[[Any], tuple[str, Any]] = field(repr=False)
    why: str = field(repr=False)
    where: str = ""
    holds: Callable[[Any], bool] | None = field(default=None, repr=False)

    @property
    def key(self) -> str:
        return f"{self.article}/{self.number}"

    def answer(self, value: Any = None) -> tuple[str, Any]:
        """The right choice and its evidence, with the control at ``value`` (the question's value by default)."""
        answer, evidence = self.decide(self.at if value is None else value)
        if answer not in self.choices:
            raise ParameterError(f"exercise {self.key}: answer {answer!r} is not one of its choices")
        return answer, evidence


@lru_cache(maxsize=256)
def _cached(preset: str, settings: tuple) -> Any:
    return run(preset, **dict(settings))


def _run(preset: str, **settings: Any) -> Any:
    """A run of ``preset`` (cached: the rules share their baselines)."""
    return _cached(preset, tuple(sorted((k, _frozen(v)) for k, v in settings.items())))


def _frozen(value: Any) -> Any:
    return tuple(_frozen(v) for v in value) if isinstance(value, (list, tuple)) else value


def _compare(runs: dict[str, Any], numbers: list[str]) -> pd.DataFrame:
    from ...model.result import compare

    return compare(runs, numbers)
