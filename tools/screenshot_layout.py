"""Screenshots of the app on issue 13's layout benchmark models, to look at.

    xvfb-run -a -s "-screen 0 1920x1080x24" env PYTHONPATH=. python tools/screenshot_layout.py OUT [--steps 6]
        [--collapse DEPTH] [--params compact] [SCRIPT ...]

For each model (``bench/layout_models/*.py`` and the tutorial examples 01, 02, 08, 09) the window
runs the script and saves ``OUT/<name>-0.png`` (the graph after the run), ``-<steps>.png`` (after
that many backward steps: gradient labels on the edges, badges) and ``-end.png`` (backward done).
``--collapse DEPTH`` draws every module that deep as one node and ``--params compact`` parameters as
badges (the names get ``-d<DEPTH>`` / ``-compact``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = [os.path.join(ROOT, "bench", "layout_models", f) for f in
          ("residual_mlp.py", "lenet.py", "gru16.py", "transformer_block.py")]
MODELS += [os.path.join(ROOT, "resources", "examples", f) for f in
           ("01_simple_example.py", "02_training_tinymodel.py", "08_two_layer_tanh.py",
            "09_softmax_cross_entropy.py")]


def wait(app: QApplication, done, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not done():
        if time.monotonic() > end:
            raise TimeoutError("the window did not finish in time")
        app.processEvents()
        time.sleep(0.01)
    for _ in range(20):
        app.processEvents()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--collapse", type=int, default=None, help="collapse modules to this depth")
    parser.add_argument("--params", choices=("full", "compact"), default="full")
    parser.add_argument("files", nargs="*", help="scripts to shoot instead of the benchmark models")
    args = parser.parse_intermixed_args()
    os.makedirs(args.out, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    from gradviz.qt.main_window import MainWindow

    scratch = tempfile.mkdtemp(prefix="gradviz-shots-")
    settings = QSettings(os.path.join(scratch, "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, autosave_path=os.path.join(scratch, "autosave.py"))
    window.resize(1800, 1000)
    window.show()
    try:
        for path in args.files or MODELS:
            name = os.path.splitext(os.path.basename(path))[0]
            name += (f"-d{args.collapse}" if args.collapse is not None else "") + ("-compact" if args.params == "compact" else "")
            with open(path, encoding="utf-8") as handle:
                window.editor.setPlainText(handle.read())
            window.action_run.trigger()
            wait(app, lambda: not window.is_busy() and window.scene is not None)
            window.set_compact_params(args.params == "compact")
            if args.collapse is not None:
                window.collapse_to_depth(args.collapse)
            else:
                window.expand_all()
            wait(app, lambda: not window.is_busy() and window.scene is not None)
            window.action_fit.trigger()
            wait(app, lambda: True)
            window.grab().save(os.path.join(args.out, f"{name}-0.png"))
            panel = window.backward_tools.stepper_panel
            for _ in range(args.steps):
                panel.step()
                wait(app, lambda panel=panel: not panel.running and not window.is_busy())
            window.grab().save(os.path.join(args.out, f"{name}-{args.steps}.png"))
            panel.animate.setChecked(False)
            panel.continue_()
            wait(app, lambda panel=panel: panel.backward.at_end and not panel.running)
            window.grab().save(os.path.join(args.out, f"{name}-end.png"))
            print("saved", name, flush=True)
    finally:
        window.shutdown()


if __name__ == "__main__":
    main()
