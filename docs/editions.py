"""The suite's two classroom editions and its navigation links.

    python docs/editions.py student [DIR]     # default editions/student: exercises unanswered
    python docs/editions.py instructor [DIR]  # default editions/instructor: the answer key
    python docs/editions.py navigation        # rewrite every notebook's navigation cells and slide marks

The student edition is the notebooks with every cell tagged ``solution`` removed and the outputs of
every predict-then-check cell (tagged ``check``) cleared, so nothing answers an exercise before the
student runs it and commits to a prediction. The instructor edition is every notebook executed with
``KBSIM_ANSWER_KEY=1``: each exercise shows its answer, its evidence and why, in the widget and as
text. Both copy ``data/`` beside them so that their cells run. The navigation cells (first and last,
tagged ``navigation``) link each notebook to the start page, the previous and the next in the
teaching order of :data:`kbsim.teaching.classroom.TEACHING_ORDER`. The same command marks the slides of
``make slides`` (Voila's reveal template): a new slide at each ``#`` or ``##`` heading, a
sub-slide for each other cell that shows something, the navigation cells skipped.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kbsim.analysis.outputs import write_whole  # noqa: E402
from kbsim.teaching.classroom import CHECK_TAG, NAVIGATION_TAG, SOLUTION_TAG, TEACHING_ORDER, navigation  # noqa: E402

NOTEBOOKS = ROOT / "notebooks"


def notebooks() -> list[Path]:
    return [NOTEBOOKS / f"{name}.ipynb" for name in TEACHING_ORDER]


def tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def student(out: Path) -> list[Path]:
    """Write the student edition to ``out``; return its notebooks."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks():
        nb = nbformat.read(path, as_version=4)
        nb.cells = [cell for cell in nb.cells if SOLUTION_TAG not in tags(cell)]
        for cell in nb.cells:
            if cell.cell_type == "code" and CHECK_TAG in tags(cell):
                cell.outputs, cell.execution_count = [], None
        written.append(_write(nb, out / path.name))
    _copy_data(out)
    return written


def instructor(out: Path, only: list[str] | None = None) -> list[Path]:
    """Write the answer key to ``out`` (every notebook, or those named in ``only``), executed afresh."""
    from nbclient import NotebookClient

    out.mkdir(parents=True, exist_ok=True)
    _copy_data(out)
    saved = dict(os.environ)
    os.environ["KBSIM_ANSWER_KEY"] = "1"  # the kernels inherit it; this process gets its environment back
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))
    written = []
    try:
        for path in notebooks():
            if only and path.stem not in only:
                continue
            nb = nbformat.read(path, as_version=4)
            NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(out)}}).execute()
            written.append(_write(nb, out / path.name))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return written


def _copy_data(out: Path) -> None:
    """The notebooks read ../data: give the edition the same layout."""
    data = out.parent / "data"
    if not data.exists():
        shutil.copytree(ROOT / "data", data)


def slide_type(cell) -> str:
    """Where a cell goes in the slide deck: a heading starts a slide, every other cell that shows
    something gets a sub-slide of its own (so it fits a projector), a code cell with no output
    (hidden in Voila) stays with the one before."""
    if NAVIGATION_TAG in tags(cell):
        return "skip"
    if cell.cell_type == "markdown" and cell.source.lstrip().startswith(("# ", "## ")):
        return "slide"
    if cell.cell_type == "code" and not cell.get("outputs") and CHECK_TAG not in tags(cell):
        return "-"
    return "subslide"


def rewrite_navigation() -> None:
    """Every notebook starts and ends with its navigation cell (added, or rewritten in place), and
    every cell carries its slide mark."""
    for path in notebooks():
        nb = nbformat.read(path, as_version=4)
        links = navigation(path.stem)
        nb.cells = [cell for cell in nb.cells if NAVIGATION_TAG not in tags(cell)]
        for position in (0, len(nb.cells) + 1):
            cell = nbformat.v4.new_markdown_cell(links, metadata={"tags": [NAVIGATION_TAG]})
            cell.id = f"navigation-{'top' if position == 0 else 'end'}"
            nb.cells.insert(position, cell)
        for cell in nb.cells:
            cell.metadata["slideshow"] = {"slide_type": slide_type(cell)}
        _write(nb, path)


def _write(nb, path: Path) -> Path:
    """A notebook written whole (a temporary file renamed into place): a failure or Ctrl-C leaves the old one.

    An edition is this script's own output, made again by each ``make student``/``make instructor``,
    so its notebooks are replaced."""
    return write_whole(path, lambda temporary: nbformat.write(nb, temporary), overwrite=True)


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in ("student", "instructor", "navigation"):
        raise SystemExit(__doc__)
    if argv[0] == "navigation":
        rewrite_navigation()
        return
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "editions" / argv[0]
    written = student(out) if argv[0] == "student" else instructor(out)
    print(f"{argv[0]} edition: {len(written)} notebooks in {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
