"""The configuration figure of a run: launches of the forbidden product hour by hour, stopped by their agents or let
through by agents that had not yet downloaded the ban, with the ban's hour marked and the spans when no server
answered shaded (Q244906, Q263023, Q245271). A :class:`~kbsim.ui.plots.engine.RunPlot`, named in
:data:`kbsim.ui.plots.runs.PLOTS` as ``configuration_reach``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ...model.result import Result
from ...model.service import HUNG, STOPPED
from .engine import GREY, PALETTE, RunPlot, _bins, _day_number, _describe, _per_bin, _time_axes, _time_span

#: The service states in which a server answers nobody (an outage, a Remodbc.exe hang).
_SILENT = {STOPPED, HUNG}


def no_server_spans(result: Result) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The spans (site-server clock) when no metering server answered, read from the services' states."""
    start = pd.Timestamp(result.params.start)
    end = start + pd.Timedelta(days=result.params.days)
    changes = result.events[result.events["kind"] == "service_state"]
    silent = [False] * result.params.n_servers
    spans, since = [], None
    for time, server, state in zip(changes["time"], changes["server"], changes["state"].astype(str)):
        silent[int(server)] = state in _SILENT
        if all(silent) and since is None:
            since = time
        elif not all(silent) and since is not None:
            spans.append((since, time))
            since = None
    if since is not None:
        spans.append((since, end))
    return spans


class ConfigurationPlot(RunPlot):
    """Launches of the forbidden product per hour: stopped by the agents that had the ban, let through by the rest."""

    name = "configuration_reach"
    title = "Launches of the forbidden product"

    def build(self) -> None:
        _time_axes(self.ax, "launches per 1 h")

    def draw(self, result: Result) -> None:
        params, events = result.params, result.events
        edges = _bins(params.start, params.days, 1.0)
        product = params.forbidden_product
        mine = events[events["product"].eq(product).fillna(False).to_numpy(dtype=bool)]
        launched = mine[mine["kind"].isin(["grant", "deny", "logged_locally"])]
        banned = pd.Timestamp(params.start) + pd.Timedelta(hours=params.forbid_at_h)
        after = launched[launched["time"] >= banned]
        stopped = mine.loc[mine["kind"] == "launch_stopped", "time"]
        self.stairs(
            "let through",
            _per_bin(after["time"], edges),
            edges,
            color=PALETTE[3],
            label="let through: the client had not downloaded the ban",
            linewidth=2,
            fill=True,
            alpha=0.8,
        )
        self.stairs(
            "stopped",
            _per_bin(stopped, edges),
            edges,
            color=PALETTE[0],
            label="stopped by the client's agent",
            linewidth=1.4,
            fill=False,
        )
        self.stairs(
            "before",
            _per_bin(launched.loc[launched["time"] < banned, "time"], edges),
            edges,
            color=GREY,
            label="before the ban",
            linewidth=1.0,
            fill=False,
        )
        for i, (left, right) in enumerate(no_server_spans(result)):
            self.replace(
                self.ax.axvspan(
                    _day_number(left),
                    _day_number(right),
                    color=PALETTE[4],
                    alpha=0.15,
                    label="no server answers" if i == 0 else None,
                )
            )
        s = result.summary
        if params.forbid_at_h < params.days * 24:
            self.replace(self.ax.axvline(_day_number(banned), color="#000000", linestyle="--", label="the ban"))
            reach = (
                f"every client had it {s['ban_reach_h']:g} h after it"
                if not np.isnan(s["ban_reach_h"])
                else f"{s['clients_without_ban']} clients still lacked it at the end"
            )
            text = (
                f"Product {product} forbidden at {params.forbid_at_h:g} h: {s['launches_stopped']} launches stopped, "
                f"{s['launches_let_through']} let through by clients that had not yet downloaded it; {reach}."
            )
        else:
            text = f"Product {product} is not forbidden within this run: every launch is asked or logged as before."
        _time_span(self.ax, params.start, params.days, f"{self.title} (product {product})")
        _describe(self.ax, text)

    def limits(self, result: Result) -> None:
        self.ax.set_ylim(bottom=0)


def configuration_reach(result: Result, ax: Axes | None = None) -> Axes:
    """Launches of the forbidden product per hour: stopped by their agents, or let through before the download."""
    return ConfigurationPlot.once(result, ax)
