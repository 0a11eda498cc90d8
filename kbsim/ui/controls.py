"""The controls: one widget per parameter, built from its declaration, that cannot hold a value it refuses.

A number gets a slider over a short range or a bounded box for typed entry over a long one (with its range
in words beside it), a choice a dropdown, a flag a checkbox, the outages an :class:`OutageControl`, the
unreachable servers a multiple selection and the weekly pack's time a dropdown of the run's days. The
explorer (:mod:`kbsim.ui.explorer`) lays them out and runs the site at every move.
"""

from __future__ import annotations

from datetime import timedelta

import ipywidgets as widgets

from ..model.parameters import PARAMETERS, Parameter, Params
from ..model.service import first_pack

#: A numeric range of more steps than this gets a bounded box for typed entry (with a hint of its range)
#: instead of a slider: on a slider a few hundred pixels wide, more steps could not all be reached by mouse.
SLIDER_STEPS = 200

#: A control's row: the full width of the controls' column, its description 230 px wide.
ROW = widgets.Layout(width="100%")
STYLE = {"description_width": "230px"}


def _label(parameter: Parameter) -> str:
    """Words with the unit once, from the declaration: "Retry delay (min)"."""
    return parameter.label or (f"{parameter.name} ({parameter.unit})" if parameter.unit else parameter.name)


def _tooltip(parameter: Parameter) -> str:
    return f"{parameter.name}: {parameter.help}"


def number_control(
    kind: str, value: float, low: float, high: float, step: float, description: str, tooltip: str
) -> widgets.Widget:
    """A slider over a short range, or a bounded box for typed entry over a long one (see SLIDER_STEPS)."""
    common = dict(
        value=value, min=low, max=high, step=step, description=description, tooltip=tooltip, style=STYLE, layout=ROW
    )
    if (high - low) / step > SLIDER_STEPS:
        box = widgets.BoundedIntText if kind == "int" else widgets.BoundedFloatText
        return box(**common)
    slider = widgets.IntSlider if kind == "int" else widgets.FloatSlider
    readout = {} if kind == "int" else {"readout_format": f".{_decimals(step)}f"}
    return slider(continuous_update=False, **readout, **common)


def _decimals(step: float) -> int:
    text = f"{step:g}"
    return len(text.split(".")[1]) if "." in text else 0


def _hint(widget: widgets.Widget) -> str:
    """The range a typed box takes, in words beside it."""
    if isinstance(widget, (widgets.BoundedIntText, widgets.BoundedFloatText)):
        return f"type {_number(widget.min)} to {_number(widget.max)}"
    return ""


def _number(value: float) -> str:
    """A bound as people write it: 4,294,967,295 and 0.25, never 4.29497e+09."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


def with_hint(widget: widgets.Widget) -> widgets.Widget:
    """A control as shown: a typed box gets its range beside it."""
    hint = _hint(widget)
    if not hint:
        return widget
    widget.layout = widgets.Layout(width="calc(100% - 185px)")
    return widgets.HBox(
        [widget, widgets.HTML(f"<span style='color:#555'>{hint}</span>", layout=widgets.Layout(width="180px"))],
        layout=ROW,
    )


class OutageControl(widgets.VBox):
    """One outage as server, start and length: ``value`` is the ``outages`` parameter.

    Start and length are typed (with their range as a hint): a run of days spans thousands of minutes,
    more than a slider can offer a step each. They are disabled while the server says "none".
    """

    NONE = "none"

    def __init__(self, params: Params) -> None:
        self.n_servers = params.n_servers
        declared = PARAMETERS["outages"]
        options = [("none", self.NONE)] + [(f"server {s}", s) for s in range(params.n_servers)]
        if params.n_servers > 1:
            options.append(("all servers", "all"))
        self.server = widgets.Dropdown(
            options=options,
            value=self.NONE,
            description="Outage: server",
            tooltip=_tooltip(declared),
            style=STYLE,
            layout=ROW,
        )
        self.start_h = widgets.BoundedFloatText(
            min=0,
            step=0.25,
            description="Outage start (h from start)",
            tooltip="outages: hour of the run the server goes offline",
            style=STYLE,
            layout=ROW,
        )
        self.minutes = widgets.BoundedFloatText(
            min=1,
            step=1,
            value=60,
            description="Outage length (min)",
            tooltip="outages: minutes the server stays offline",
            style=STYLE,
            layout=ROW,
        )
        self.set_days(params.days)
        self.start_row, self.minutes_row = with_hint(self.start_h), with_hint(self.minutes)
        super().__init__([self.server, self.start_row, self.minutes_row], layout=ROW)
        self.server.observe(lambda _: self._enable(), names="value")
        self.set_value(params.outages)

    def _enable(self) -> None:
        self.start_h.disabled = self.minutes.disabled = self.server.value == self.NONE

    def set_days(self, days: int) -> None:
        """Keep the boxes inside the run (their range derives from ``days``), and their hints true."""
        self.start_h.max = days * 24 - 0.25
        self.minutes.max = days * 1440
        for box, row in (
            (self.start_h, getattr(self, "start_row", None)),
            (self.minutes, getattr(self, "minutes_row", None)),
        ):
            if row is not None:
                row.children[1].value = f"<span style='color:#555'>{_hint(box)}</span>"

    @property
    def value(self) -> tuple:
        server = self.server.value
        if server == self.NONE:
            return ()
        servers = range(self.n_servers) if server == "all" else [server]
        start_h, minutes = round(self.start_h.value / 0.25) * 0.25, float(round(self.minutes.value))
        return tuple((s, start_h, max(1.0, minutes)) for s in servers)

    def set_value(self, outages: tuple) -> None:
        if not outages:
            self.server.value = self.NONE
            self._enable()
            return
        same = len({(o[1], o[2]) for o in outages}) == 1
        everyone = same and sorted(o[0] for o in outages) == list(range(self.n_servers)) and self.n_servers > 1
        self.server.value = "all" if everyone else outages[0][0]
        self.start_h.value, self.minutes.value = outages[0][1], outages[0][2]
        self._enable()

    def observe_value(self, handler) -> None:
        for child in (self.server, self.start_h, self.minutes):
            child.observe(handler, names="value")


def control(parameter: Parameter, params: Params) -> widgets.Widget:
    """The widget for one parameter, from its declaration; it cannot hold a value the declaration refuses."""
    value = getattr(params, parameter.name)
    common = dict(description=_label(parameter), tooltip=_tooltip(parameter), style=STYLE, layout=ROW)
    kind = parameter.kind
    if kind in ("int", "float"):
        assert parameter.low is not None and parameter.high is not None, f"{parameter.name}: a number has a range"
        step = parameter.step or (1 if kind == "int" else 0.1)
        return number_control(
            kind, value, parameter.low, parameter.high, step, **{k: common[k] for k in ("description", "tooltip")}
        )
    if kind == "bool":
        return widgets.Checkbox(value=value, indent=True, **common)
    if kind == "choice":
        return widgets.Dropdown(options=list(parameter.choices), value=value, **common)
    if kind == "outages":
        return OutageControl(params)
    if kind == "servers":
        return widgets.SelectMultiple(
            options=[(f"server {s}", s) for s in range(params.n_servers)],
            value=value,
            rows=min(4, params.n_servers),
            **common,
        )
    if kind == "pack_time":
        first = first_pack(params.start)
        # Every day of the run and a week beyond it at the pack's time of day (a PackTime a week later, say).
        days = [first + timedelta(days=d) for d in range(-((first - params.start).days), params.days + 7)]
        # "" stands for the default: a Dropdown cannot show None as a selected option.
        options = [("first Sunday 01:59:59 (default)", "")] + [
            (f"{d:%a %Y-%m-%d %H:%M:%S}", d) for d in days if d >= params.start
        ]
        if value is not None and value not in [v for _, v in options]:
            options.append((f"{value:%a %Y-%m-%d %H:%M:%S}", value))
        return widgets.Dropdown(options=options, value="" if value is None else value, **common)
    return widgets.Text(value=parameter.to_plain(value), **common)  # dates: checked when the run is made
