"""The course book: the notebooks in teaching order, their stored outputs, offline pages, in two editions: the
student's (`make site`, what a class is given: no solution, no answer key, no guide) and the instructor's
(`make site-instructor`: solutions folded, the guide and its answer key). Each edition is built once a session."""

import hashlib
import html
import importlib.util
import json
import os
import re
import subprocess
import sys
from base64 import b64decode
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from kbsim.teaching.classroom import CHECK_TAG, NAVIGATION_TAG, TEACHING_ORDER

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
spec = importlib.util.spec_from_file_location("kbsim_book", DOCS / "_ext" / "kbsim_book.py")
kbsim_book = importlib.util.module_from_spec(spec)
sys.modules["kbsim_book"] = kbsim_book  # as Sphinx imports it (its dataclasses look their module up)
spec.loader.exec_module(kbsim_book)


class Page(HTMLParser):
    """The links, images, scripts and stylesheets of one HTML page, and its folded solutions."""

    def __init__(self, path: Path):
        super().__init__()
        self.links, self.images, self.loads, self.solutions = [], [], [], []
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "img":
            self.images.append(attrs)
        if tag in ("script", "img", "iframe") and attrs.get("src"):
            self.loads.append(attrs["src"])
        if tag == "link" and attrs.get("href") and attrs["href"] != "#":  # the search page's link to itself
            self.loads.append(attrs["href"])
        if tag == "details" and "kbsim-solution" in (attrs.get("class") or ""):
            self.solutions.append(attrs)


def words(path):
    """A page's text without its tags, as a reader sees it (entities decoded, spaces collapsed)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8"))).split())


def notebook(name):
    return nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)


def toctree_entries(text):
    return [
        [line.strip() for line in block.splitlines() if line.strip() and not line.startswith(":")]
        for block in re.findall(r"```\{toctree\}\n(.*?)```", text, re.S)
    ]


ARTICLE_NUMBERS = [name.split("_")[0] for name in TEACHING_ORDER if name.startswith("Q")]


def test_the_book_lists_every_notebook_in_teaching_order_then_the_guides():
    course, instructors = toctree_entries((DOCS / "index.md").read_text(encoding="utf-8"))
    assert course == [f"notebooks/{name}" for name in TEACHING_ORDER]
    assert {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")} == set(TEACHING_ORDER)
    assert instructors == ["teaching", *[f"worksheets/{a}" for a in ARTICLE_NUMBERS], "model"]
    assert (DOCS / "notebooks").resolve() == (ROOT / "notebooks").resolve()


def recipe(target):
    """The command `make <target>` runs (make's dry run, with the Makefile's own variables)."""
    made = subprocess.run(
        ["make", "-n", "--no-print-directory", target, "INSTALLED="],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return made.stdout.strip().split()


def test_the_book_is_built_afresh_with_warnings_as_errors_and_runs_no_notebook():
    student, instructor = recipe("site"), recipe("site-instructor")
    for command in (student, instructor):
        assert command[1:3] == ["-m", "sphinx"] and {"-E", "-W", "--keep-going"} <= set(command)
    assert student[-2:] == ["docs", "site/html"] and "-t" not in student
    assert (
        instructor[-2:] == ["docs", "site-instructor/html"] and instructor[instructor.index("-t") + 1] == "instructor"
    )
    conf = (DOCS / "conf.py").read_text()
    assert re.search(r'^nb_execution_mode = "off"$', conf, re.M)
    assert not (DOCS / "build_site.py").exists()


@pytest.mark.parametrize("edition", ["book", "instructor_book"])
def test_make_site_builds_the_book_without_network(request, edition):
    book = request.getfixturevalue(edition)
    if not book.offline:
        message = "no network namespace here (unshare -rn) to build without network"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    pages = {p.relative_to(book.site).as_posix() for p in book.site.rglob("*.html")}
    expected = {f"notebooks/{name}.html" for name in TEACHING_ORDER} | {"index.html", "model.html"}
    expected |= {f"worksheets/{article}.html" for article in ARTICLE_NUMBERS}
    assert expected <= pages and "search.html" in pages
    assert ("teaching.html" in pages) == (edition == "instructor_book"), "the guide is the instructor's alone"
    assert "WARNING" not in book.log


def test_every_page_shows_the_stored_figures_with_their_description(book):
    """Images are named by the hash of their bytes: each stored PNG of each notebook is in its page, as stored."""
    for name in TEACHING_ORDER:
        page = Page(book.site / "notebooks" / f"{name}.html")
        shown = {Path(image["src"]).name: image.get("alt", "") for image in page.images}
        for cell in notebook(name).cells:
            for output in cell.get("outputs", []):
                if "image/png" in output.get("data", {}):
                    digest = hashlib.sha256(b64decode(output["data"]["image/png"])).hexdigest()
                    assert f"{digest}.png" in shown, f"{name}: a stored figure missing from its page"
                    assert shown[f"{digest}.png"] == " ".join(output["data"]["text/plain"].split())


def test_every_link_and_image_resolves_and_nothing_loads_from_the_internet(book):
    pages = [p for p in book.site.rglob("*.html") if "_static" not in p.parts]  # the theme ships a template there
    assert len(pages) >= len(TEACHING_ORDER) + 3
    for path in pages:
        page = Page(path)
        for link in page.links:
            if re.match(r"^(https?:|mailto:|#)", link):
                continue
            target = (path.parent / link.split("#")[0].split("?")[0]).resolve()
            assert target.exists(), f"{path.name} links to missing {link}"
        for load in page.loads:
            assert not re.match(r"^(https?:)?//", load), f"{path.name} loads {load} from the internet"
            assert (path.parent / load.split("?")[0]).exists(), f"{path.name} loads missing {load}"
        for image in page.images:
            assert image.get("alt"), f"{path.name}: an image without alt text"
    text = "".join(p.read_text(encoding="utf-8") for p in pages)
    assert not re.search(r"mathjax|require\.js|unpkg|jsdelivr|cdnjs|widget-view\+json", text, re.I)


def test_each_explorer_is_its_stored_figure_with_the_way_to_the_live_version(book):
    for name in TEACHING_ORDER:
        explorers = [
            cell
            for cell in notebook(name).cells
            for output in cell.get("outputs", [])
            if kbsim_book.WIDGET_VIEW in output.get("data", {}) and CHECK_TAG not in cell.metadata.get("tags", [])
        ]
        text = words(book.site / "notebooks" / f"{name}.html")
        assert text.count("For the live version") == len(explorers), name
        if explorers:
            assert "make lab" in text and "make present" in text


def checks_of(name):
    return [cell for cell in notebook(name).cells if CHECK_TAG in cell.metadata.get("tags", [])]


def question_and_choices(cell):
    choices = cell.outputs[0]["data"]["text/plain"].split("Choices: ")[1].replace("'", "’")  # smart quotes
    question = kbsim_book.exercise_rule(cell.source).question.replace("`", "").replace("'", "’")  # smart quotes
    return " ".join(question.split()), choices


def test_the_instructor_book_shows_each_exercise_with_its_solution_folded(instructor_book):
    for name in TEACHING_ORDER:
        path = instructor_book.site / "notebooks" / f"{name}.html"
        page, text = Page(path), words(path)
        assert len(page.solutions) == len(checks_of(name)), name
        assert all("open" not in solution for solution in page.solutions), "solutions start folded"
        for cell in checks_of(name):
            question, choices = question_and_choices(cell)
            assert question in text
            assert f"Your prediction: {choices}. Commit to one, then open the solution. Solution" in text
            assert " ".join(kbsim_book.why(cell.source).split()) in text


def test_the_student_book_shows_each_exercise_with_where_its_answer_comes_from_and_no_solution(book):
    line = " ".join(html.unescape(re.sub(r"<[^>]+>", "", kbsim_book.ANSWER_LINE)).split())
    assert "Check" in line and "make lab" in line and "instructor" in line
    for name in TEACHING_ORDER:
        path = book.site / "notebooks" / f"{name}.html"
        page, text = Page(path), words(path)
        assert page.solutions == [] and "<details" not in path.read_text(encoding="utf-8"), name
        assert "reasoning" not in text and "open the solution" not in text
        assert text.count(line) == len(checks_of(name)), name
        for cell in checks_of(name):
            question, choices = question_and_choices(cell)
            assert f"{question} Your prediction: {choices}. Commit to one. {line}" in text


def plain(text):
    """Text as a reader sees it, quotes and spaces made alike, so a sentence is found whichever way it was written."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", text)).replace("’", "'").replace("`", "")
    return " ".join(text.split())


def every_file(site):
    """Every file of a built book that a reader's browser can fetch, as text: pages, sources, search index, scripts."""
    for path in site.rglob("*"):
        if path.is_file() and path.suffix not in {".png", ".jpg", ".svg", ".woff", ".woff2", ".ttf", ".ico"}:
            yield path, plain(path.read_text(encoding="utf-8", errors="replace"))


def test_no_file_of_the_student_book_holds_an_exercises_reasoning_or_the_answer_key(book, instructor_book):
    whys = {item.key: plain(item.why) for item in kbsim_book.exercises.RULES}
    instructor = "\n".join(text for _, text in every_file(instructor_book.site))
    assert all(why in instructor for why in whys.values()), "the check finds a reasoning where there is one"
    key = "article # question answer why"  # the answer key's head, as its table reads
    assert key in instructor
    for path, text in every_file(book.site):
        name = path.relative_to(book.site).as_posix()
        assert key not in text and "Answer key" not in text, name
        for key, why in whys.items():
            assert why not in text, (name, key)


def index_of(book):
    text = (book.site / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1 : text.rindex(")")])


def page_terms(index, docname):
    """Every word the search finds a page by, in its text or its titles."""
    number = index["docnames"].index(docname)
    return {
        term
        for table in ("terms", "titleterms")
        for term, hits in index[table].items()
        if number in ([hits] if isinstance(hits, int) else hits)
    }


def terms(text):
    """The words of a text as the book's search indexes them (kbsim_book.SearchWithNumbers, as Sphinx calls it)."""
    language = kbsim_book.SearchWithNumbers({})
    stems = {language.stem(word).lower() for word in language.split(text)}
    return {stem for stem in stems if language.word_filter(stem)}


def test_the_student_books_search_finds_no_page_by_the_words_of_its_reasoning(book, instructor_book):
    """Every word of an exercise's reasoning that its student page does not show is in the instructor book's index
    for that page and not in the student book's."""
    student, instructor = index_of(book), index_of(instructor_book)
    assert "teaching" in instructor["docnames"] and "teaching" not in student["docnames"]
    for name in TEACHING_ORDER:
        docname = f"notebooks/{name}"
        shown = terms(words(book.site / f"{docname}.html"))
        in_student, in_instructor = page_terms(student, docname), page_terms(instructor, docname)
        reasoning_only = {term for cell in checks_of(name) for term in terms(kbsim_book.why(cell.source))} - shown
        assert reasoning_only or not checks_of(name), f"{name}: its reasonings have words of their own"
        assert reasoning_only <= in_instructor, (name, reasoning_only - in_instructor)
        assert not reasoning_only & in_student, (name, reasoning_only & in_student)


def test_the_student_book_leaves_the_guide_out_of_its_table_of_contents():
    text = (DOCS / "index.md").read_text(encoding="utf-8")
    student = kbsim_book.without_entries(text, kbsim_book.EDITIONS["student"].leaves_out)
    assert toctree_entries(student)[1] == [f"worksheets/{a}" for a in ARTICLE_NUMBERS] + ["model"]
    assert kbsim_book.without_entries(text, kbsim_book.EDITIONS["instructor"].leaves_out) == text
    assert kbsim_book.EDITIONS["instructor"].solutions and kbsim_book.EDITIONS["instructor"].answer_key
    assert not kbsim_book.EDITIONS["student"].solutions and not kbsim_book.EDITIONS["student"].answer_key


def raw(nb):
    return json.loads(nbformat.writes(nb))


def test_the_pages_drop_navigation_cells_and_widget_state():
    page = kbsim_book.static_page(raw(notebook("Q226827_offline_server")))
    assert "widgets" not in page["metadata"]
    assert not any(NAVIGATION_TAG in cell.get("metadata", {}).get("tags", []) for cell in page["cells"])
    assert not any(kbsim_book.WIDGET_VIEW in o.get("data", {}) for c in page["cells"] for o in c.get("outputs", []))
    assert "{doc}`Q210202: licence balancing </notebooks/Q210202_license_balancing>`" not in json.dumps(page)
    start = kbsim_book.static_page(raw(notebook("00_start_here")))
    assert "</notebooks/Q226827_offline_server>`" in json.dumps(start)


def test_the_book_refuses_an_exercise_whose_article_and_number_are_not_written_out():
    nb = raw(notebook("Q226827_offline_server"))
    check = next(cell for cell in nb["cells"] if CHECK_TAG in cell["metadata"].get("tags", []))
    check["source"] = "kbsim.classroom.exercise(article, 1)"
    with pytest.raises(kbsim_book.BookError, match="article and number written out"):
        kbsim_book.static_page(nb)


def test_the_book_refuses_a_figure_without_a_description():
    nb = raw(notebook("Q226827_offline_server"))
    figure = next(c for c in nb["cells"] for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
    for output in figure["outputs"]:
        output["data"]["text/plain"] = ""
    with pytest.raises(kbsim_book.BookError, match="a figure without a description"):
        kbsim_book.static_page(nb)


def test_the_search_finds_status_messages_error_numbers_and_article_numbers(book):
    """Sphinx leaves digits-only words out of its index; the book indexes them (as n9406, n1061: kbsim_book)."""
    text = (book.site / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1 : text.rindex(")")])

    def pages(term):
        """The pages the search finds for a word, in their text or their titles."""
        found = set()
        for table in ("terms", "titleterms"):
            hits = index[table].get(term, [])
            found |= {index["docnames"][i] for i in ([hits] if isinstance(hits, int) else hits)}
        return found

    assert "notebooks/Q299261_server_not_running" in pages("n9406")
    assert "notebooks/Q299261_server_not_running" in pages("n1061")
    for article in ARTICLE_NUMBERS:
        assert any(page.startswith(f"notebooks/{article}") for page in pages(article.lower())), article
    language = (book.site / "_static" / "language_data.js").read_text(encoding="utf-8")
    assert "'n' + term" in language, "queries map a number to the indexed word"


def test_each_article_has_a_worksheet_with_its_notebooks_questions_and_no_answers(book):
    for article in ARTICLE_NUMBERS:
        path = book.site / "worksheets" / f"{article}.html"
        text = words(path)
        for item in kbsim_book.exercises.of(article):
            assert " ".join(item.question.replace("`", "").split()) in text, (article, item.number)
            assert all(choice in text for choice in item.choices)
            assert item.why not in text, "a worksheet holds no reasons"
        assert "Name:" in text and "Why:" in text
    css = (DOCS / "_static" / "kbsim.css").read_text(encoding="utf-8")
    assert "@media print" in css and ".bd-sidebar-primary" in css


def test_the_instructors_guide_holds_every_answer_and_a_90_minute_plan_per_article(instructor_book):
    page = (instructor_book.site / "teaching.html").read_text(encoding="utf-8")
    for item in kbsim_book.exercises.RULES:
        assert f"<b>{html.escape(item.answer()[0])}</b></td><td>{html.escape(item.why)}</td>" in page, item.key
    text = words(instructor_book.site / "teaching.html")
    for article in ARTICLE_NUMBERS:
        assert f"{article}, " in text and f"worksheets/{article}.html" in page
    assert "The whole course in 90 minutes" in text
