"""The layers' import contracts (pyproject's [tool.importlinter]) hold, and a planted forbidden
import breaks them: the check itself can fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command as m; sys.exit(m())"]


def lint(tree: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(tree))
    return subprocess.run(
        [*LINT, "--no-cache", str(tree / "pyproject.toml")],
        cwd=tree, env=env, capture_output=True, text=True,
    )


def copy_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "repo"
    tree.mkdir()
    shutil.copy(ROOT / "pyproject.toml", tree)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("engine", "gradviz"):
        shutil.copytree(ROOT / package, tree / package, ignore=ignore)
    return tree


def test_the_repository_keeps_its_import_contracts():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def plant(tree: Path, module: str, line: str) -> None:
    path = tree / module
    path.write_text(path.read_text() + f"\n{line}\n")


def modules_of(tree: Path, package: str) -> list[str]:
    folder = tree / package.replace(".", "/")
    return sorted(f"{package}.{p.stem}" for p in folder.glob("*.py") if p.stem != "__init__")


def test_a_qt_import_in_any_model_module_breaks_the_contract(tmp_path):
    tree = copy_tree(tmp_path)
    model = modules_of(tree, "gradviz.model")
    assert len(model) >= 10 and "gradviz.model.workspace" in model
    for module in model:
        plant(tree, module.replace(".", "/") + ".py", "import PySide6.QtCore  # planted")
    result = lint(tree)
    assert result.returncode != 0
    assert "gradviz.model imports no Qt" in result.stdout and "BROKEN" in result.stdout
    for module in model:  # each planted import is reported: none slips through
        assert f"{module} -> PySide6" in result.stdout, module


def test_an_engine_import_in_any_model_or_qt_module_breaks_the_contracts(tmp_path):
    tree = copy_tree(tmp_path)
    modules = modules_of(tree, "gradviz.model") + modules_of(tree, "gradviz.qt")
    assert "gradviz.qt.main_window" in modules and "gradviz.qt.inspector" in modules
    for module in modules:
        plant(tree, module.replace(".", "/") + ".py", "import engine._tensor  # planted")
    result = lint(tree)
    assert result.returncode != 0
    assert "gradviz.model imports no engine" in result.stdout and "gradviz.qt imports no engine" in result.stdout
    for module in modules:
        assert f"{module} -> engine._tensor" in result.stdout, module


def test_a_kernel_side_import_in_the_app_breaks_the_contract(tmp_path):
    tree = copy_tree(tmp_path)
    plant(tree, "gradviz/qt/graph_scene.py", "import gradviz.kernel.stepping  # planted")
    result = lint(tree)
    assert result.returncode != 0
    assert "gradviz.qt.graph_scene -> gradviz.kernel.stepping" in result.stdout


def test_an_app_import_in_the_engine_breaks_the_contract(tmp_path):
    tree = copy_tree(tmp_path)
    plant(tree, "engine/ops/unary.py", "import networkx  # planted")
    result = lint(tree)
    assert result.returncode != 0
    assert "engine.ops.unary -> networkx" in result.stdout
