"""kbsim: a discrete-event simulation of SMS 2.0 Software Metering, one preset per KB article.

    >>> import kbsim
    >>> result = kbsim.run("Q226827", seed=1, retries=3)
    >>> result.summary["denials"], result.events.head()

``run`` validates every value against the one declaration of parameters
(:data:`PARAMETERS`) and raises :class:`ParameterError` naming the input and
what is allowed. :func:`sweep` runs a preset over a grid of values and seeds on
any executor, :func:`summarize_sweep` gives means and 95% intervals over seeds,
and :mod:`kbsim.logs` renders a run as the SMS logs an administrator read.

This module is the front door: it re-exports the public names of four layers,
each importing only itself and the layers below (tests/test_layers.py):
:mod:`kbsim.model` (the simulation), :mod:`kbsim.analysis` (sweeps, logs, files
written whole), :mod:`kbsim.teaching` (articles, mystery sites, exercises, the
classroom) and :mod:`kbsim.ui` (figures, widgets, the command line).
``kbsim.plots`` and ``kbsim.classroom`` load matplotlib's pyplot and ipywidgets,
so they are imported on first use.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from .analysis import logs
from .analysis.failover import failover_delays, minutes_to_move
from .analysis.sweeps import moved_outages, seed_convergence, summarize_sweep, sweep
from .model.errors import ParameterError
from .model.parameters import PARAMETERS, Parameter, Params
from .model.record import EVENT_FACTS, EVENT_KINDS
from .model.result import SUMMARY, Result, compare
from .model.sampling import SITE_RESERVE
from .model.scenarios import FAULT, Preset, get_preset, load_preset, presets, run
from .model.service import RemodbcConfig, read_remodbc
from .model.site import simulate
from .model.size import RunSize, check_size, estimate
from .model.version import __version__
from .teaching.mystery import Case, mystery

__all__ = [
    "EVENT_FACTS",
    "EVENT_KINDS",
    "FAULT",
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
    "check_size",
    "classroom",
    "compare",
    "estimate",
    "explore",
    "failover_delays",
    "get_preset",
    "load_preset",
    "logs",
    "minutes_to_move",
    "moved_outages",
    "mystery",
    "mystery_page",
    "presets",
    "read_remodbc",
    "run",
    "seed_convergence",
    "simulate",
    "summarize_sweep",
    "sweep",
]


def explore(
    preset: str | Path | Preset = "site",
    variant: str | None = None,
    plots: tuple[str, ...] | None = None,
    setting: str | None = None,
):
    """Widgets for a preset's exposed parameters with its plots and summary: see :mod:`kbsim.ui.explorer`.

    ``setting`` is a code from another explorer's Setting box (the instructor's): the explorer opens on it.
    """
    from .ui.explorer import explore as _explore  # widgets and pyplot load only when a notebook asks for them

    return _explore(preset, variant=variant, plots=plots, setting=setting)


def mystery_page(seed: int = 1, level: int = 1, reveal: bool | None = None):
    """A mystery site's evidence and answer widgets on one page: see :mod:`kbsim.ui.mystery_widgets`.

    The Reveal button shows only in the instructor's answer key (``KBSIM_ANSWER_KEY=1``) or with ``reveal=True``.
    """
    from .ui.mystery_widgets import MysteryPage  # widgets load only when a notebook asks for them

    return MysteryPage(seed, level, reveal)


#: Modules reached as ``kbsim.<name>`` that load widgets or pyplot: imported on first use, so that ``import kbsim``
#: (a sweep's worker, the command line, a script) loads neither.
_ON_FIRST_USE = {"classroom": ".teaching.classroom", "plots": ".ui.plots"}


def __getattr__(name: str) -> ModuleType:
    if name in _ON_FIRST_USE:
        return importlib.import_module(_ON_FIRST_USE[name], __name__)
    raise AttributeError(f"module 'kbsim' has no attribute {name!r}")
