"""The notebooks as files: executed in order, no errors, no stray output, no absolute paths, thin.

nbval (run by the same `make test`) then re-runs every notebook and compares its outputs.
"""

import json
import re
from pathlib import Path

import pytest

import kbsim.teaching.articles

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
ARTICLES = {a.number: f"{a.notebook}.ipynb" for a in kbsim.teaching.articles.ARTICLES}
ALL = ["00_start_here.ipynb", *ARTICLES.values(), "sweeps.ipynb", "mystery_sites.ipynb"]
ABSOLUTE_PATH = re.compile(r"(/work/|/root/|/home/|/tmp/|/usr/|[A-Za-z]:\\\\)")
HIDING_TAGS = {"nbval-skip", "nbval-ignore-output"}


def load(name):
    return json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))


def code_cells(notebook):
    return [c for c in notebook["cells"] if c["cell_type"] == "code"]


def text_of(cell):
    return "".join(cell["source"])


def test_every_notebook_exists():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(ALL)


@pytest.mark.parametrize("name", ALL)
def test_committed_executed_top_to_bottom_in_one_kernel(name):
    notebook = load(name)
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    counts = [c["execution_count"] for c in code_cells(notebook)]
    assert counts == list(range(1, len(counts) + 1)), "re-run the notebook top to bottom: make notebooks"


@pytest.mark.parametrize("name", ALL)
def test_no_errors_no_stray_output_no_absolute_paths(name):
    for cell in code_cells(load(name)):
        for output in cell["outputs"]:
            assert output["output_type"] != "error", text_of(cell)
            assert output["output_type"] != "stream", f"stray printed output in: {text_of(cell)}"
            assert not ABSOLUTE_PATH.search(json.dumps(output.get("data", {}).get("text/plain", ""))), text_of(cell)
    for cell in load(name)["cells"]:
        assert not ABSOLUTE_PATH.search(text_of(cell)), text_of(cell)


@pytest.mark.parametrize("name", ALL)
def test_notebooks_stay_thin(name):
    cells = code_cells(load(name))
    for cell in cells:
        source = text_of(cell)
        assert not re.search(r"^\s*(def|class) ", source, re.M), f"logic belongs in kbsim: {source}"
        assert "import matplotlib" not in source and "plt." not in source, f"plotting belongs in kbsim.plots: {source}"
        assert len(source.splitlines()) <= 6, f"a code cell does one thing: {source}"
    hidden = [c for c in cells if HIDING_TAGS & set(c.get("metadata", {}).get("tags", []))]
    assert len(hidden) <= len(cells) / 4
    for cell in hidden:
        assert "#" in text_of(cell), "a cell hidden from nbval says why in a comment"


@pytest.mark.parametrize("article, name", ARTICLES.items())
def test_article_notebooks_follow_the_arc(article, name):
    notebook = load(name)
    markdown = "\n".join(
        text_of(c)
        for c in notebook["cells"]
        if c["cell_type"] == "markdown" and "navigation" not in c.get("metadata", {}).get("tags", [])
    )
    code = "\n".join(text_of(c) for c in code_cells(notebook))
    assert markdown.lstrip().startswith(f"# {article}")
    assert markdown.count(article) >= 3, "cite the article where its facts are used"
    assert f'kbsim.explore("{article}"' in code or f"kbsim.explore('{article}'" in code
    assert ".set(" in code and "summary_frame()" in code, "a cell that moves the explorer and shows the numbers"
    assert "plots.show(" in code and "kbsim.compare(" in code
    assert re.search(r"exercise", markdown, re.I) and re.search(r"takeaway", markdown, re.I)


def test_start_here_links_every_notebook():
    markdown = "\n".join(text_of(c) for c in load("00_start_here.ipynb")["cells"] if c["cell_type"] == "markdown")
    links = set(re.findall(r"\]\(([^)#]+\.ipynb)\)", markdown))
    assert set(ALL) - {"00_start_here.ipynb"} <= links
    assert all((NOTEBOOKS / link).exists() for link in links)
