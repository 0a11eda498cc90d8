"""The project keeps its promises: one list of packages, README commands that CI runs."""

import re
import tomllib
from pathlib import Path

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
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
          if line.strip() and not line.startswith("#") and not line.startswith(("set ", "cd "))]
    # CI=true is the one setting: it makes the browser tests run (and Chromium installed) instead of skip.
    assert ci == ["export CI=true", "make test"]
    assert "make test" in readme and "make lab" in readme


def test_required_layout_exists():
    for folder in ("notebooks", "kbsim", "data", "tests", "benchmarks"):
        assert (ROOT / folder).is_dir(), folder
