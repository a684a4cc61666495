"""Time the app on the torch backend: a ~5,000-node real-PyTorch graph, script done -> first
paint, and one recorded backward step with its repaint.

    PYTHONPATH=. python bench/bench_torch_gui.py [--nodes 5000] [--steps 20]

The window is the real MainWindow (offscreen) with the backend selector on "PyTorch". "Script
done" is the moment the kernel reported the run finished (the workspace's ``run_finished``), so the
fork, ``import torch`` and the script itself are excluded; from there to "first paint" the app
fetches the graph document, lays it out, builds the scene, records the real backward
(``step_start``) and paints the view once. A step is the Backward panel's Step (a kernel request
and the step state) plus a repaint of the view. Targets (issue 12): first paint <= 3 s, one step
incl. repaint <= 50 ms. The machine is shared: compare within one run (the minimum is the
least disturbed step).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from gradviz.qt.main_window import MainWindow  # noqa: E402


def script_for(nodes: int) -> str:
    """A residual MLP-like torch script whose graph has roughly ``nodes`` nodes (about 5 per block)."""
    blocks = max(1, nodes // 5)
    return ("import torch\ngen = torch.Generator().manual_seed(0)\nh = torch.randn(4, 8, generator=gen)\n"
            "w = torch.randn(8, 8, generator=gen, requires_grad=True)\nb = torch.zeros(8, requires_grad=True)\n"
            f"for i in range({blocks}):\n    h = h + (h @ w + b).tanh() * 0.5\nloss = h.pow(2).mean()\n")


def wait(app, condition, timeout=300.0) -> None:
    end = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > end:
            raise TimeoutError("the app did not get there in time")
        app.processEvents()
        time.sleep(0.001)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    folder = tempfile.mkdtemp(prefix="gradviz-bench-")
    settings = QSettings(os.path.join(folder, "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, autosave_path=os.path.join(folder, "autosave.py"))
    window.resize(1600, 1000)
    window.show()
    try:
        selector = window.backend_selector
        wait(app, lambda: selector.torch_available is not None)
        if not selector.torch_available:
            raise SystemExit(f"PyTorch cannot run here: {selector.torch_reason}")
        selector.set_backend("torch", remember=False)
        ws = window.workspace
        done: list[float] = []
        ws.run_finished.connect(lambda _result: done.append(time.perf_counter()))
        window.editor.setPlainText(script_for(args.nodes))
        started = time.perf_counter()
        window.action_run.trigger()
        wait(app, lambda: not window.is_busy() and window.scene is not None and ws.backward is not None)
        window.view.grab()
        painted = time.perf_counter()
        result = ws.result
        assert result.backend == "torch", result.backend
        panel = window.backward_tools.stepper_panel
        window.view.resetTransform()
        window.view.centerOn(window.scene.items_by_id[ws.replica.root_id])
        step_times, paint_times = [], []
        for _ in range(args.steps):
            s = time.perf_counter()
            panel.step()  # the kernel's step and step state, the scene updated
            m = time.perf_counter()
            window.view.grab()  # the repaint
            e = time.perf_counter()
            step_times.append(e - s)
            paint_times.append(e - m)
        print(f"torch backend, {len(ws.replica):,} graph nodes ({window.scene.node_count():,} drawn)")
        print(f"  run (fork + import torch + script): {done[0] - started:6.2f} s  (script alone {result.seconds:.2f} s)")
        print(f"  script done -> first paint:         {painted - done[0]:6.2f} s   (target <= 3 s)")
        print(f"  one step incl. repaint (median of {args.steps}): {statistics.median(step_times) * 1000:6.1f} ms "
              f"(min {min(step_times) * 1000:.1f}, max {max(step_times) * 1000:.1f} ms; target <= 50 ms)")
        print(f"    of which the repaint (median):    {statistics.median(paint_times) * 1000:6.1f} ms "
              "(the rest: the kernel's step + step state, the scene's update)")
    finally:
        window.shutdown()
    del app


if __name__ == "__main__":
    main()
