"""The controls: one widget per parameter, built from its declaration, that cannot hold a value it refuses.

A number gets a slider over a short range or a bounded box for typed entry over a long one (with its range
in words beside it), a choice a dropdown, a flag a checkbox, the outages an :class:`OutageControl`, the
unreachable servers a multiple selection and the weekly pack's time a dropdown of the run's days. The
explorer (:mod:`kbsim.ui.explorer`) lays them out and runs the site at every move.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import ipywidgets as widgets

from ..model.kinds import (
    BoolKind,
    ChoiceKind,
    IntKind,
    Kind,
    NumberKind,
    OutagesKind,
    PackTimeKind,
    ProductKind,
    ServersKind,
)
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
    whole: bool, value: float, low: float, high: float, step: float, description: str, tooltip: str
) -> widgets.Widget:
    """A slider over a short range, or a bounded box for typed entry over a long one (see SLIDER_STEPS);
    ``whole``: integers only."""
    common = dict(
        value=value, min=low, max=high, step=step, description=description, tooltip=tooltip, style=STYLE, layout=ROW
    )
    if (high - low) / step > SLIDER_STEPS:
        box = widgets.BoundedIntText if whole else widgets.BoundedFloatText
        return box(**common)
    slider = widgets.IntSlider if whole else widgets.FloatSlider
    readout = {} if whole else {"readout_format": f".{_decimals(step)}f"}
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


def _number_widget(parameter: Parameter, params: Params, value: Any, common: dict) -> widgets.Widget:
    assert parameter.low is not None and parameter.high is not None, f"{parameter.name}: a number has a range"
    whole = isinstance(parameter.kind, IntKind)
    step = parameter.step or (1 if whole else 0.1)
    return number_control(
        whole, value, parameter.low, parameter.high, step, **{k: common[k] for k in ("description", "tooltip")}
    )


def _checkbox(parameter: Parameter, params: Params, value: Any, common: dict) -> widgets.Widget:
    return widgets.Checkbox(value=value, indent=True, **common)


def _dropdown(parameter: Parameter, params: Params, value: Any, common: dict) -> widgets.Widget:
    return widgets.Dropdown(options=list(parameter.choices), value=value, **common)


def _products(parameter: Parameter, params: Params, value: Any, common: dict) -> widgets.Widget:
    return widgets.Dropdown(options=[(f"product {p}", p) for p in range(params.n_products)], value=value, **common)


def _outages(parameter: Parameter, params: Params, value: Any, common: dict) -> widgets.Widget:
    return OutageControl(params)


def _servers(parameter: Parameter, params: Params, value: Any, common: dict) -> widgets.Widget:
    return widgets.SelectMultiple(
        options=[(f"server {s}", s) for s in range(params.n_servers)],
        value=value,
        rows=min(4, params.n_servers),
        **common,
    )


#: What a pack-time dropdown shows for the default (None): a Dropdown cannot show None as a selected option.
_DEFAULT_PACK = ""


def _pack_times(parameter: Parameter, params: Params, value: Any, common: dict) -> widgets.Widget:
    first = first_pack(params.start)
    # Every day of the run and a week beyond it at the pack's time of day (a PackTime a week later, say).
    days = [first + timedelta(days=d) for d in range(-((first - params.start).days), params.days + 7)]
    options = [("first Sunday 01:59:59 (default)", _DEFAULT_PACK)] + [
        (f"{d:%a %Y-%m-%d %H:%M:%S}", d) for d in days if d >= params.start
    ]
    if value is not None and value not in [v for _, v in options]:
        options.append((f"{value:%a %Y-%m-%d %H:%M:%S}", value))
    return widgets.Dropdown(options=options, value=_DEFAULT_PACK if value is None else value, **common)


def _text(parameter: Parameter, params: Params, value: Any, common: dict) -> widgets.Widget:
    return widgets.Text(value=parameter.to_plain(value), **common)  # dates: checked when the run is made


def _held(parameter: Parameter, widget: widgets.Widget) -> Any:
    return widget.value


def _show(widget: widgets.Widget, value: Any) -> None:
    widget.value = value


@dataclass(frozen=True)
class KindWidget:
    """How a kind of parameter is shown: the widget made for it (``make(parameter, params, value, common)``,
    ``common`` its description, tooltip, style and layout), the value it holds, and how it is set to a value."""

    make: Callable[[Parameter, Params, Any, dict], widgets.Widget]
    held: Callable[[Parameter, widgets.Widget], Any] = _held
    show: Callable[[widgets.Widget, Any], None] = _show


#: The widget of each kind of parameter (:mod:`kbsim.model.kinds`), by its class; a kind not here takes its
#: nearest base class's, and a kind with none a text box (:data:`TEXT`) whose text is checked when the run is made.
WIDGETS: dict[type[Kind], KindWidget] = {
    NumberKind: KindWidget(_number_widget, held=lambda parameter, widget: parameter.on_step(widget.value)),
    BoolKind: KindWidget(_checkbox),
    ChoiceKind: KindWidget(_dropdown),
    OutagesKind: KindWidget(
        _outages, show=lambda widget, value: widget.set_value(value)
    ),  # its own parts, kept inside the run
    ServersKind: KindWidget(_servers, held=lambda parameter, widget: tuple(widget.value)),
    ProductKind: KindWidget(_products),
    PackTimeKind: KindWidget(
        _pack_times, show=lambda widget, value: setattr(widget, "value", _DEFAULT_PACK if value is None else value)
    ),
}
TEXT = KindWidget(_text)


def kind_widget(parameter: Parameter) -> KindWidget:
    """How ``parameter`` is shown: its kind's entry in :data:`WIDGETS`, the nearest base class's, else :data:`TEXT`."""
    for cls in type(parameter.kind).__mro__:
        if cls in WIDGETS:
            return WIDGETS[cls]
    return TEXT


def control(parameter: Parameter, params: Params) -> widgets.Widget:
    """The widget for one parameter, from its declaration; it cannot hold a value the declaration refuses."""
    value = getattr(params, parameter.name)
    common = dict(description=_label(parameter), tooltip=_tooltip(parameter), style=STYLE, layout=ROW)
    return kind_widget(parameter).make(parameter, params, value, common)


def held(parameter: Parameter, widget: widgets.Widget) -> Any:
    """The value ``widget`` (``parameter``'s control) holds now, as the parameter takes it."""
    return kind_widget(parameter).held(parameter, widget)


def show(parameter: Parameter, widget: widgets.Widget, value: Any) -> None:
    """Set ``widget`` (``parameter``'s control) to a checked ``value``, as a user would."""
    kind_widget(parameter).show(widget, value)
