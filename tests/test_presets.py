"""Presets: every file loads and runs fast enough to explore; malformed files get one clear error."""

from pathlib import Path

import pytest

import kbsim
import kbsim.teaching.articles
from kbsim import PARAMETERS, ParameterError, load_preset
from kbsim.model import scenarios
from kbsim.ui.cli import main

ROOT = Path(__file__).resolve().parent.parent

ARTICLES = {a.preset for a in kbsim.teaching.articles.ARTICLES}


def test_one_preset_per_article_and_a_site():
    presets = kbsim.presets()
    assert set(presets) == ARTICLES | {"site"}
    for name, preset in presets.items():
        assert preset.article == ("" if name == "site" else name)
        assert preset.title and preset.description and preset.explore
        assert set(preset.explore) <= set(PARAMETERS)


@pytest.mark.parametrize("name", sorted(ARTICLES | {"site"}))
def test_every_variant_runs_and_differs_from_the_fault(name):
    preset = kbsim.get_preset(name)
    for variant, params in preset.variants.items():
        assert params != preset.params, variant
        assert kbsim.run(name, variant=variant).variant == variant


def write(tmp_path, text):
    path = tmp_path / "broken.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "text, words",
    [
        ("title = 'x'\n[params]\nretries = 0\n", "[params]: retries=0 is not allowed"),
        ("[params]\nretrys = 2\n", "[params]: unknown parameter 'retrys'"),
        ("[params\nretries = 2\n", "not valid TOML"),
        ("colour = 'red'\n", "unknown entry 'colour'"),
        ("explore = ['speed']\n", "explore: unknown parameter 'speed'"),
        ("[variants.fix]\nfailover = 'never'\n", "[variants.fix]: failover='never' is not allowed"),
        ("params = 3\n", "[params] must be a table"),
        ("plots = ['denials_over_tme']\n", "plots: unknown plot 'denials_over_tme': did you mean 'denials_over_time'"),
    ],
)
def test_malformed_preset_files_name_the_file_and_the_entry(tmp_path, text, words):
    path = write(tmp_path, text)
    with pytest.raises(ParameterError) as caught:
        load_preset(path)
    assert str(caught.value).startswith(str(path)) and words in str(caught.value)


def test_a_preset_file_can_be_run_by_path(tmp_path):
    path = write(tmp_path, "title = 'mine'\n[params]\nmode = 'online'\nn_clients = 20\ndays = 1\n")
    result = kbsim.run(str(path), seed=3)
    assert result.preset == "broken" and result.params.n_clients == 20


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ParameterError, match="cannot read the preset file"):
        load_preset(tmp_path / "none.toml")


def test_the_presets_ship_inside_the_package():
    for name, preset in kbsim.presets().items():
        assert Path(preset.path) == Path(kbsim.__file__).parent / "presets" / f"{name}.toml"


def test_no_presets_found_is_an_error_never_an_empty_list(monkeypatch, tmp_path):
    monkeypatch.setattr(scenarios, "PRESET_DIR", "no_such_folder")
    scenarios._presets.cache_clear()
    try:
        with pytest.raises(
            ParameterError, match=r"no presets in .*no_such_folder: this kbsim installation is incomplete"
        ):
            kbsim.presets()
        with pytest.raises(ParameterError, match="no presets in"):
            kbsim.run("Q226827")
        assert main(["list"]) == 2
    finally:
        scenarios._presets.cache_clear()


def test_a_users_own_preset_in_data_runs_by_its_path():
    """The README's example of a user's own preset: a file outside the package, run by its path."""
    path = ROOT / "data" / "my_site.toml"
    result = kbsim.run(str(path))
    assert result.preset == "my_site" and result.params == kbsim.load_preset(path).params
    assert result.params != kbsim.get_preset("site").params


def test_the_figures_a_preset_may_name_are_the_figures_the_plots_draw():
    """The model checks a preset's plots when the file loads without importing pyplot (tests/test_layers.py):
    its list of figure names and the ui's figures must be the same."""
    from kbsim.ui.plots import PLOTS

    assert set(scenarios.FIGURES) == set(PLOTS)
