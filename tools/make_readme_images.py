"""Regenerate the README's pictures: an export made by the CLI and a screenshot of the window.

    python tools/make_readme_images.py [--example resources/examples/01_simple_example.py]

Writes ``docs/screenshots/export_example.svg`` and ``export_example.png`` by running
``gradviz export`` (exactly what a user would run), and ``docs/screenshots/app.png`` by grabbing
the main window, drawn offscreen, after it ran the same example. No display is needed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT_DIR = REPO / "docs" / "screenshots"
DEFAULT_EXAMPLE = REPO / "resources" / "examples" / "01_simple_example.py"
WINDOW_SIZE = (1280, 800)


def export_with_cli(example: Path, out: Path, *extra: str) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    cmd = [sys.executable, "-m", "gradviz", "export", str(example), "-o", str(out), *extra]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr}")
    print(done.stdout.strip())


def screenshot_app(example: Path, out: Path, timeout: float = 60.0) -> None:
    """Open the window offscreen on ``example``, run it, wait for the graph, save a grab."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    sys.path.insert(0, str(REPO))
    import tempfile

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from gradviz.qt.main_window import MainWindow

    app = QApplication.instance() or QApplication(["gradviz"])
    with tempfile.TemporaryDirectory() as tmp:
        # Private settings and autosave: the picture must not depend on (or change) the user's.
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings=settings, autosave_path=Path(tmp) / "autosave.py")
        window.resize(*WINDOW_SIZE)
        window.apply_theme("light")
        window.show()
        window.open_file(example, run=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            app.processEvents()
            if window.scene is not None and not window.is_busy():
                break
            time.sleep(0.02)
        else:
            raise SystemExit("the window did not draw the graph in time")
        for _ in range(10):  # let the view fit and repaint
            app.processEvents()
        if not window.grab().save(str(out), "PNG"):
            raise SystemExit(f"could not write {out}")
        window.shutdown()
    print(f"wrote {out}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--example", type=Path, default=DEFAULT_EXAMPLE)
    parser.add_argument("--no-app", action="store_true", help="skip the window screenshot")
    args = parser.parse_args(argv)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    export_with_cli(args.example, OUT_DIR / "export_example.svg")
    export_with_cli(args.example, OUT_DIR / "export_example.png", "--scale", "2")
    if not args.no_app:
        screenshot_app(args.example, OUT_DIR / "app.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
