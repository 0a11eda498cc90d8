"""The classroom: predict-then-check exercises, navigation in teaching order, student and instructor editions."""

import html
import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

import kbsim
import kbsim.__main__
import kbsim.teaching.mystery
from kbsim.model.size import LARGE_KEY_CASES
from kbsim.teaching.classroom import CHECK_TAG, NAVIGATION_TAG, SOLUTION_TAG, TEACHING_ORDER, exercise, navigation
from kbsim.teaching.exercises import RULES, rule

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
    monkeypatch.setattr(kbsim.classroom, "RECORD", [])
    item = exercise("Q226827", 1)
    answer, _ = rule("Q226827", 1).answer()
    assert item.button.disabled and item.result.value == ""
    assert item.rule.why not in item.text() and "Answer" not in item.text()
    assert item.text().startswith("Exercise 1. ") and "Choices: yes / no" in item.text()
    item.check()  # pressing Check with no prediction only asks for one
    assert "Choose a prediction first" in item.result.value and item.rule.why not in item.result.value
    wrong = next(c for c in item.choices if c != answer)
    item.prediction.value = wrong
    assert not item.button.disabled
    item.button.click()
    assert "Not this time" in item.result.value and f"<b>{answer}</b>" in item.result.value
    assert "failovers" in item.result.value and html.escape(item.rule.why) in item.result.value
    assert item.prediction.disabled, "a prediction cannot be changed after the answer is shown"
    assert [(r["article"], r["exercise"], r["prediction"], r["correct"]) for r in kbsim.classroom.RECORD] == [
        ("Q226827", 1, wrong, False)
    ]


def test_a_right_prediction_is_told_so_and_the_answer_key_shows_everything(monkeypatch):
    monkeypatch.delenv("KBSIM_ANSWER_KEY", raising=False)
    item = exercise("Q299261", 1)
    item.prediction.value = rule("Q299261", 1).answer()[0]
    item.check()
    assert "Right." in item.result.value
    monkeypatch.setenv("KBSIM_ANSWER_KEY", "1")
    key = exercise("Q299261", 1)
    assert f"Answer: {rule('Q299261', 1).answer()[0]}" in key.text() and "first pack" in key.result.value


def test_a_class_hands_in_one_file_each_and_the_instructor_gathers_them(tmp_path, monkeypatch):
    monkeypatch.delenv("KBSIM_ANSWER_KEY", raising=False)
    for student, picks in (("ada", {1: "yes", 2: "no, fewer but still there"}), ("bob", {1: "no"})):
        monkeypatch.setattr(kbsim.classroom, "RECORD", [])
        for number, pick in picks.items():
            item = exercise("Q226827", number)
            item.prediction.value = pick
            item.check()
        assert kbsim.classroom.hand_in(student, tmp_path).name == f"handin-{student}.csv"
    table = kbsim.classroom.gather(tmp_path)
    assert list(table.columns) == ["student", "article", "exercise", "prediction", "correct", "time"]
    assert table[["student", "exercise", "prediction"]].values.tolist() == [
        ["ada", 1, "yes"],
        ["ada", 2, "no, fewer but still there"],
        ["bob", 1, "no"],
    ]
    right = {n: rule("Q226827", n).answer()[0] for n in (1, 2)}
    assert table["correct"].tolist() == [right[1] == "yes", right[2] == "no, fewer but still there", right[1] == "no"]
    with pytest.raises(kbsim.ParameterError, match="student='' is not allowed"):
        kbsim.classroom.hand_in("  ", tmp_path)
    with pytest.raises(kbsim.ParameterError, match="holds no handin"):
        kbsim.classroom.gather(tmp_path / "empty")


def test_the_hand_in_box_writes_the_file_and_offers_it_for_download(tmp_path, monkeypatch):
    monkeypatch.setattr(kbsim.classroom, "RECORD", [])
    box = kbsim.classroom.hand_in_box(tmp_path)
    box.save.click()
    assert "is not allowed: expected your name" in box.result.value
    box.student.value = "Ada Lovelace"
    box.save.click()
    assert (tmp_path / "handin-Ada_Lovelace.csv").exists() and "download='handin-Ada_Lovelace.csv'" in box.result.value


def test_mystery_sites_have_an_answer_key_for_any_cases_and_no_reveal_for_students(monkeypatch, capsys):
    key = kbsim.classroom.mystery_key([1, 2, 3], level=3)
    assert set(key["case"]) == {1, 2, 3}
    for case in (1, 2, 3):
        assert key[key["case"] == case]["article"].tolist() == kbsim.mystery(case, 3).reveal().articles
    assert kbsim.ui.cli.main(["mystery-key", "1-2,5", "--level", "3"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "case,level,article,detail,fix" and {line.split(",")[0] for line in printed[1:]} == {
        "1",
        "2",
        "5",
    }
    monkeypatch.delenv("KBSIM_ANSWER_KEY", raising=False)
    page = kbsim.mystery_page(1, 1)
    assert page.reveal_button is None and "Reveal" not in repr(page.children)
    page.reveal()
    assert "no answer key" in page.answer.value
    monkeypatch.setenv("KBSIM_ANSWER_KEY", "1")
    teacher = kbsim.mystery_page(1, 1)
    teacher.reveal_button.click()
    assert kbsim.mystery(1, 1).reveal().articles[0] in teacher.answer.value


@pytest.mark.parametrize("name", ARTICLES)
def test_every_article_notebook_has_predict_then_check_exercises(name):
    nb = read(name)
    checks = tagged(nb, CHECK_TAG)
    assert len(checks) >= 2, f"{name}: exercises to predict and check"
    for cell in checks:
        assert re.fullmatch(r'kbsim\.classroom\.exercise\("Q\d+", \d\)', cell.source), "one call, no answer"
        text = "".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs)
        assert text.startswith("Exercise ") and "Predict, then press Check" in text and "Answer:" not in text
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
        text = path.read_text(encoding="utf-8")
        for item in RULES:  # no reason, no stored answer, no reveal anywhere in the file
            assert item.why[:60] not in text and html.escape(item.why)[:60] not in text
        assert "Answer: " not in text and "kbsim-answer" not in text and '"description": "Reveal"' not in text
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


def test_a_dashboard_shows_numbers_with_their_names_and_texts_whole():
    """Voila hides the code: a bare True or 362 says nothing, a detail cut to "... (no OD..." says less."""
    shown = kbsim.classroom.facts({"retries of client 52": 362})
    assert repr(shown) == "retries of client 52: 362" and "<th style='text-align:left'>retries" in shown._repr_html_()
    import pandas as pd

    detail = "cannot read minimum licences and buffer (no ODBC access) " * 2
    frame = pd.DataFrame({"detail": [detail.strip()]})
    assert detail.strip() in repr(kbsim.classroom.whole(frame))
    assert detail.strip() in kbsim.classroom.whole(frame)._repr_html_() and "..." not in repr(
        kbsim.classroom.whole(frame)
    )


def test_an_answer_key_of_too_many_cases_is_refused_in_one_line_before_any_case_is_drawn(monkeypatch, capsys):
    def drawn(*args, **kwargs):
        raise AssertionError("a case was drawn")

    monkeypatch.setattr(kbsim.teaching.mystery, "mystery", drawn)
    assert kbsim.ui.cli.main(["mystery-key", "1-1000000"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "kbsim: error: cases '1-1000000' are too many to draw unasked: 1,000,000 cases (the limit is 1,000); "
        "to draw them anyway pass allow_large=True (command line: --allow-large)"
    )
    # Counted from the ranges, not listed: a range of 10**15 seeds is refused as fast.
    assert kbsim.ui.cli.main(["mystery-key", "1-1000000000000000"]) == 2
    assert "1,000,000,000,000,000 cases" in capsys.readouterr().err
    assert kbsim.ui.cli.main(["mystery-key", f"1-{LARGE_KEY_CASES},{LARGE_KEY_CASES + 1}"]) == 2
    assert f"{LARGE_KEY_CASES + 1:,} cases" in capsys.readouterr().err
    with pytest.raises(kbsim.ParameterError, match=r"^seeds are too many to draw unasked: 1,001 cases"):
        kbsim.classroom.mystery_key(list(range(LARGE_KEY_CASES + 1)))
    with pytest.raises(kbsim.ParameterError, match=r"^seeds='1-3' is not allowed: expected a list of seeds"):
        kbsim.classroom.mystery_key("1-3")
    # At the limit, or allowed, the key is drawn (here: counted by the stand-in).
    assert kbsim.ui.cli.parse_cases(f"1-{LARGE_KEY_CASES}") == list(range(1, LARGE_KEY_CASES + 1))
    assert len(kbsim.ui.cli.parse_cases(f"1-{LARGE_KEY_CASES + 1}", allow_large=True)) == LARGE_KEY_CASES + 1
    with pytest.raises(AssertionError, match="a case was drawn"):
        kbsim.classroom.mystery_key(list(range(LARGE_KEY_CASES + 1)), allow_large=True)
