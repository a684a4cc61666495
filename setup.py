"""Packaging hook: ship the top-level ``resources/`` directory inside the wheel as ``gradviz/resources``.

Everything else is configured in pyproject.toml. The examples and icons live at the top of the
repository (where people look for them); ``gradviz._resources`` finds them there in a source tree or
an editable install, and in the installed package otherwise.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

RESOURCES = Path(__file__).resolve().parent / "resources"


class BuildPyWithResources(build_py):
    """build_py that also copies resources/ to <build>/gradviz/resources (not for editable installs)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads resources/ from the source tree
        if not RESOURCES.is_dir():
            raise FileNotFoundError(f"{RESOURCES} is missing: the wheel would ship without examples")
        target = Path(self.build_lib) / "gradviz" / "resources"
        shutil.copytree(RESOURCES, target, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildPyWithResources})
