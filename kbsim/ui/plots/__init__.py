"""Figures of a run. Each takes a Result and an optional matplotlib Axes, and never runs a simulation.

:func:`sweep_band` is the one exception: it draws a sweep's summary over many runs; and
:func:`evidence_requests` and :func:`evidence_licences` draw a mystery site's evidence
(:class:`kbsim.teaching.evidence.Evidence`), which keeps no Result.

Every figure is titled, its axes carry units, outages are shaded and
balancing cycles ticked on the time axis, colours are the Okabe-Ito
colour-blind-safe palette, and the figure carries a small stamp of the run's
preset, seed, changed parameters and kbsim version. Each function also leaves
a one-sentence description of what the figure shows (read it with
:func:`alt_text`), for alt text and screen readers.

Each figure of a run is a :class:`RunPlot`: built once (what no run changes: titles, axis labels
and scales, tick style, grid), then updated for a Result (its data, limits, legend, stamp and
description). The functions (``denials_over_time(result)``...) build and update once; an explorer
keeps one figure per plot (:func:`kept`) and updates it in place at every move, which costs less
than drawing it anew.

This package is the public name (``from kbsim import plots``); its parts: :mod:`.engine` (the figure
engine: style, alt text and stamps, the time axis, legends, :class:`RunPlot`'s update in place, PNG
encoding, :class:`Figure`), :mod:`.runs` (the figures of a run and :data:`PLOTS`), :mod:`.service` (the
service timeline), :mod:`.configuration` (the forbidden product's launches),
:mod:`.sweep` (:func:`sweep_band`) and :mod:`.evidence` (a mystery site's evidence figures).
"""

from __future__ import annotations

from .configuration import ConfigurationPlot, configuration_reach
from .engine import (
    DPI,
    GREY,
    HEIGHT_IN,
    LABEL_PT,
    LEGEND_CHARS,
    PALETTE,
    SMALL_PT,
    STATE_COLOURS,
    TITLE_PT,
    WIDTH_IN,
    Figure,
    RunPlot,
    alt_text,
    png,
)
from .evidence import EVIDENCE_PLOTS, evidence_licences, evidence_requests, show_evidence
from .runs import (
    PLOTS,
    ClientAttemptsPlot,
    HeldRunsPlot,
    InUseVsRunningPlot,
    LicenceDistributionPlot,
    MeteringWorkPlot,
    RequestsPlot,
    UsagePlot,
    check_plot,
    client_attempts,
    denials_over_time,
    in_use_vs_running,
    kept,
    license_distribution,
    metering_work,
    show,
    uploads_over_time,
    usage_by_clock_offset,
)
from .service import ServicePlot, service_timeline
from .sweep import sweep_band

__all__ = [
    "DPI",
    "EVIDENCE_PLOTS",
    "GREY",
    "HEIGHT_IN",
    "LABEL_PT",
    "LEGEND_CHARS",
    "PALETTE",
    "PLOTS",
    "SMALL_PT",
    "STATE_COLOURS",
    "TITLE_PT",
    "WIDTH_IN",
    "ClientAttemptsPlot",
    "ConfigurationPlot",
    "Figure",
    "HeldRunsPlot",
    "InUseVsRunningPlot",
    "LicenceDistributionPlot",
    "MeteringWorkPlot",
    "RequestsPlot",
    "RunPlot",
    "ServicePlot",
    "UsagePlot",
    "alt_text",
    "check_plot",
    "client_attempts",
    "configuration_reach",
    "denials_over_time",
    "evidence_licences",
    "evidence_requests",
    "in_use_vs_running",
    "kept",
    "license_distribution",
    "metering_work",
    "png",
    "service_timeline",
    "show",
    "show_evidence",
    "sweep_band",
    "uploads_over_time",
    "usage_by_clock_offset",
]
