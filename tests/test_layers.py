"""The package's layers (issue 22): model, analysis, teaching, ui, each importing only the layers below it.

``kbsim/model`` is the simulation (the mechanisms, the site, the Result, presets and run sizes);
``kbsim/analysis`` reads runs (sweeps, the SMS logs, files written whole); ``kbsim/teaching`` is the
course (the article registry, mystery sites, evidence, diagnosis, exercises, the classroom);
``kbsim/ui`` is what a person touches (widgets, figures, the command line). The front door
``kbsim/__init__.py`` re-exports the public names; nothing below it imports it back.
Imports inside functions count: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "kbsim"
LAYERS = ("model", "analysis", "teaching", "ui")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """Every kbsim module ``path`` imports, resolved to its absolute name, wherever the import stands."""
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "kbsim"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source.split(".")[0] != "kbsim":
                continue
            # ``from .. import x`` may name a module: count it as that module when it is one
            for alias in node.names:
                candidate = f"{source}.{alias.name}"
                as_module = PACKAGE.parent / Path(*candidate.split("."))
                found.add(candidate if as_module.with_suffix(".py").exists() or as_module.is_dir() else source)
    return found


def layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)
BELOW_THE_FRONT_DOOR = [p for p in MODULES if layer(module_name(p))]


def test_every_module_lives_in_a_layer():
    loose = [str(p.relative_to(ROOT)) for p in MODULES if p.parent == PACKAGE]
    assert sorted(loose) == ["kbsim/__init__.py", "kbsim/__main__.py"], loose


@pytest.mark.parametrize("path", BELOW_THE_FRONT_DOOR, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_module_imports_only_its_own_layer_and_the_layers_below(path):
    own = LAYERS.index(layer(module_name(path)))
    above = {m for m in imported(path) if (lay := layer(m)) and LAYERS.index(lay) > own}
    assert not above, f"{module_name(path)} ({LAYERS[own]}) imports {sorted(above)} from a layer above it"


@pytest.mark.parametrize("path", BELOW_THE_FRONT_DOOR, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_nothing_below_the_front_door_imports_it(path):
    front = {m for m in imported(path) if layer(m) is None}
    assert not front, f"{module_name(path)} imports the front door: {sorted(front)}"


def test_the_layer_check_sees_an_upward_import(tmp_path, monkeypatch):
    """The checker itself: a model module importing the ui, lazily or not, and the front door are caught."""
    fake = tmp_path / "kbsim" / "model"
    fake.mkdir(parents=True)
    (tmp_path / "kbsim" / "ui").mkdir()
    (tmp_path / "kbsim" / "ui" / "plots.py").write_text("")
    source = fake / "site.py"
    source.write_text("def f():\n    from ..ui import plots\n    from .. import run\n    import kbsim.ui.plots\n")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    monkeypatch.setattr(f"{__name__}.PACKAGE", tmp_path / "kbsim")
    assert imported(source) == {"kbsim.ui.plots", "kbsim"}
