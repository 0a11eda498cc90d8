"""The notebooks as book pages: what a page without a kernel can show of each widget (a Sphinx extension).

MyST-NB reads each notebook as it is stored, executed; this extension rewrites the text it reads
(Sphinx's ``source-read`` event) and never the file, so the download button still gives the
notebook itself. Nothing is executed. For each notebook:

- an explorer shows the figure of its preset that it stores beside the widget, followed by a line
  saying how to get the live version (``make lab``, or ``make present`` for Voila);
- a widget with no stored figure (the mystery page) gives way to that line alone;
- a predict-then-check exercise (``kbsim.classroom.exercise("Q226827", 1)``) shows its question
  and choices; in the instructor's edition its solution follows, folded until the reader opens it:
  the model's reasoning (the ``why`` of its rule in ``kbsim.teaching.exercises``; nothing is run); in the
  student's, a line saying the answer comes from Check in the live notebook or from the instructor;
- every figure carries the one-sentence description its output stores as alt text;
- links to another notebook lead to its page;
- the navigation cells go (the book has its own previous and next links), and so does the stored
  widget state, which would only load widget scripts from the internet.

It also gives the book two directives, both written from ``kbsim.teaching.exercises`` (one declaration of each
exercise): ``{kbsim-worksheet} Q226827``, a printable one-page worksheet of an article's exercises
(question, choices to tick, lines for the evidence and the reason), and ``{kbsim-answer-key}``, the
instructor's key (each exercise's answer, decided by running its rule, and why). And its search finds
numbers: Sphinx leaves digits-only words (status message 9406, error 1061) out of its index and its
queries, so here a number is indexed and searched as ``n`` followed by its digits.

The book comes in two editions, declared once in :data:`EDITIONS`: the student's (``make site``, what a
class is given: no solution, no answer key, no instructor's guide) and the instructor's (``make
site-instructor``, Sphinx's tag ``instructor``: solutions folded, the guide with its answer key).
"""

from __future__ import annotations

import ast
import html
import json
import re
from dataclasses import dataclass
from typing import Any

from docutils import nodes
from sphinx.search.en import SearchEnglish
from sphinx.util.docutils import SphinxDirective

from kbsim.teaching import exercises
from kbsim.teaching.classroom import CHECK_TAG, NAVIGATION_TAG
from kbsim.teaching.exercises import Rule, rule

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
CHOICES = "Choices: "
#: A link to another notebook by its file name. In the book it becomes a link to the notebook's page by
#: its document name: Sphinx would follow the link docs/notebooks to ../notebooks, outside the book.
LINK = re.compile(r"\[([^\]`<>]+)\]\((\w+)\.ipynb\)")
LIVE = (
    "*{what} For the live version, open this notebook in JupyterLab with `make lab` and run it, "
    "or as a dashboard with `make present` (Voila, code hidden).*"
)
EXPLORER = "The figure above is the explorer's figure for its preset, as stored when the notebook ran."
WIDGET = "This part of the notebook is a live widget and needs a running kernel."


class BookError(ValueError):
    """A notebook the book cannot show as a page (a cell that breaks one of the rules above)."""


@dataclass(frozen=True)
class Edition:
    """What one edition of the book holds."""

    name: str
    title: str
    #: each exercise's solution (the model's reasoning, its rule's ``why``) folded under the question
    solutions: bool
    #: the ``{kbsim-answer-key}`` directive may write the key (in any other edition it is an error)
    answer_key: bool
    #: documents left out of this edition (and out of its table of contents)
    leaves_out: tuple[str, ...]


#: The two editions of the book. The student's is what a class is given: it leaves out the instructor's guide
#: whole, not only its answer key, since the guide is written to the instructor throughout (lab plans that
#: say which exercise turns the room, misconceptions that state what an exercise asks a student to find,
#: the mystery sites' key).
EDITIONS = {
    "student": Edition("student", "kbsim course", solutions=False, answer_key=False, leaves_out=("teaching",)),
    "instructor": Edition(
        "instructor", "kbsim course: instructor's edition", solutions=True, answer_key=True, leaves_out=()
    ),
}
#: The Sphinx tag (``-t instructor``) that builds the instructor's edition; without it, the student's.
INSTRUCTOR_TAG = "instructor"
ANSWER_LINE = (
    "The answer comes from pressing <b>Check</b> in the live notebook (open it with <code>make lab</code> and run "
    "it), or from your instructor."
)


def edition_of(app: Any) -> Edition:
    """The edition a Sphinx build makes: the instructor's with the tag ``instructor``, else the student's."""
    return EDITIONS["instructor" if app.tags.has(INSTRUCTOR_TAG) else "student"]


def tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def markdown_cell(source: str, cell_id: str) -> dict:
    return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": source}


def plain_text(output: dict) -> str:
    text = output.get("data", {}).get("text/plain", "")
    return "".join(text) if isinstance(text, list) else text


def source_of(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def exercise_call(source: str) -> ast.Call:
    """The ``kbsim.classroom.exercise(...)`` call of a check cell's code (parsed, never run)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "exercise":
            return node
    raise BookError(f"a cell tagged {CHECK_TAG!r} must call kbsim.classroom.exercise(...): {source[:60]!r}")


def exercise_rule(source: str) -> Rule:
    """The rule a check cell shows: its call's article and number, which must be written out."""
    try:
        article, number = (ast.literal_eval(arg) for arg in exercise_call(source).args)
    except ValueError:
        raise BookError(f"an exercise is called with its article and number written out: {source[:60]!r}") from None
    return rule(article, number)


def why(source: str) -> str:
    """The reasoning of a check cell's exercise."""
    return exercise_rule(source).why


def exercise(cell: dict, edition: Edition) -> dict:
    """A check cell as a markdown cell: its question and choices, then its solution folded (the instructor's
    edition) or the line saying where the answer comes from (the student's)."""
    item = exercise_rule(source_of(cell))
    choices = " / ".join(item.choices)
    if not edition.solutions:
        prompt = (
            f"**Exercise {item.number}.** {item.question}\n\n"
            f"**Your prediction:** {html.escape(choices)}. Commit to one.\n\n"
            f"<p class='kbsim-answer-line'>{ANSWER_LINE}</p>\n"
        )
        return markdown_cell(prompt, f"{cell.get('id', 'cell')}-book")
    solution = (
        f"<details class='kbsim-solution'>\n<summary>Solution</summary>\n"
        f"<p><b>The model's reasoning.</b> {html.escape(item.why)}</p>\n"
        "<p>The numbers behind it: run the notebook (<code>make lab</code>) and press <b>Check</b>, or read "
        "the instructor's answer key (<code>make instructor</code>).</p>\n</details>\n"
    )
    prompt = (
        f"**Exercise {item.number}.** {item.question}\n\n"
        f"**Your prediction:** {html.escape(choices)}. Commit to one, then open the solution.\n\n"
    )
    return markdown_cell(prompt + solution, f"{cell.get('id', 'cell')}-book")


def static_page(notebook: dict, edition: Edition = EDITIONS["student"]) -> dict:
    """The notebook (its JSON) as the edition of the book shows it; see the module's docstring."""
    notebook.get("metadata", {}).pop("widgets", None)
    cells = []
    for cell in notebook["cells"]:
        if NAVIGATION_TAG in tags(cell):
            continue
        if CHECK_TAG in tags(cell):
            cells.append(exercise(cell, edition))
            continue
        cells.append(cell)
        if cell["cell_type"] == "markdown":
            cell["source"] = LINK.sub(r"{doc}`\1 </notebooks/\2>`", source_of(cell))
        if cell["cell_type"] != "code":
            continue
        note = None
        outputs = []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                data.pop(WIDGET_VIEW)
                if "image/png" not in data:
                    note = note or WIDGET
                    continue
                note = EXPLORER
            if "image/png" in data:
                alt = plain_text(output).strip()
                if not alt:
                    raise BookError(f"a figure without a description (its text/plain): {source_of(cell)[:60]!r}")
                cell.setdefault("metadata", {}).setdefault("mystnb", {})["image"] = {"alt": alt}
            outputs.append(output)
        cell["outputs"] = outputs
        if note:
            cells.append(markdown_cell(LIVE.format(what=note), f"{cell.get('id', 'cell')}-live"))
    notebook["cells"] = cells
    return notebook


class SearchWithNumbers(SearchEnglish):
    """English search that keeps numbers: 9406 is indexed, and queried, as the word n9406."""

    js_splitter_code = (
        "var splitQuery = (query) => query.split(/[^\\p{Letter}\\p{Number}_\\p{Emoji_Presentation}]+/gu)"
        ".filter((term) => term).map((term) => (/^\\d+$/.test(term) ? 'n' + term : term));"
    )

    def stem(self, word: str) -> str:
        return f"n{word}" if word.isdigit() else super().stem(word)


def worksheet(article: str) -> list[nodes.Node]:
    """An article's exercises as a sheet to print and fill in: the questions exactly as the notebook asks them."""
    rules = exercises.of(article)
    if not rules:
        raise BookError(f"no exercises for {article!r}: expected an article of kbsim.teaching.exercises")
    parts = [
        "<div class='kbsim-worksheet'><p class='kbsim-worksheet-head'>Name: <span class='kbsim-blank'></span> "
        "Date: <span class='kbsim-blank kbsim-short'></span></p>",
        f"<p>Work in the notebook {html.escape(article)} (or its dashboard). For each question tick your "
        "prediction <b>before</b> pressing Check, then note the number that settled it and the reason in a few "
        "words.</p><ol class='kbsim-worksheet-questions'>",
    ]
    for item in rules:
        choices = "".join(f"<li>&#9744; {html.escape(choice)}</li>" for choice in item.choices)
        question = html.escape(item.question).replace("`", "")
        parts.append(
            f"<li><p>{question}</p><ul class='kbsim-choices'>{choices}</ul>"
            "<p>Right? &#9744; yes &#9744; no. The number that settled it: <span class='kbsim-blank'></span></p>"
            "<p>Why: <span class='kbsim-blank kbsim-long'></span></p></li>"
        )
    parts.append("</ol></div>")
    return [nodes.raw("", "".join(parts), format="html")]


def answer_key_table() -> list[nodes.Node]:
    """Every exercise with the answer its rule decides (by running the model) and why."""
    rows = []
    for item in exercises.RULES:
        answer, _ = item.answer()
        rows.append(
            f"<tr><td>{item.article}</td><td>{item.number}</td><td>{html.escape(item.question).replace('`', '')}</td>"
            f"<td><b>{html.escape(answer)}</b></td><td>{html.escape(item.why)}</td></tr>"
        )
    table = (
        "<table class='kbsim-answer-key'><thead><tr><th>article</th><th>#</th><th>question</th><th>answer</th>"
        "<th>why</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )
    return [nodes.raw("", table, format="html")]


class WorksheetDirective(SphinxDirective):
    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        return worksheet(self.arguments[0])


class AnswerKeyDirective(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        edition = edition_of(self.env.app)
        if not edition.answer_key:
            raise self.error(f"the {edition.name}'s edition of the book holds no answer key ({self.env.docname})")
        return answer_key_table()


#: A toctree block of a MyST page: its options and entries up to the closing fence.
TOCTREE = re.compile(r"(```\{toctree\}\n)(.*?)(```)", re.S)


def without_entries(text: str, left_out: tuple[str, ...]) -> str:
    """A page's toctrees without the entries of documents this edition leaves out (so none points at nothing)."""

    def entries(block: re.Match) -> str:
        kept = [line for line in block.group(2).splitlines(keepends=True) if line.strip() not in left_out]
        return block.group(1) + "".join(kept) + block.group(3)

    return TOCTREE.sub(entries, text)


def on_config_inited(app: Any, config: Any) -> None:
    edition = edition_of(app)
    config.exclude_patterns = [*config.exclude_patterns, *(f"{doc}.md" for doc in edition.leaves_out)]
    config.html_title = edition.title


def on_source_read(app: Any, docname: str, source: list[str]) -> None:
    edition = edition_of(app)
    if app.env.doc2path(docname).suffix == ".ipynb":
        source[0] = json.dumps(static_page(json.loads(source[0]), edition))
    elif edition.leaves_out:
        source[0] = without_entries(source[0], edition.leaves_out)


def setup(app: Any) -> dict:
    app.connect("config-inited", on_config_inited)
    app.connect("source-read", on_source_read)
    app.add_search_language(SearchWithNumbers)
    app.add_directive("kbsim-worksheet", WorksheetDirective)
    app.add_directive("kbsim-answer-key", AnswerKeyDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
