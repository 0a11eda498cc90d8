"""The article registry: a sixth article is one record, one preset and one notebook.

Every place that lists the articles reads :data:`kbsim.teaching.articles.ARTICLES`, or is checked
against it here: the presets, the notebooks, the book's table of contents and worksheets, the
start page's map, the mystery sites' draws and answers, the diagnosis's details and fixes.
"""

import importlib
import json
import re
from pathlib import Path

import pytest

import kbsim
from kbsim.teaching.articles import ARTICLES, BY_NUMBER, UNDERSIZED, Article, article
from kbsim.teaching.classroom import TEACHING_ORDER, TITLES

mystery = importlib.import_module("kbsim.teaching.mystery")  # kbsim.mystery is also the function that draws a case
diagnosis = importlib.import_module("kbsim.teaching.diagnosis")
ROOT = Path(__file__).resolve().parent.parent
NUMBERS = [a.number for a in ARTICLES]


def test_every_article_preset_has_a_record_and_every_record_a_preset_and_a_notebook():
    with_article = {name for name, preset in kbsim.presets().items() if preset.article}
    assert with_article == {a.preset for a in ARTICLES}
    for a in ARTICLES:
        assert kbsim.get_preset(a.preset).article == a.number
        assert (ROOT / "notebooks" / f"{a.notebook}.ipynb").is_file(), a.notebook
        assert a.notebook.startswith(f"{a.number}_")
        assert (ROOT / "docs" / "worksheets" / f"{a.number}.md").is_file(), a.number


def test_numbers_are_unique_and_none_is_not_an_article():
    assert len(set(NUMBERS)) == len(NUMBERS)
    assert UNDERSIZED.number not in NUMBERS
    assert list(BY_NUMBER) == [*NUMBERS, UNDERSIZED.number]
    with pytest.raises(kbsim.ParameterError, match="article"):
        article("Q999999")


def test_the_teaching_order_and_titles_are_the_registrys():
    notebooks = [name for name in TEACHING_ORDER if name[:1] == "Q"]
    assert notebooks == [a.notebook for a in ARTICLES]
    for a in ARTICLES:
        assert TITLES[a.notebook] == f"{a.number}: {a.title}"


def test_the_start_page_maps_the_articles_in_the_registrys_order_under_their_titles():
    notebook = json.loads((ROOT / "notebooks" / "00_start_here.ipynb").read_text(encoding="utf-8"))
    text = "".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown")
    rows = re.findall(r"^\| (Q\d{6}) \| \[([^\]]+)\]\(([^)]+)\.ipynb\)", text, re.M)
    assert rows == [(a.number, a.heading, a.notebook) for a in ARTICLES]


def test_the_book_lists_the_worksheets_in_the_registrys_order():
    index = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    assert re.findall(r"^worksheets/(\S+)$", index, re.M) == NUMBERS


def test_every_drawn_article_is_a_mystery_answer_with_its_draw_and_its_words():
    drawn = tuple(a.number for a in ARTICLES if a.drawn)
    assert drawn == mystery.ARTICLES and set(drawn) >= {"Q226827", "Q210202", "Q212894", "Q213261", "Q299261"}
    for number in mystery.ANSWERS:
        a = article(number)
        assert mystery.SYMPTOM[number] == a.symptom
        assert mystery.EVIDENCE_HINT[number] == a.evidence_hint
        assert mystery.detail_options(number, 3) == a.detail_options(3)


@pytest.mark.parametrize("n_servers", [2, 4])
def test_each_detail_is_offered_per_server_or_per_service_pack(n_servers):
    for a in (*ARTICLES, UNDERSIZED):
        options = a.detail_options(n_servers)
        assert len(options) == len(set(options)), a.number
        for d in a.details:
            if "{server}" in d.text:
                assert d.options(n_servers) == [d.text.format(server=s) for s in range(n_servers)]
            elif "{service_pack}" in d.text:
                assert len(d.options(n_servers)) == len(kbsim.PARAMETERS["service_pack"].choices)
            else:
                assert d.options(n_servers) == [d.text]


def test_reference_fixes_are_settings_a_fix_may_change():
    for a in ARTICLES:
        for d in a.details:
            if d.fix is not None:
                assert d.fix and set(d.fix) <= set(mystery.FIXABLE), (a.number, d.key)
                assert a.fix(d.key) == dict(d.fix) and a.fix(d.key) is not d.fix


@pytest.mark.parametrize("seed, level", [(1, 1), (2, 1), (3, 2), (4, 3)])
def test_the_case_and_the_diagnosis_read_one_declaration_of_each_fix(seed, level):
    """A reference diagnosis that finds a cause names its record's detail and proposes its record's fix."""
    case = mystery.mystery(seed, level)
    for cause in case.reveal().causes:
        a = article(cause.article)
        if a is not UNDERSIZED:
            keys = [d.key for d in a.details if cause.detail in d.options(case.evidence.settings["n_servers"])]
            assert len(keys) == 1 and dict(cause.fix) == a.fix(keys[0])
    found = diagnosis.diagnose(case.evidence)
    for number, detail in zip(found.articles, found.details):
        if number == UNDERSIZED.number:
            continue
        a = article(number)
        keys = [d.key for d in a.details if detail in d.options(case.evidence.settings["n_servers"])]
        assert len(keys) == 1
        assert set(a.fix(keys[0])) <= set(found.fix)


def test_every_article_has_its_exercises_and_every_exercise_an_article_in_order():
    exercises = importlib.import_module("kbsim.teaching.exercises")
    assert list(dict.fromkeys(r.article for r in exercises.RULES)) == NUMBERS


def test_the_words_the_diagnosis_looks_for_are_the_ones_the_logs_write():
    """Each rule reads the writer's own constant: the article's fault run writes it; where the fix takes the
    fault away, the fix run does not."""
    logs = importlib.import_module("kbsim.analysis.logs")
    evidence = importlib.import_module("kbsim.teaching.evidence")
    from kbsim.model.record import NO_ODBC_ACCESS
    from kbsim.model.service import NOT_ANSWERING, WIN32_1061

    def pane(preset, variant, name):
        result = kbsim.run(preset, variant=variant, seed=1)
        if name == "status":
            return "\n".join(logs.status_messages(result))
        if name == "licsrvc":
            return "\n".join(logs.licsrvc(result))
        # the computer whose Liccli.log a mystery site's evidence shows: the one with most failed contacts
        return "\n".join(logs.client_log(result, evidence._complaining_client(result)))

    win9x_agent = f"<{logs.CLIENT_AGENT['Windows 95/98']}>"
    for preset, fault, fix, name, words in [
        ("Q299261", None, "fix", "status", WIN32_1061),
        ("Q226827", None, None, "status", NOT_ANSWERING),
        ("Q210202", "unreachable", "fix", "licsrvc", NO_ODBC_ACCESS),
        ("Q212894", None, None, "client", logs.CONNECT_FAILED),
        ("Q212894", None, "all_nt", "client", win9x_agent),
        ("Q213261", None, "in_step", "client", logs.UPLOAD_NOT_ATTEMPTED),
    ]:
        assert words in pane(preset, fault, name), (preset, fault, words)
        if fix:
            assert words not in pane(preset, fix, name), (preset, fix, words)


def _article_numbers_in_code(module) -> dict[str, list[int]]:
    """The article numbers a module's code names as strings (docstrings and comments aside), by line."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(module))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found: dict[str, list[int]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            for number in re.findall(r"Q\d{6}", node.value):
                found.setdefault(number, []).append(node.lineno)
    return found


def test_the_engines_know_no_article_by_name_but_the_pairs_the_hardest_level_draws():
    """An article's draw, symptom, baseline and diagnosis rule live in its record's module (issue 22): the mystery
    and diagnosis engines name no article, except the pairs of level 3, which are about two articles at once."""
    assert _article_numbers_in_code(diagnosis) == {}
    named = _article_numbers_in_code(mystery)
    pairs_lines = {n for pair in mystery.PAIRS for n in pair}
    assert set(named) <= pairs_lines
    assert len([line for lines in named.values() for line in lines]) == 2 * len(mystery.PAIRS)


def test_an_article_mystery_sites_draw_declares_everything_they_need():
    with pytest.raises(TypeError, match="Q999999"):
        Article("Q999999", "t", "n", draw=lambda rng, v, level: None)  # type: ignore[arg-type, return-value]
    assert not Article("Q999999", "t", "n").drawn
