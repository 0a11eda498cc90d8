"""The project keeps its promises: one list of packages, README commands that CI runs."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import kbsim
import kbsim.model.version

ROOT = Path(__file__).resolve().parent.parent


def names(requirements):
    return {re.split(r"[<>=!~ \[]", r.strip())[0].lower() for r in requirements}


def test_environment_yml_names_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = names(project["dependencies"]) | names(project["optional-dependencies"]["dev"])
    conda = []
    text = (ROOT / "environment.yml").read_text()
    for line in text.split("dependencies:", 1)[1].splitlines():
        match = re.match(r"\s+- ([A-Za-z][\w.-]*)(.*)$", line)
        if match and match.group(1) not in ("python", "pip"):
            conda.append(match.group(1) + match.group(2))
    assert names(conda) == declared


def test_ci_runs_the_readme_test_command_and_nothing_else():
    readme = (ROOT / "README.md").read_text()
    ci = [
        line
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.startswith("#") and not line.startswith(("set ", "cd "))
    ]
    # CI=true is the one setting: it makes the browser tests run (and Chromium installed) instead of skip.
    assert ci == ["export CI=true", "make test"]
    assert "make test" in readme and "make lab" in readme


def test_required_layout_exists():
    for folder in ("notebooks", "kbsim", "data", "tests", "benchmarks"):
        assert (ROOT / folder).is_dir(), folder


def test_one_declaration_of_the_version_and_a_licence_file():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "kbsim.model.version.__version__"}
    assert re.search(r'^__version__ = "[0-9][^"]*"$', (ROOT / "kbsim" / "model" / "version.py").read_text(), re.M)
    assert "__version__ =" not in (ROOT / "kbsim" / "__init__.py").read_text()  # the front door only reads it
    assert kbsim.__version__ == kbsim.model.version.__version__
    licence = (ROOT / "LICENSE").read_text()
    assert project["project"]["license"] == "MIT" and licence.startswith("MIT License")
    assert "the kbsim developers" in licence


def tracked_text_files():
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False)
    names = (
        [n for n in listed.stdout.decode().split("\0") if n]
        if listed.returncode == 0
        else [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file() and ".venv" not in p.parts]
    )
    return [
        ROOT / n
        for n in names
        if (ROOT / n).suffix in (".py", ".md", ".ipynb", ".toml", ".cfg", ".yml", ".txt", "") and (ROOT / n).is_file()
    ]


def test_nothing_points_outside_the_repository():
    """The repository stands alone: its sources are restated in docs/model.md, not linked from elsewhere."""
    outside = re.compile(r"\.\./shared|/work/shared|FACTS\.md")
    this = Path(__file__).resolve()
    offenders = [
        str(p.relative_to(ROOT))
        for p in tracked_text_files()
        if p.resolve() != this and outside.search(p.read_text(encoding="utf-8", errors="replace"))
    ]
    assert not offenders


def test_the_model_page_names_every_article_and_every_assumed_parameter():
    model = (ROOT / "docs" / "model.md").read_text()
    from kbsim import PARAMETERS

    for parameter in PARAMETERS.values():
        if "[assumed" in parameter.help:
            assert f"`{parameter.name}`" in model, parameter.name
        if parameter.article:
            assert parameter.article in model, parameter.article
    for article in ("Q226827", "Q210202", "Q212894", "Q213261", "Q299261"):
        assert f"({article}" in model, article  # each article has its section
    for pointer in ("README.md", "kbsim/model/parameters.py", "kbsim/ui/cli.py"):
        assert "docs/model.md" in (ROOT / pointer).read_text(), pointer


def checker(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True)


def test_the_code_passes_ruff_lint_and_format():
    lint = checker("ruff", "check", "--no-cache", ".")
    assert lint.returncode == 0, lint.stdout[-3000:]
    form = checker("ruff", "format", "--no-cache", "--check", ".")
    assert form.returncode == 0, f"run `ruff format .`:\n{form.stdout[-3000:]}"


def test_the_readme_shows_a_picture_of_every_notebook():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    pictured = dict(re.findall(r"^\| `([\w]+\.ipynb)`[^|]*\| !\[[^\]]+\]\(([^)]+)\) \|$", readme, re.M))
    assert set(pictured) == {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}
    for picture in pictured.values():
        assert (ROOT / picture).is_file(), f"README shows missing {picture}"


def test_the_package_passes_mypy_so_py_typed_is_honest():
    types = checker("mypy")
    assert types.returncode == 0, types.stdout[-3000:]


#: Issue 22: no module over this many lines but the parameter declaration (one field per parameter, by design).
MODULE_LINES = 600


def test_no_module_but_the_parameter_declaration_is_over_600_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for path in sorted((ROOT / "kbsim").rglob("*.py"))
        if (n := len(path.read_text().splitlines())) > MODULE_LINES
    }
    assert set(long) <= {"kbsim/model/parameters.py"}, long


def test_import_kbsim_loads_no_widget_library_and_no_pyplot():
    """A sweep's worker, the command line and a script import kbsim for the model alone; the widgets and pyplot
    load when a notebook first reaches kbsim.classroom, kbsim.plots or an explorer (issue 22)."""
    probe = (
        "import sys, kbsim\n"
        "loaded = [m for m in ('ipywidgets', 'matplotlib.pyplot') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
        "kbsim.classroom.exercise, kbsim.plots.show\n"
        "assert 'ipywidgets' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-500:]
