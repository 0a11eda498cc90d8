# The two commands of the README: `make lab` opens the suite, `make test` runs every test.
# Both create .venv and install the project into it on first use (and again when pyproject.toml changes).
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
# JupyterLab refuses to run as root unless told; a normal user needs no flag.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test golden present site figures bench bench-browser bench-hub hub assignments notebooks slides student instructor navigation site-instructor clean

$(INSTALLED): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

# JupyterLab on the notebooks folder, opened at the start page.
lab: $(INSTALLED)
	cd notebooks && ../$(VENV)/bin/jupyter lab $(ROOT_FLAG) 00_start_here.ipynb

# Every test, including tests/test_installed.py: the sdist and wheel built and installed (not editable)
# into a fresh environment, then every preset, the CLI and a Dask sweep run from outside the checkout.
test: $(INSTALLED)
	tests/e2e/ensure_chromium.sh
	hub/ensure_proxy.sh
	$(PY) -m pytest

# Rewrite the golden numbers (tests/golden/*.json) after a change meant to move them; read `git diff tests/golden`.
golden: $(INSTALLED)
	$(PY) tests/golden/regenerate.py

# The article notebooks as dashboards: code hidden, widgets live (http://127.0.0.1:8866).
present: $(INSTALLED)
	$(VENV)/bin/voila --no-browser --Voila.ip=127.0.0.1 --port=8866 notebooks/

# The notebooks as live slide decks (Voila's reveal template: kernel and widgets live, nothing from the
# internet, the notebook never written; space or arrows to advance), on http://127.0.0.1:8867, opened at the
# first article: /voila/render/notebooks/<name>.ipynb for any other. Each heading starts a slide (make navigation
# marks them). docs/slides/serve.py holds the settings.
slides: $(INSTALLED)
	$(PY) docs/slides/serve.py 8867

# The course as a book (Sphinx, MyST-NB, the book theme; configured in docs/conf.py and docs/index.md):
# $(SITE)/html/index.html, with Sphinx's working files beside it. It shows the notebooks' stored outputs
# (it never runs one), loads nothing from the internet, and builds afresh (-E) with every warning an error.
# `make site` is the student's edition, what a class is given: each exercise's question and choices, no
# solution, no answer key, no instructor's guide. `make site-instructor` is the instructor's edition in
# $(SITE_INSTRUCTOR)/html: solutions folded, the guide and its answer key (docs/_ext/kbsim_book.py, EDITIONS).
SITE ?= site
SITE_INSTRUCTOR ?= site-instructor
BOOK = $(PY) -m sphinx -E -W --keep-going -q -b html
site: $(INSTALLED)
	$(BOOK) -d $(SITE)/doctrees docs $(SITE)/html

site-instructor: $(INSTALLED)
	$(BOOK) -t instructor -d $(SITE_INSTRUCTOR)/doctrees docs $(SITE_INSTRUCTOR)/html

# The README's pictures, drawn from the real suite.
figures: $(INSTALLED)
	$(PY) docs/make_figures.py

# Re-execute every notebook in place (after a change to kbsim changes their numbers).
notebooks: $(INSTALLED)
	$(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace notebooks/*.ipynb

# A class hub on 127.0.0.1 (JupyterHub, its proxy from npm, one class password, a JupyterLab per student with
# kbsim), printing the password and the nbgitpuller link that gives a student the course; Ctrl-C stops it all.
# HUB_ARGS passes options: make hub HUB_ARGS="--port 8001 --students ann,bob" (python hub/class_hub.py --help).
HUB_ARGS ?=
hub: $(INSTALLED)
	hub/ensure_proxy.sh
	$(PY) hub/class_hub.py $(HUB_ARGS)

# nbgrader's release of the graded assignments (one per article, assignments/source/): assignments/release/,
# solutions replaced by stubs and hidden tests removed. docs/teaching.md: releasing, collecting, grading.
assignments: $(INSTALLED)
	# nbgrader runs alembic from PATH when it creates its gradebook: the virtualenv's bin goes first.
	cd assignments && PATH="$(abspath $(VENV))/bin:$$PATH" nbgrader generate_assignment '*' --force

# The student edition (editions/student: exercises unanswered, check outputs cleared) and the
# instructor's answer key (editions/instructor: every exercise answered, executed afresh).
student: $(INSTALLED)
	$(PY) docs/editions.py student

instructor: $(INSTALLED)
	$(PY) docs/editions.py instructor

# Rewrite each notebook's first and last cell: links to the start, the previous and the next.
navigation: $(INSTALLED)
	$(PY) docs/editions.py navigation

# The benchmarks (never part of `make test`): presets, explorers, notebooks and large sites beside SimPy,
# a sweep, explorer moves timed in-process and in a real JupyterLab in Chromium.
bench: $(INSTALLED) bench-browser
	$(PY) benchmarks/run.py
	$(PY) benchmarks/sweep.py
	$(PY) benchmarks/explorer.py

bench-browser: $(INSTALLED)
	tests/e2e/ensure_chromium.sh
	$(PY) benchmarks/browser.py

# A class's load on one hub (never part of make bench, it takes long): N students moving explorers at once.
bench-hub: $(INSTALLED)
	hub/ensure_proxy.sh
	$(PY) benchmarks/hub.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis editions site site-instructor hub/node_modules \
		assignments/release assignments/submitted assignments/autograded assignments/feedback assignments/gradebook.db
