"""The course book of `make site`: the notebooks in teaching order, their stored outputs, offline pages."""

import hashlib
import html
import importlib.util
import json
import os
import re
from base64 import b64decode
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from kbsim.classroom import CHECK_TAG, NAVIGATION_TAG, TEACHING_ORDER

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
spec = importlib.util.spec_from_file_location("kbsim_book", DOCS / "_ext" / "kbsim_book.py")
kbsim_book = importlib.util.module_from_spec(spec)
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


def test_the_book_is_built_afresh_with_warnings_as_errors_and_runs_no_notebook():
    recipe = re.search(r"^site:.*\n\t(.+)$", (ROOT / "Makefile").read_text(), re.M).group(1)
    assert recipe.split()[:2] == ["$(PY)", "-m"] and "sphinx" in recipe
    assert {"-E", "-W", "--keep-going"} <= set(recipe.split()) and recipe.endswith("docs $(SITE)/html")
    conf = (DOCS / "conf.py").read_text()
    assert re.search(r'^nb_execution_mode = "off"$', conf, re.M)
    assert not (DOCS / "build_site.py").exists()


def test_make_site_builds_the_book_without_network(book):
    if not book.offline:
        message = "no network namespace here (unshare -rn) to build without network"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    pages = {p.relative_to(book.site).as_posix() for p in book.site.rglob("*.html")}
    expected = {f"notebooks/{name}.html" for name in TEACHING_ORDER} | {"index.html", "teaching.html", "model.html"}
    assert expected <= pages and "search.html" in pages
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


def test_each_exercise_shows_its_choices_and_its_solution_folded(book):
    for name in TEACHING_ORDER:
        checks = [cell for cell in notebook(name).cells if CHECK_TAG in cell.metadata.get("tags", [])]
        path = book.site / "notebooks" / f"{name}.html"
        page, text = Page(path), words(path)
        assert len(page.solutions) == len(checks), name
        assert all("open" not in solution for solution in page.solutions), "solutions start folded"
        for cell in checks:
            choices = cell.outputs[0]["data"]["text/plain"].split("Choices: ")[1]
            question = kbsim_book.exercise_rule(cell.source).question.replace("`", "").replace("'", "’")  # smart quotes
            assert " ".join(question.split()) in text
            assert f"Your prediction: {choices}. Commit to one, then open the solution. Solution" in text
            assert " ".join(kbsim_book.why(cell.source).split()) in text


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


def test_the_guide_holds_every_answer_and_a_90_minute_plan_per_article(book):
    page = (book.site / "teaching.html").read_text(encoding="utf-8")
    for item in kbsim_book.exercises.RULES:
        assert f"<b>{html.escape(item.answer()[0])}</b></td><td>{html.escape(item.why)}</td>" in page, item.key
    text = words(book.site / "teaching.html")
    for article in ARTICLE_NUMBERS:
        assert f"{article}, " in text and f"worksheets/{article}.html" in page
    assert "The whole course in 90 minutes" in text
