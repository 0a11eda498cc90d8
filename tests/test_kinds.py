"""Parameter kinds (kbsim.model.kinds): each kind is one class, and a new kind needs only its class."""

import re
from pathlib import Path
from types import SimpleNamespace

import ipywidgets as widgets
import pytest

import kbsim.model.kinds as kinds
from kbsim import PARAMETERS, ParameterError, Params
from kbsim.model.kinds import KINDS, IntKind, Kind
from kbsim.model.parameters import Parameter
from kbsim.ui.cli import parse_grid, parse_settings
from kbsim.ui.controls import TEXT, WIDGETS, control, held, kind_widget, show

PACKAGE = Path(kinds.__file__).parents[1]
PARAMETERS_BY_KIND = {p.kind.name: p for p in PARAMETERS.values()}


def test_every_declared_kind_is_a_registered_kind_class_with_its_own_widget_or_a_text_box():
    assert {p.kind.name for p in PARAMETERS.values()} == set(KINDS)
    for parameter in PARAMETERS.values():
        assert KINDS[parameter.kind.name] is parameter.kind, parameter.name
    # Every kind but the run's start has a widget of its own; the start is typed, checked when the run is made.
    assert {name for name, kind in KINDS.items() if kind_widget(PARAMETERS_BY_KIND[name]) is TEXT} == {"datetime"}
    assert all(issubclass(cls, Kind) for cls in WIDGETS)


def test_a_new_kind_is_its_class_alone_checks_words_command_line_widget_and_sweep_grid(monkeypatch):
    site = Params()
    monkeypatch.setattr(kinds, "KINDS", dict(KINDS))  # registered for this test only

    class WeekdayKind(Kind):
        name = "weekday"
        days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

        def allowed(self, parameter):
            return "a day of the week such as 'Sun'"

        def check(self, parameter, value):
            if value not in self.days:
                raise parameter.fail(value)
            return value

    pack_day = Parameter(name="pack_day", kind="weekday", default="Sun", help="day of the weekly pack")
    assert isinstance(pack_day.kind, WeekdayKind) and kinds.KINDS["weekday"] is pack_day.kind
    assert pack_day.check("Mon") == "Mon" and pack_day.to_plain("Mon") == "Mon"
    with pytest.raises(ParameterError) as refused:
        pack_day.check("Funday")
    assert str(refused.value) == "pack_day='Funday' is not allowed: expected a day of the week such as 'Sun'"
    # The command line reads it through the declaration: --set and --grid need nothing of their own.
    monkeypatch.setitem(PARAMETERS, "pack_day", pack_day)
    assert parse_settings(["pack_day= Tue"]) == {"pack_day": "Tue"}
    assert parse_grid(["pack_day=Mon,Sat"]) == {"pack_day": ["Mon", "Sat"]}
    with pytest.raises(ParameterError, match=r"^--grid pack_day='Xyz' is not allowed: expected a day of the week"):
        parse_grid(["pack_day=Mon,Xyz"])
    # With no widget of its own it is a text box; a kind derived from one that has a widget takes that widget.
    box = control(pack_day, SimpleNamespace(pack_day="Sun"))
    assert isinstance(box, widgets.Text) and box.value == "Sun"
    show(pack_day, box, "Wed")
    assert held(pack_day, box) == "Wed"

    class ServersCountKind(IntKind):
        name = "servers_count"

    count = Parameter(name="n_servers", kind=ServersCountKind, default=2, help="servers", low=1, high=8, step=1)
    slider = control(count, site)
    assert isinstance(slider, widgets.IntSlider) and (slider.min, slider.max, slider.value) == (1, 8, 2)
    slider.value = 5
    assert held(count, slider) == 5 and count.on_step(4.6) == 5 and count.allowed() == "an integer from 1 to 8"


def test_a_kind_is_not_a_word_so_an_old_comparison_fails_loudly_instead_of_being_false():
    with pytest.raises(TypeError, match="a parameter's kind is a Kind, not a word"):
        PARAMETERS["licenses"].kind == "int"  # noqa: B015
    with pytest.raises(TypeError):
        PARAMETERS["licenses"].kind in ("int", "float")  # noqa: B015
    assert PARAMETERS["licenses"].kind is PARAMETERS["seed"].kind is KINDS["int"]
    with pytest.raises(ValueError, match=r"kind='integer' is not a kind of parameter: expected one of int, float"):
        Parameter(name="x", kind="integer", default=1, help="x")


def test_nothing_outside_the_kind_classes_switches_on_a_kind_by_its_word():
    word = "|".join(map(re.escape, KINDS))
    switch = re.compile(rf"kind\s*(==|!=|in)\s*\(?\s*['\"]({word})['\"]|getattr\([^)]*kind")
    found = [
        f"{path.relative_to(PACKAGE)}:{n}: {line.strip()}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != Path(kinds.__file__)  # the kind classes themselves
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if switch.search(line)
    ]
    assert found == []
