"""Where gradviz's resources (examples, icons) are, in a source tree and in an installed wheel.

The repository keeps them in the top-level ``resources/`` directory; the wheel ships a copy as
``gradviz/resources`` (setup.py's build step). A source checkout or an editable install has no
copy inside the package and reads the top-level directory instead.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def resources_dir() -> Path:
    """The directory holding ``examples/`` (and ``icons/``)."""
    for candidate in (_PACKAGE_DIR / "resources", _PACKAGE_DIR.parent / "resources"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("gradviz's resources directory is missing (neither installed nor in the source tree)")


def examples_dir() -> Path:
    return resources_dir() / "examples"


def example_scripts() -> list[Path]:
    """The bundled example scripts, sorted by file name."""
    folder = examples_dir()
    return sorted(folder.glob("*.py")) if folder.is_dir() else []


def resource_path(*parts: str) -> Path:
    """A file under the resources directory, e.g. ``resource_path("icons", "run.svg")``."""
    return resources_dir().joinpath(*parts)
