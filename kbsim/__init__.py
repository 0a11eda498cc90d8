"""kbsim: a discrete-event simulation of SMS 2.0 Software Metering, one preset per KB article.

    >>> import kbsim
    >>> result = kbsim.run("Q226827", seed=1, retries=3)
    >>> result.summary["denials"], result.events.head()

``run`` validates every value against the one declaration of parameters
(:data:`PARAMETERS`) and raises :class:`ParameterError` naming the input and
what is allowed. Plots live in :mod:`kbsim.plots`, separate from the model.
:func:`sweep` runs a preset over a grid of values and seeds on any executor,
:func:`summarize_sweep` gives means and 95% intervals over seeds, and
:mod:`kbsim.logs` renders a run as the SMS logs an administrator read.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

from . import logs
from .errors import ParameterError
from .mystery import Case, mystery
from .parameters import PARAMETERS, Parameter, Params
from .record import EVENT_FACTS, EVENT_KINDS
from .result import SUMMARY, Result, compare
from .sampling import SITE_RESERVE
from .scenarios import FAULT, Preset, get_preset, load_preset, presets
from .service import RemodbcConfig, read_remodbc
from .site import simulate
from .size import RunSize, check_size, estimate
from .sweeps import moved_outages, seed_convergence, summarize_sweep, sweep
from .version import __version__

__all__ = [
    "EVENT_FACTS",
    "EVENT_KINDS",
    "PARAMETERS",
    "SITE_RESERVE",
    "SUMMARY",
    "Case",
    "Parameter",
    "ParameterError",
    "Params",
    "Preset",
    "RemodbcConfig",
    "Result",
    "RunSize",
    "__version__",
    "classroom",
    "compare",
    "estimate",
    "explore",
    "get_preset",
    "load_preset",
    "logs",
    "moved_outages",
    "mystery",
    "mystery_page",
    "presets",
    "read_remodbc",
    "run",
    "seed_convergence",
    "summarize_sweep",
    "sweep",
]


def run(
    preset: str | Path | Preset = "site",
    *,
    variant: str | None = None,
    seed: int | None = None,
    allow_large: bool = False,
    **overrides: Any,
) -> Result:
    """Run a preset (by name, file or object), optionally a variant of it, with parameter overrides.

    ``seed`` overrides the preset's seed; the same parameters and seed always
    give the same Result. Unknown or out-of-range parameters raise ParameterError.
    A run estimated beyond :mod:`kbsim.size`'s limits (5 million launches or 8 million
    event rows: tens of seconds and gigabytes) raises ParameterError saying how large
    it would be, unless ``allow_large=True``; :func:`estimate` gives a run's size first.
    """
    chosen = get_preset(preset)
    base = chosen.variant(variant)
    if seed is not None:
        overrides["seed"] = seed
    params = Params.from_values(overrides, base=base)
    check_size(params, allow_large)
    return simulate(params, preset=chosen.name, variant="" if variant in (None, "", FAULT) else variant, base=base)


def explore(
    preset: str | Path | Preset = "site",
    variant: str | None = None,
    plots: tuple[str, ...] | None = None,
    setting: str | None = None,
):
    """Widgets for a preset's exposed parameters with its plots and summary: see :mod:`kbsim.explorer`.

    ``setting`` is a code from another explorer's Setting box (the instructor's): the explorer opens on it.
    """
    from .explorer import explore as _explore  # widgets and pyplot load only when a notebook asks for them

    return _explore(preset, variant=variant, plots=plots, setting=setting)


def mystery_page(seed: int = 1, level: int = 1, reveal: bool | None = None):
    """A mystery site's evidence and answer widgets on one page: see :mod:`kbsim.mystery_widgets`.

    The Reveal button shows only in the instructor's answer key (``KBSIM_ANSWER_KEY=1``) or with ``reveal=True``.
    """
    from .mystery_widgets import MysteryPage  # widgets load only when a notebook asks for them

    return MysteryPage(seed, level, reveal)


#: Modules reached as ``kbsim.<name>`` that load widgets or pyplot: imported on first use, so that ``import kbsim``
#: (a sweep's worker, the command line, a script) loads neither.
_ON_FIRST_USE = ("classroom", "plots")


def __getattr__(name: str) -> ModuleType:
    if name in _ON_FIRST_USE:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'kbsim' has no attribute {name!r}")
