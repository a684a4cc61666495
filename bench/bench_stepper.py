"""Stepper speed on a 5,000-node graph, in process (the kernel's stepper driving a GraphScene):
one step (with repaint) <= 50 ms; Continue >= 200 steps/s. The kernel round trip is
bench/bench_kernel.py's, the whole app's bench/bench_gui.py's.

Run: ``PYTHONPATH=. QT_QPA_PLATFORM=offscreen python bench/bench_stepper.py``.
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication, QGraphicsView

import engine as torch
from gradviz.kernel.engine_stepping import EngineStepper
from gradviz.kernel.graph_builder import GraphModel
from gradviz.model.layout import compute_layout
from gradviz.qt.graph_scene import GraphScene

STEP_BUDGET_MS = 50.0
CONTINUE_MIN_RATE = 200.0


def big_graph(n_nodes: int = 5000):
    """About ``n_nodes`` backward nodes: a chain of blocks with fan-in (``y`` is used twice)."""
    torch.manual_seed(0)
    x = torch.rand(8, requires_grad=True)
    y = x
    for _ in range(n_nodes // 3):
        y = (y.sin() + y) * 0.5  # SinBackward0, AddBackward0, MulBackward0: 3 nodes per block
    return y.sum()


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    root = big_graph()
    t0 = time.perf_counter()
    model = GraphModel.from_root(root)
    positions = compute_layout(model.graph)
    scene = GraphScene(model, positions)
    view = QGraphicsView(scene)
    view.resize(1200, 800)
    view.show()
    stepper = EngineStepper(root)
    scene.apply_step_state(stepper)
    app.processEvents()
    print(f"graph: {len(stepper.nodes)} nodes, built and laid out in {time.perf_counter() - t0:.1f} s")

    times = []
    for _ in range(50):
        start = time.perf_counter()
        stepper.step()
        scene.apply_step_state(stepper)
        view.viewport().repaint()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    worst, median = times[-1], times[len(times) // 2]
    print(f"one step incl. repaint: median {median:.1f} ms, worst {worst:.1f} ms (budget {STEP_BUDGET_MS} ms)")

    back = []
    for _ in range(20):
        start = time.perf_counter()
        stepper.step_back()
        back.append((time.perf_counter() - start) * 1e6)
    for _ in range(20):
        stepper.step()  # forward again within the history
    back.sort()
    print(f"one step back (stepper only): median {back[len(back) // 2]:.0f} µs")

    done_before = stepper.position
    start = time.perf_counter()
    stepper.continue_()
    scene.apply_step_state(stepper)
    view.viewport().repaint()
    elapsed = time.perf_counter() - start
    rate = (stepper.position - done_before) / elapsed
    print(f"Continue (one repaint at the end): {stepper.position - done_before} steps in {elapsed:.2f} s = "
          f"{rate:.0f} steps/s (need >= {CONTINUE_MIN_RATE})")
    ok = median <= STEP_BUDGET_MS and rate >= CONTINUE_MIN_RATE and stepper.at_end
    print("OK" if ok else "TOO SLOW")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
