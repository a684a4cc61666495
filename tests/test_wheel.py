"""The wheel ships every package, the entry point and the resources, and finds them at run time."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# One worker builds the wheel once for all of them (under `pytest -n auto --dist loadgroup`).
pytestmark = pytest.mark.xdist_group("wheel")

SKIP = shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
                              ".ruff_cache", "*.pyc", ".venv")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Build the wheel from a copy of the tree (so no build/ or egg-info lands in the checkout)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    shutil.copytree(REPO, source, ignore=SKIP)
    out = work / "dist"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation", "-q", "-w", str(out)],
        cwd=source, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    wheels = list(out.glob("gradviz-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def _source_packages() -> set[str]:
    return {
        str(init.parent.relative_to(REPO)).replace("/", ".")
        for top in ("engine", "gradviz")
        for init in (REPO / top).rglob("__init__.py")
        if "__pycache__" not in init.parts
    }


def test_wheel_has_every_package_and_module(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for package in _source_packages():
        assert package.replace(".", "/") + "/__init__.py" in names, package
    for module in ("engine/autograd/backward_run.py", "gradviz/cli.py", "gradviz/model/export.py",
                   "gradviz/qt/render.py", "gradviz/_resources.py"):
        assert module in names, module
    assert not any(n.startswith(("tests/", "resources/")) for n in names), "tests or a top-level resources package leaked"


def test_wheel_has_the_examples_and_the_entry_point(wheel):
    archive = zipfile.ZipFile(wheel)
    names = set(archive.namelist())
    examples = sorted(p.name for p in (REPO / "resources" / "examples").glob("*.py"))
    assert examples, "resources/examples has no example scripts"
    for name in examples:
        assert f"gradviz/resources/examples/{name}" in names, name
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "gradviz = gradviz.cli:main" in archive.read(entry_points).decode()


def test_installed_copy_finds_its_resources(wheel, tmp_path):
    """Unpacked like pip installs it, away from the source tree, the package reads its own resources."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "from gradviz._resources import resources_dir, example_scripts\n"
        "print(resources_dir())\n"
        "print(len(example_scripts()))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env={"PYTHONPATH": str(site), "PATH": ""},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    where, count = done.stdout.split()
    assert Path(where) == site / "gradviz" / "resources"
    assert int(count) == len(list((REPO / "resources" / "examples").glob("*.py")))
