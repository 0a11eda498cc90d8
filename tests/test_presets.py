"""Presets: every file loads and runs fast enough to explore; malformed files get one clear error."""

import pytest

import kbsim
from kbsim import PARAMETERS, ParameterError, load_preset

ARTICLES = {"Q226827", "Q210202", "Q212894", "Q213261", "Q299261"}


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


@pytest.mark.parametrize("text, words", [
    ("title = 'x'\n[params]\nretries = 0\n", "[params]: retries=0 is not allowed"),
    ("[params]\nretrys = 2\n", "[params]: unknown parameter 'retrys'"),
    ("[params\nretries = 2\n", "not valid TOML"),
    ("colour = 'red'\n", "unknown entry 'colour'"),
    ("explore = ['speed']\n", "explore names unknown parameter 'speed'"),
    ("[variants.fix]\nfailover = 'never'\n", "[variants.fix]: failover='never' is not allowed"),
    ("params = 3\n", "[params] must be a table"),
])
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
