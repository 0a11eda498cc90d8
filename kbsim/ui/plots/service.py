"""The service figure of a run: each server's SMS_LICENSE_SERVER state over time, with every status message 9406
marked (Q299261, Q245271, Q226827's outages). A :class:`~kbsim.ui.plots.engine.RunPlot`, named in
:data:`kbsim.ui.plots.runs.PLOTS` as ``service_timeline``.
"""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.figure
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.container import Container

from ...model.result import Result
from ...model.service import MESSAGE_9406, RUNNING
from .engine import (
    GREY,
    PALETTE,
    SMALL_PT,
    STATE_COLOURS,
    RunPlot,
    _describe,
    _margins,
    _time_axes,
    _time_span,
)


class ServicePlot(RunPlot):
    """Each server's SMS_LICENSE_SERVER state over time, with every status message 9406 marked."""

    name = "service_timeline"

    @classmethod
    def height(cls, result: Result) -> float:
        return 2.6 + 0.6 * result.params.n_servers  # a row per server

    def margins(self, fig: matplotlib.figure.Figure) -> None:
        _margins(fig)
        fig.subplots_adjust(left=0.09, right=0.97, bottom=1.45 / fig.get_figheight())  # the legend below

    def build(self) -> None:
        _time_axes(self.ax, "")
        self.ax.grid(False)

    def draw(self, result: Result) -> None:
        ax = self.ax
        start = pd.Timestamp(result.params.start)
        end = start + pd.Timedelta(days=result.params.days)
        changes = result.events[result.events["kind"] == "service_state"]
        for server in range(result.params.n_servers):
            spans, since, state = [], start, RUNNING
            mine = changes[changes["server"] == server]
            for time, new_state in zip(mine["time"], mine["state"].astype(str)):
                spans.append((since, time, state))
                since, state = time, new_state
            spans.append((since, end, state))
            for left, right, st in spans:
                if right > left:
                    self.replace(
                        ax.broken_barh(
                            [(mdates.date2num(left), mdates.date2num(right) - mdates.date2num(left))],
                            (server - 0.3, 0.6),
                            color=STATE_COLOURS.get(st, GREY),
                        )
                    )
        status = result.status[result.status["message_id"] == MESSAGE_9406]
        self.line(
            "9406",
            status["time"],
            status["server"] + 0.42,
            marker="v",
            color="#000000",
            markersize=4,
            linestyle="none",
            label=f"status message 9406 ({len(status)})",
        )
        self.kept["9406"].set_label(f"status message 9406 ({len(status)})")
        packs = result.events.loc[result.events["kind"] == "pack", "time"].drop_duplicates()
        for i, t in enumerate(packs):
            self.replace(
                ax.axvline(
                    t, color=PALETTE[4], linestyle="--", linewidth=1, label="weekly pack (PackTime)" if i == 0 else None
                )
            )
        for st, colour in STATE_COLOURS.items():
            self.line(
                ("state", st), [], [], marker="s", linestyle="none", color=colour, markersize=10, label=f"service {st}"
            )
        n = result.params.n_servers
        ax.set_yticks(range(n), [f"server {s}" for s in range(n)])
        first = f", the first at {status['time'].iloc[0]:%a %H:%M}" if len(status) else ""
        _time_span(
            ax,
            result.params.start,
            result.params.days,
            f"Licence server service and status message 9406 ({result.params.service_pack})",
        )
        _describe(
            ax,
            f"SMS_LICENSE_SERVER state on {n} servers at {result.params.service_pack}: "
            f"{len(status)} status messages 9406{first}.",
        )

    def limits(self, result: Result) -> None:
        self.ax.set_ylim(-0.6, result.params.n_servers - 0.2 + 0.3)

    legend_apart = False  # below the axes, beside the time axis' labels: drawn every time

    def legend(self, handles: list[Artist | Container]) -> None:
        self.ax.legend(handles=handles, loc="upper left", fontsize=SMALL_PT, ncols=3, bbox_to_anchor=(0, -0.22))


def service_timeline(result: Result, ax: Axes | None = None) -> Axes:
    """Each server's SMS_LICENSE_SERVER state over time, with every status message 9406 marked."""
    return ServicePlot.once(result, ax)
