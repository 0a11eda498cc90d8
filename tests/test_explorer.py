"""Every explorer, driven like a student would: each control at its minimum and maximum, each variant.

Every setting must end in a drawn plot with its description, or in one clear message naming
the parameter; never an exception.
"""

import html

import ipywidgets as widgets
import pytest

import kbsim
from kbsim import PARAMETERS, Params
from kbsim.model.kinds import NumberKind
from kbsim.ui.controls import OutageControl

PRESETS = sorted(kbsim.presets())


def extremes(explorer, name):
    """The values a user can reach with this control: its ends (and every option for choices)."""
    widget = explorer.controls[name]
    if isinstance(widget, OutageControl):
        return [("server", v) for _, v in widget.server.options] + [
            ("start_h", widget.start_h.min),
            ("start_h", widget.start_h.max),
            ("minutes", widget.minutes.min),
            ("minutes", widget.minutes.max),
        ]
    if isinstance(widget, widgets.SelectMultiple):
        return [(None, ()), (None, tuple(v for _, v in widget.options))]
    if isinstance(widget, (widgets.Dropdown,)):
        return [(None, v if not isinstance(v, tuple) else v[1]) for v in widget.options]
    if isinstance(widget, widgets.Checkbox):
        return [(None, True), (None, False)]
    return [(None, widget.min), (None, widget.max)]


def refusal(explorer):
    """Why the model refuses the explorer's settings, or "" when it must run them.

    Each control must hold a value its own declaration accepts: a control that offers a value
    the declaration refuses is a bug, not a refusal. The model may then refuse only a
    combination (an outage on a server or after a day the run does not have), and says so.
    """
    values = explorer.values()
    for name, value in values.items():
        PARAMETERS[name].check(value)
    try:
        Params.from_values(values, base=explorer.base)
    except kbsim.ParameterError as exc:
        return str(exc)
    return ""


def assert_drawn_or_explained(explorer, name):
    why = refusal(explorer)
    if why:
        assert explorer.error == why, f"{name}: the explorer must give the model's reason"
        assert "cannot run" in explorer.message.value and html.escape(why) in explorer.message.value
        assert why.split("=")[0] in COMBINED, f"{name}: only a combination of values may be refused: {why}"
    else:
        assert explorer.error == "" and explorer.message.value == "", f"{name}: a valid setting was refused"
        assert explorer.result.params == Params.from_values(explorer.values(), base=explorer.base)
        for image, caption in zip(explorer.images, explorer.captions):
            assert image.value[:8] == b"\x89PNG\r\n\x1a\n" and caption.value.strip()
        assert explorer.call.value == explorer.result.call()


#: Parameters whose value the model checks against another one (servers against n_servers, start against days).
COMBINED = {"outages", "unreachable_servers"}


@pytest.mark.parametrize("preset", PRESETS)
def test_every_control_at_its_ends_draws_or_explains(preset):
    explorer = kbsim.explore(preset)
    assert set(explorer.controls) == set(kbsim.get_preset(preset).explore)
    for name in explorer.controls:
        for part, value in extremes(explorer, name):
            widget = explorer.controls[name]
            (getattr(widget, part) if part else widget).value = value
            assert_drawn_or_explained(explorer, name)
        explorer.reset()
        assert explorer.result.params == explorer.base


def test_the_check_above_fails_when_a_valid_setting_is_refused(monkeypatch):
    """A valid value that the explorer wrongly refuses, or a refusal without the model's reason, fails."""
    explorer = kbsim.explore("Q226827")

    def refuse(params):
        raise kbsim.ParameterError("retries=4 is not allowed: wrongly")

    monkeypatch.setattr(explorer, "run", refuse)
    explorer.controls["retries"].value = 5
    with pytest.raises(AssertionError, match="a valid setting was refused"):
        assert_drawn_or_explained(explorer, "retries")


@pytest.mark.parametrize("preset", PRESETS)
def test_every_variant_can_be_picked_and_reset(preset):
    explorer = kbsim.explore(preset)
    for label, variant in explorer.picker.options:
        explorer.picker.value = variant
        assert explorer.result.params == kbsim.get_preset(preset).variant(variant)
        assert_drawn_or_explained(explorer, "preset")
        assert explorer.summary_frame().columns.tolist() == ["label", "now", f"preset ({label})", "meaning"]


def test_a_preset_without_an_article_offers_its_baseline_not_a_fault():
    site, article = kbsim.explore("site"), kbsim.explore("Q226827")
    assert site.picker.options == (("baseline", "fault"),) and site.picker.disabled
    assert list(site.summary_frame().columns) == ["label", "now", "preset (baseline)", "meaning"]
    assert not article.picker.disabled and article.picker.label == "fault"
    assert list(article.summary_frame().columns) == ["label", "now", "preset (fault)", "meaning"]


def test_controls_follow_the_declaration():
    explorer = kbsim.explore("Q226827")
    retries = explorer.controls["retries"]
    declared = PARAMETERS["retries"]
    assert (retries.min, retries.max, retries.step, retries.value) == (declared.low, declared.high, declared.step, 4)
    assert retries.continuous_update is False  # update on release, no piled-up runs while dragging
    assert explorer.controls["failover"].options == declared_choices("failover")
    assert isinstance(explorer.controls["seed"], widgets.BoundedIntText)  # a range too wide for a slider


def declared_choices(name):
    return PARAMETERS[name].choices


def test_moving_a_control_changes_plot_numbers_and_code_and_going_back_restores_them():
    explorer = kbsim.explore("Q226827")
    before = (explorer.images[0].value, explorer.summary.value, explorer.call.value)
    explorer.controls["failover"].value = "after_retries"
    assert explorer.result.summary["failovers"] == 0
    assert explorer.images[0].value != before[0] and explorer.summary.value != before[1]
    assert explorer.call.value == "kbsim.run('Q226827', seed=1, failover='after_retries')"
    explorer.controls["failover"].value = "immediate"
    assert (explorer.images[0].value, explorer.summary.value, explorer.call.value) == before


def test_set_checks_names_and_values():
    explorer = kbsim.explore("Q226827")
    with pytest.raises(kbsim.ParameterError, match="retries=0 is not allowed"):
        explorer.set(retries=0)
    with pytest.raises(kbsim.ParameterError, match="mode is not in this explorer"):
        explorer.set(mode="offline")
    explorer.set(retries=2, outages=[[0, 10, 30]])
    assert explorer.result.params.retries == 2 and explorer.result.params.outages == ((0, 10.0, 30.0),)


def test_shortening_the_run_keeps_the_outage_inside_it():
    explorer = kbsim.explore("Q299261")
    explorer.set(outages=[[0, 300, 30]])
    explorer.controls["days"].value = 10  # the outage slider's range follows the run's length
    assert explorer.error == ""
    assert explorer.result.params.outages == ((0, 10 * 24 - 0.25, 30.0),)


def test_a_refused_setting_shows_a_message_not_a_traceback(tmp_path):
    preset = tmp_path / "typed.toml"
    preset.write_text("title = 'typed dates'\nexplore = ['start']\n[params]\nn_clients = 10\ndays = 1\n")
    explorer = kbsim.explore(str(preset))
    explorer.controls["start"].value = "the day after tomorrow"
    assert explorer.error.startswith("start='the day after tomorrow' is not allowed")
    assert "cannot run" in explorer.message.value and "Traceback" not in explorer.message.value
    assert explorer.text().startswith("These settings cannot run")
    explorer.controls["start"].value = "2001-06-04 08:00"
    assert explorer.error == "" and explorer.result.params.start.hour == 8


def test_the_explorer_displays_as_widget_with_a_static_figure_and_words():
    explorer = kbsim.explore("Q213261")
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["image/png"][:4] == b"\x89PNG"
    assert "never uploaded" in bundle["text/plain"] and "runs never uploaded = " in bundle["text/plain"]


def test_the_explorer_in_words_keeps_its_descriptions_whatever_the_captions_markup():
    """text() says what the figures show from the descriptions themselves, never by cutting up its own HTML."""
    explorer = kbsim.explore("Q226827")
    words = explorer.text().splitlines()
    assert words[:-1] == explorer.descriptions and len(words) == len(explorer.plots) + 1
    assert all(
        d.endswith(".") and d in html.unescape(c.value) for d, c in zip(explorer.descriptions, explorer.captions)
    )
    for caption in explorer.captions:
        caption.value = f"<div class='restyled'><p><b>Figure.</b> {caption.value}</p></div>"
    assert explorer.text().splitlines() == words


# --- legible, reachable, honest controls (issue 12) ---------------------------------------------------


def numeric_widgets(explorer):
    for name, widget in explorer.controls.items():
        if isinstance(widget, OutageControl):
            yield "outages.start_h", widget.start_h
            yield "outages.minutes", widget.minutes
        elif isinstance(PARAMETERS[name].kind, NumberKind):
            yield name, widget


def reachable(widget, value):
    """A value a student reaches: on a slider, a whole number of steps from its start; in a typed box, in range."""
    if not widget.min <= value <= widget.max:
        return False
    if isinstance(widget, (widgets.IntSlider, widgets.FloatSlider)):
        steps = (value - widget.min) / widget.step
        return abs(steps - round(steps)) < 1e-9
    return True


@pytest.mark.parametrize("preset", PRESETS)
def test_every_preset_value_can_be_reached_and_is_shown_unchanged(preset):
    declared = kbsim.get_preset(preset)
    for variant in ("fault", *declared.variants):
        explorer = kbsim.explore(preset, variant=variant)
        assert (
            Params.from_values(
                {**explorer.values(), **{n: None for n, v in explorer.values().items() if v == ""}}, base=explorer.base
            )
            == explorer.base
        ), variant
        assert explorer.result.params == explorer.base
        for name, widget in numeric_widgets(explorer):
            assert reachable(widget, widget.value), f"{preset} {variant}: {name}={widget.value} is off its control"


EXERCISE_VALUES = [
    ("Q226827", "retry_delay_min", 5.0),
    ("Q226827", "retries", 1),
    ("Q226827", "outages.minutes", 10),
    ("Q212894", "outages.minutes", 60),
    ("Q212894", "ccim_interval_h", 4.0),
    ("Q212894", "win9x_retry_s", 300.0),
    ("Q213261", "clock_offset_min", 30.0),
    ("Q213261", "skewed_fraction", 0.5),
    ("Q213261", "config_poll_min", 60.0),
    ("Q213261", "clock_sync_h", 26.0),
    ("Q213261", "reinstall_h", 24.0),
    ("Q213261", "days", 2),
    ("Q299261", "poll_interval_min", 60.0),
    ("Q299261", "outages.start_h", 100.0),
    ("Q299261", "outages.minutes", 30.0),
    ("Q299261", "days", 2),
    ("Q210202", "licenses", 100),
    ("Q210202", "balancing_interval_h", 4.0),
    ("Q210202", "balancing_interval_h", 1.0),
]


@pytest.mark.parametrize("preset,name,value", EXERCISE_VALUES)
def test_every_value_an_exercise_asks_for_can_be_reached(preset, name, value):
    widget = dict(numeric_widgets(kbsim.explore(preset)))[name]
    assert reachable(widget, value)


def test_a_pack_time_a_week_later_is_offered():
    explorer = kbsim.explore("Q299261")
    week_later = PARAMETERS["pack_time"].check(992138399)  # Remodbc.ini's PackTime + 604,800 s (exercise 2)
    assert week_later in [v for _, v in explorer.controls["pack_time"].options]


def test_labels_are_words_with_one_unit_and_the_name_is_in_the_tooltip():
    for preset in PRESETS:
        explorer = kbsim.explore(preset)
        for name, widget in explorer.controls.items():
            if isinstance(widget, OutageControl):
                continue
            label = widget.description
            assert "_" not in label and len(label) <= 30, label
            assert label.count("(") <= 1, f"one unit at most: {label}"
            assert widget.tooltip.startswith(f"{name}: ")
            unit = PARAMETERS[name].unit
            if unit and unit not in ("licences", "clients", "servers", "products", "retries", "launches/day"):
                assert f"({unit})" in label, f"{name}: the unit {unit} belongs in the label {label}"


def test_the_outage_picker_shows_none_and_its_boxes_wait_for_a_server():
    outage = kbsim.explore("Q299261").controls["outages"]
    assert outage.server.label == "none"
    assert outage.start_h.disabled and outage.minutes.disabled
    outage.server.value = 0
    assert not outage.start_h.disabled and not outage.minutes.disabled


def test_controls_that_cannot_matter_are_disabled():
    explorer = kbsim.explore("Q226827")
    assert explorer.controls["retries"].disabled and explorer.controls["retry_delay_min"].disabled
    explorer.controls["failover"].value = "after_retries"
    assert not explorer.controls["retries"].disabled and not explorer.controls["retry_delay_min"].disabled
    q212894 = kbsim.explore("Q212894")
    assert q212894.controls["restart_after_h"].disabled
    q212894.controls["users_restart"].value = True
    assert not q212894.controls["restart_after_h"].disabled


@pytest.mark.parametrize("name", [n for n, p in PARAMETERS.items() if p.when])
def test_a_disabled_parameter_truly_changes_nothing(name):
    """The declaration's ``when`` is a claim about the model: off its condition, moving it moves no number."""
    declared = PARAMETERS[name]
    ((other, needed),) = declared.when
    off = next(c for c in ((True, False) if isinstance(needed, bool) else PARAMETERS[other].choices) if c != needed)
    base = {
        "days": 2,
        "n_clients": 60,
        "outages": ((0, 10.0, 120.0),),
        "win9x_fraction": 0.5,
        "licenses": 15,
        other: off,
    }
    for seed in (1, 2):
        low = kbsim.run(seed=seed, **base, **{name: declared.low})
        high = kbsim.run(seed=seed, **base, **{name: declared.high})
        assert low.summary == high.summary, f"{name} moved a number with {other}={off!r}"


def test_values_are_rounded_to_their_step_in_the_runs_and_the_code_line():
    explorer = kbsim.explore("Q212894")
    explorer.controls["ccim_interval_h"].value = 5.999999999999999
    assert explorer.result.params.ccim_interval_h == 6.0
    assert "ccim_interval_h=6.0" in explorer.call.value and "5.99" not in explorer.call.value
    explorer.controls["outages"].minutes.value = 59.7
    assert explorer.result.params.outages == ((0, 10.0, 60.0),)


def test_plots_are_never_squeezed_beside_the_controls():
    """The plots' pane keeps a minimum width and wraps below the controls when the cell is narrower."""
    explorer = kbsim.explore("Q226827")
    panes = explorer.widget.children[0]
    assert panes.layout.flex_flow == "row wrap"
    assert panes.children[1].layout.min_width == "600px"
    assert all(image.layout.width == "100%" for image in explorer.images)
    # the summary goes under the plots, not between the controls and the plots (a projector's 768 px)
    assert explorer.summary in panes.children[1].children and explorer.summary not in panes.children[0].children


# --- sharing a setting with the class (issue 20) ---------------------------------------------------


def _moved(explorer, name):
    """A value of control ``name`` other than the explorer's, from the widget's own range or options."""
    from test_directions import widget_values

    current = explorer.values()[name]
    return next(v for v in reversed(widget_values(name, explorer.base)) if v not in ("", current))


@pytest.mark.parametrize("preset", ["Q226827", "Q210202", "Q212894", "Q213261", "Q299261"])
def test_a_setting_code_opens_the_same_setting_in_another_explorer(preset):
    teacher = kbsim.explore(preset)
    assert teacher.setting_code() == "fault" and teacher.share.value == "fault"
    variant = ([*kbsim.get_preset(preset).variants] or ["fault"])[0]
    teacher.picker.value = variant
    moved = {}
    for name in list(teacher.controls)[:3]:
        if name != "outages":
            moved[name] = _moved(teacher, name)
    teacher.set(**moved)
    code = teacher.setting_code()
    assert code.startswith(variant) and all(f"{name}=" in code for name in moved)
    assert teacher.share.value == code
    student = kbsim.explore(preset, setting=code)
    assert student.variant == variant and student.values() == teacher.values()
    assert student.summary_frame().equals(teacher.summary_frame())
    typed = kbsim.explore(preset)
    typed.share.value = code  # what a student types into the Setting box
    assert typed.values() == teacher.values() and typed.setting_code() == code


def test_a_voila_address_with_a_setting_opens_every_explorer_on_it(monkeypatch):
    monkeypatch.setenv("QUERY_STRING", "setting=fix%3B%20retries%3D2&other=1")
    explorer = kbsim.explore("Q226827")
    assert explorer.variant == "fix" and explorer.values()["retries"] == 2
    monkeypatch.setenv("QUERY_STRING", "setting=nonsense")
    assert "cannot open" in kbsim.explore("Q226827").message.value  # the page still opens, and says why


def test_a_bad_setting_code_is_one_short_error():
    with pytest.raises(kbsim.ParameterError, match="its preset 'broken' is not one of fault, fix, no_server"):
        kbsim.explore("Q226827", setting="broken; retries=2")
    with pytest.raises(kbsim.ParameterError, match="expected NAME=VALUE with NAME one of failover"):
        kbsim.explore("Q226827", setting="fault; days=3")
    with pytest.raises(kbsim.ParameterError, match="retries"):
        kbsim.explore("Q226827", setting="fault; retries=-4")
