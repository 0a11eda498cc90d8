# The two commands of the README: `make lab` opens the suite, `make test` runs every test.
# Both create .venv and install the project into it on first use (and again when pyproject.toml changes).
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
# JupyterLab refuses to run as root unless told; a normal user needs no flag.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test golden present site figures bench bench-browser notebooks clean

$(INSTALLED): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

lab: $(INSTALLED)
	$(VENV)/bin/jupyter lab $(ROOT_FLAG) notebooks/

# Every test, including tests/test_installed.py: the sdist and wheel built and installed (not editable)
# into a fresh environment, then every preset, the CLI and a Dask sweep run from outside the checkout.
test: $(INSTALLED)
	tests/e2e/ensure_chromium.sh
	$(PY) -m pytest

# Rewrite the golden numbers (tests/golden/*.json) after a change meant to move them; read `git diff tests/golden`.
golden: $(INSTALLED)
	$(PY) tests/golden/regenerate.py

# The article notebooks as dashboards: code hidden, widgets live (http://127.0.0.1:8866).
present: $(INSTALLED)
	$(VENV)/bin/voila --no-browser --Voila.ip=127.0.0.1 --port=8866 notebooks/

# A static HTML site of the executed suite, readable without a kernel: site/index.html.
site: $(INSTALLED)
	$(PY) docs/build_site.py site

# The README's pictures, drawn from the real suite.
figures: $(INSTALLED)
	$(PY) docs/make_figures.py

# Re-execute every notebook in place (after a change to kbsim changes their numbers).
notebooks: $(INSTALLED)
	$(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace notebooks/*.ipynb

# The benchmarks (never part of `make test`): presets, explorers, notebooks and large sites beside SimPy,
# a sweep, and explorer moves timed in a real JupyterLab in Chromium.
bench: $(INSTALLED) bench-browser
	$(PY) benchmarks/run.py
	$(PY) benchmarks/sweep.py

bench-browser: $(INSTALLED)
	tests/e2e/ensure_chromium.sh
	$(PY) benchmarks/browser.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
