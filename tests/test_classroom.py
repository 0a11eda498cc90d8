"""The classroom: predict-then-check exercises, navigation in teaching order, student and instructor editions."""

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

import kbsim
from kbsim.classroom import CHECK_TAG, NAVIGATION_TAG, SOLUTION_TAG, TEACHING_ORDER, exercise, navigation

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
ARTICLES = [name for name in TEACHING_ORDER if name.startswith("Q")]


def load_editions():
    spec = importlib.util.spec_from_file_location("editions", ROOT / "docs" / "editions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read(name):
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def tagged(nb, tag):
    return [cell for cell in nb.cells if tag in cell.get("metadata", {}).get("tags", [])]


def test_an_exercise_reveals_nothing_until_a_prediction_is_committed(monkeypatch):
    monkeypatch.delenv("KBSIM_ANSWER_KEY", raising=False)
    item = exercise(["yes", "no"], answer="no", evidence="denials: 0", why="the retries cover the outage")
    assert item.button.disabled and item.result.value == ""
    assert "no" not in item.text().split("Choices:")[0] and "retries" not in item.text()
    item.check()  # pressing Check with no prediction only asks for one
    assert "Choose a prediction first" in item.result.value and "retries" not in item.result.value
    item.prediction.value = "yes"
    assert not item.button.disabled
    item.button.click()
    assert "Not this time" in item.result.value and "<b>no</b>" in item.result.value
    assert "denials: 0" in item.result.value and "the retries cover the outage" in item.result.value
    assert item.prediction.disabled, "a prediction cannot be changed after the answer is shown"


def test_a_right_prediction_is_told_so_and_the_answer_key_shows_everything(monkeypatch):
    item = exercise(["yes", "no"], answer="yes", evidence="x", why="y")
    item.prediction.value = "yes"
    item.check()
    assert "Right." in item.result.value
    monkeypatch.setenv("KBSIM_ANSWER_KEY", "1")
    key = exercise(["yes", "no"], answer="yes", evidence="x", why="because")
    assert "Answer: yes" in key.text() and "because" in key.result.value


def test_an_exercise_refuses_an_answer_that_is_not_a_choice():
    with pytest.raises(kbsim.ParameterError, match="answer='maybe' is not allowed"):
        exercise(["yes", "no"], answer="maybe", evidence="", why="")


@pytest.mark.parametrize("name", ARTICLES)
def test_every_article_notebook_has_predict_then_check_exercises(name):
    nb = read(name)
    checks = tagged(nb, CHECK_TAG)
    assert len(checks) >= 2, f"{name}: exercises to predict and check"
    for cell in checks:
        assert "kbsim.classroom.exercise(" in cell.source
        text = "".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs)
        assert text.startswith("Predict, then press Check") and "Answer:" not in text, "no stored answer"
    prose = " ".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")
    assert not re.search(r"(?i)run the (next|check) cell|\*Why:\*", prose), f"{name}: prose for pages with cells only"


@pytest.mark.parametrize("name", TEACHING_ORDER)
def test_every_notebook_links_to_the_start_the_previous_and_the_next(name):
    nb = read(name)
    assert NAVIGATION_TAG in nb.cells[0].metadata.get("tags", []) and nb.cells[0].source == navigation(name)
    assert NAVIGATION_TAG in nb.cells[-1].metadata.get("tags", []) and nb.cells[-1].source == navigation(name)
    links = re.findall(r"\]\(([^)]+)\.ipynb\)", navigation(name))
    i = TEACHING_ORDER.index(name)
    expected = ([] if i == 0 else [TEACHING_ORDER[0], TEACHING_ORDER[i - 1]]) + list(TEACHING_ORDER[i + 1 : i + 2])
    assert links == expected
    assert all((NOTEBOOKS / f"{link}.ipynb").exists() for link in links)


def test_the_teaching_order_is_the_start_pages_map():
    start = " ".join(cell.source for cell in read("00_start_here").cells if cell.cell_type == "markdown")
    mapped = list(
        dict.fromkeys(
            re.findall(r"\]\((Q\w+|sweeps|mystery_sites)\.ipynb\)", start.split("## The article notebooks")[1])
        )
    )
    assert mapped == list(TEACHING_ORDER[1:])


def test_the_student_edition_has_no_answers(tmp_path):
    written = load_editions().student(tmp_path / "student")
    assert [p.stem for p in written] == list(TEACHING_ORDER)
    for path in written:
        nb = nbformat.read(path, as_version=4)
        assert not tagged(nb, SOLUTION_TAG)
        for cell in tagged(nb, CHECK_TAG):
            assert cell.outputs == [] and "kbsim.classroom.exercise(" in cell.source
    assert (tmp_path / "data" / "Remodbc.ini").exists()


def test_the_instructor_edition_answers_every_exercise(tmp_path):
    written = load_editions().instructor(tmp_path / "instructor", only=["Q213261_clock_skew_usage"])
    nb = nbformat.read(written[0], as_version=4)
    checks = tagged(nb, CHECK_TAG)
    assert checks
    for cell in checks:
        text = "".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs)
        assert "Answer: " in text and "Why: " in text


@pytest.mark.parametrize("name", TEACHING_ORDER)
def test_every_notebook_is_marked_for_slides(name):
    """make slides shows a slide per heading and a sub-slide per cell that shows something (make navigation)."""
    editions = load_editions()
    cells = read(name).cells
    assert all(cell.metadata.get("slideshow", {}).get("slide_type") == editions.slide_type(cell) for cell in cells)
    assert sum(editions.slide_type(cell) == "slide" for cell in cells) >= 3
