"""The notebooks as live slide decks (``make slides``): Voila's reveal template, widgets and kernel live.

    python docs/slides/serve.py [PORT]     # then open http://127.0.0.1:PORT/voila/render/notebooks/<name>.ipynb

Each heading of a notebook starts a slide and every other cell that shows something a sub-slide
(``make navigation`` marks them); space or the arrow keys advance. The explorer's slide has its
controls and its plot redraws; the exercises' Check buttons work; nothing is loaded from the
internet: the template ``kbsim-slides`` (voila/templates/ here) is Voila's reveal template without
its CDN style sheets and jQuery, and reveal.js's style sheets come from ``reveal/`` here (reveal.js
4.0.2, MIT licence, its theme without the web font). Voila only reads the notebook: presenting never
changes the file. The server serves the repository's folder (so the decks can reach the style
sheets), binds to 127.0.0.1 only, and runs each deck in a kernel of its own.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FIRST = "notebooks/Q226827_offline_server.ipynb"
#: reveal.js's settings: a projector's 1024x768, slides that scroll when a cell is taller than the screen.
REVEAL = {
    "url_prefix": "/voila/files/docs/slides/reveal",
    "theme": "white",
    "scroll": True,
    "width": 1024,
    "height": 768,
}


def command(root: Path, port: int) -> list[str]:
    """The Voila command that serves ``root`` (a folder holding notebooks/, data/ and docs/slides/) as slide decks."""
    return [
        sys.executable,
        "-m",
        "voila",
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--template=kbsim-slides",
        "--VoilaConfiguration.file_allowlist=['.*\\.(png|jpg|gif|svg|css)']",
        f"--VoilaConfiguration.resources={{'reveal': {REVEAL!r}}}",
        str(root),
    ]


def environment(root: Path) -> dict[str, str]:
    """The environment Voila needs to find the kbsim-slides template (JUPYTER_PATH)."""
    paths = [str(root / "docs" / "slides"), os.environ.get("JUPYTER_PATH", "")]
    return {**os.environ, "JUPYTER_PATH": os.pathsep.join(filter(None, paths))}


def main(argv: list[str]) -> None:
    port = int(argv[0]) if argv else 8867
    print(f"Slides: http://127.0.0.1:{port}/voila/render/{FIRST} (any notebook: /voila/render/notebooks/<name>.ipynb)")
    sys.stdout.flush()
    os.chdir(ROOT)
    os.execve(sys.executable, command(ROOT, port), environment(ROOT))


if __name__ == "__main__":
    main(sys.argv[1:])
