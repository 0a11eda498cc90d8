"""The course book: `make site` runs Sphinx with MyST-NB and the book theme on this folder (site/html/index.html).

The book shows the notebooks as they are stored, executed (it never runs one), in teaching order
(index.md), with the instructor's guide and the model. ``notebooks`` here is a link to the
repository's ``notebooks/``. The pages load nothing from the internet: no MathJax, no require.js,
no widget scripts; ``_ext/kbsim_book.py`` turns each widget into what a page without a kernel can
show (the explorer's stored figure of its preset, an exercise with its solution folded). It also makes
the two editions: the student's (`make site`: no solution, no answer key, no guide) and the instructor's
(`make site-instructor`, Sphinx's tag ``instructor``), declared in ``_ext/kbsim_book.py`` (``EDITIONS``).
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
sys.path.insert(0, str(HERE.parent))

project = "kbsim: SMS 2.0 Software Metering, simulated"
author = "the kbsim developers"
copyright = "the kbsim developers, MIT licence"
extensions = ["myst_nb", "kbsim_book"]
root_doc = "index"
exclude_patterns = ["notebooks.md", "_build", "**.ipynb_checkpoints"]

# The stored outputs are the book's content: nothing is executed, so no kernel and no cache.
nb_execution_mode = "off"
# No widget scripts from a CDN: the widgets become static in _ext/kbsim_book.py.
nb_ipywidgets_js: dict = {}

html_theme = "sphinx_book_theme"
html_title = "kbsim course"  # the instructor's edition says so in its title (kbsim_book.EDITIONS)
html_static_path = ["_static"]
html_css_files = ["kbsim.css"]
html_last_updated_fmt = None
html_theme_options = {
    "use_download_button": True,  # each page: the .ipynb (or .md) it was built from, and print to PDF
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "show_prev_next": True,
    "navigation_with_keys": False,
    "home_page_in_toc": True,
    "navbar_persistent": [],  # no second search field in a header bar above the page: the sidebar has one
}
