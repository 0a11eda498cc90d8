"""Build a static HTML site of the executed notebooks: `python docs/build_site.py [OUT]` (default site/).

Readers need no kernel: each notebook becomes a page with its stored outputs. Live widgets
cannot work without a kernel, so each explorer shows the static figure of its default
settings that it stores beside the widget; links between notebooks point at the pages.
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import markdown2html_mistune

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kbsim.classroom import TEACHING_ORDER  # noqa: E402

NOTEBOOKS = ROOT / "notebooks"
GUIDE = ROOT / "docs" / "teaching.md"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def static(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook as a page: widget views give way to their stored figure, links to pages."""
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = re.sub(r"\]\(([^)#:]+)\.ipynb(#[^)]*)?\)", r"](\1.html\2)", cell.source)
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            data.pop(WIDGET_VIEW, None)
            if "image/png" in data:  # an <img> whose alt text is the figure's one-sentence description
                alt = html.escape(str(data.get("text/plain", "")), quote=True)
                data["text/html"] = f'<img src="data:image/png;base64,{data.pop("image/png")}" alt="{alt}">'
    return notebook


def title(notebook: nbformat.NotebookNode, fallback: str) -> str:
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#\s+(.+)$", cell.source, re.M)
            if match:
                return match.group(1).strip()
    return fallback


def build(out: Path) -> list[Path]:
    """Write one page per notebook and an index into ``out``; return the pages written."""
    out.mkdir(parents=True, exist_ok=True)
    exporter = HTMLExporter(template_name="lab")
    pages, entries = [], []
    order = {name: i for i, name in enumerate(TEACHING_ORDER)}
    for path in sorted(NOTEBOOKS.glob("*.ipynb"), key=lambda p: (order.get(p.stem, len(order)), p.stem)):
        notebook = static(nbformat.read(path, as_version=4))
        body, _ = exporter.from_notebook_node(notebook)
        page = out / f"{path.stem}.html"
        page.write_text(body, encoding="utf-8")
        pages.append(page)
        entries.append(f'<li><a href="{page.name}">{html.escape(title(notebook, path.stem))}</a></li>')
    guide = out / "teaching.html"
    guide.write_text(
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>Teaching with kbsim</title>"
        f"</head><body>{markdown2html_mistune(GUIDE.read_text(encoding='utf-8'))}"
        "<p><a href='index.html'>Back to the notebooks</a></p></body></html>\n",
        encoding="utf-8",
    )
    pages.append(guide)
    index = out / "index.html"
    index.write_text(
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>kbsim: SMS 2.0 Software Metering</title>"
        "</head><body><h1>kbsim: SMS 2.0 Software Metering, simulated</h1>"
        "<p>The executed notebooks of the suite, one per Knowledge Base article. Start with the first.</p>"
        f"<ol>{''.join(entries)}</ol><p>For instructors: <a href='teaching.html'>the teaching guide</a> "
        "(objectives, a 50-minute plan, discussion questions, misconceptions, what the model assumes).</p>"
        "</body></html>\n",
        encoding="utf-8",
    )
    return [index, *pages]


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "site"
    for written in build(target):
        print(written.relative_to(target.parent) if target.is_absolute() else written)
