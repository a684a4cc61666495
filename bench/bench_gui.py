"""Time the app on the kernel: script -> first paint, one backward step with its repaint, Continue's
speed, and opening the inspector on a node.

    PYTHONPATH=. python bench/bench_gui.py [--sizes 300 5000]

The window is the real MainWindow (offscreen): the script runs in a kernel process, the graph comes
back as data and is laid out here, every step is a kernel request followed by the step state, the
inspector asks the kernel for the node's details and values. Targets at 5,000 nodes: first paint
<= 3 s, one step incl. repaint <= 50 ms, Continue >= 2,000 steps/s, inspector <= 50 ms. Also prints
the layered layout's edge crossings next to Graphviz dot's on a fixed graph when ``dot`` is installed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from gradviz.model.layout import compute_layout, count_crossings  # noqa: E402
from gradviz.qt.main_window import MainWindow  # noqa: E402


def script_for(nodes: int, modules: bool) -> str:
    """A residual MLP-like script whose graph has roughly ``nodes`` nodes (about 5 per block)."""
    blocks = max(1, nodes // 5)
    lines = [
        "from engine._state import STATE",
        "gen = torch.Generator().manual_seed(0)",
        "h = torch.randn(4, 8, generator=gen)",
        "w = torch.randn(8, 8, generator=gen, requires_grad=True)",
        "b = torch.zeros(8, requires_grad=True)",
        f"for i in range({blocks}):",
        "    STATE.module_path = f'stage{i // 50}.block{i % 50}'" if modules else "    pass",
        "    h = h + (h @ w + b).tanh() * 0.5",
        "STATE.module_path = ''",
        "loss = h.pow(2).mean()",
    ]
    return "\n".join(lines) + "\n"


def wait(app, condition, timeout=120.0) -> None:
    end = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > end:
            raise TimeoutError("the app did not get there in time")
        app.processEvents()
        time.sleep(0.001)


def measure(app, window: MainWindow, nodes: int, modules: bool) -> dict:
    ws = window.workspace
    window.editor.setPlainText(script_for(nodes, modules))
    t0 = time.perf_counter()
    window.action_run.trigger()
    wait(app, lambda: not window.is_busy() and window.scene is not None and ws.backward is not None)
    window.view.grab()
    first_paint = time.perf_counter() - t0

    panel = window.backward_tools.stepper_panel
    window.view.resetTransform()
    window.view.centerOn(window.scene.items_by_id[ws.replica.root_id])
    step_times = []
    for _ in range(20):
        s = time.perf_counter()
        panel.step()
        window.view.grab()
        step_times.append(time.perf_counter() - s)

    ws.reset()
    panel.animate.setChecked(False)
    total = ws.backward.node_count
    s = time.perf_counter()
    panel.continue_()
    wait(app, lambda: not panel.running)
    seconds = time.perf_counter() - s
    steps = ws.backward.position + 1

    # A step late in backward (the state then holds a gradient for almost every edge): step back
    # from the end and forward again, each with its repaint.
    late_times = []
    for move in [panel.step_back, panel.step] * 10:
        s = time.perf_counter()
        move()
        window.view.grab()
        late_times.append(time.perf_counter() - s)

    inspector_times = []
    ids = [n for n, d in ws.drawn.display.nodes(data=True) if d.get("kind") == "grad_fn"][1:11]
    for node_id in ids:
        s = time.perf_counter()
        window.scene.select_node(node_id)
        app.processEvents()
        inspector_times.append(time.perf_counter() - s)
    assert window.inspector.text(), "the inspector shows nothing"
    return {"nodes": len(ws.replica), "drawn": window.scene.node_count(), "first_paint": first_paint,
            "step": statistics.median(step_times), "late_step": statistics.median(late_times),
            "steps": steps, "total": total,
            "steps_per_s": steps / seconds, "inspector": statistics.median(inspector_times)}


def dot_crossings() -> tuple[int, int] | None:
    """(ours, dot's) crossings on the test suite's fixed random DAG, both counted the same way.

    bench/bench_layout.py runs the full comparison (more graphs, timings).
    """
    if shutil.which("dot") is None:
        return None
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from bench_layout import dot_drawing, random_dag

    g = random_dag(120)
    ours = count_crossings(g, compute_layout(g, "layered"))
    pos, polylines, _ = dot_drawing(g)
    return ours, count_crossings(g, pos, polylines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[300, 5000])
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    folder = tempfile.mkdtemp(prefix="gradviz-bench-")
    settings = QSettings(os.path.join(folder, "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, autosave_path=os.path.join(folder, "autosave.py"))
    window.resize(1600, 1000)
    window.show()
    header = (f"{'nodes':>7} {'drawn':>6} {'first paint':>11} {'step+repaint':>12} {'late step':>9} "
              f"{'continue':>14} {'inspector':>9}")
    print(header)
    print("-" * len(header))
    try:
        for size in args.sizes:
            r = measure(app, window, size, modules=False)
            print(f"{r['nodes']:>7} {r['drawn']:>6} {r['first_paint']:10.2f}s {r['step'] * 1000:10.1f}ms "
                  f"{r['late_step'] * 1000:7.1f}ms "
                  f"{r['steps_per_s']:8.0f} st/s {r['inspector'] * 1000:7.1f}ms"
                  + ("" if r["steps"] == r["total"] else f"  (continue ran {r['steps']} of {r['total']})"))
    finally:
        window.shutdown()
    print("\ntargets at 5,000 nodes: first paint <= 3 s, step+repaint <= 50 ms (also late in backward), continue >= 2,000 steps/s, "
          "inspector <= 50 ms")
    crossings = dot_crossings()
    if crossings is None:
        print("Graphviz dot not installed: crossing comparison skipped")
    else:
        print(f"edge crossings on the fixed 120-node DAG: layered {crossings[0]}, dot {crossings[1]}")
    del app


if __name__ == "__main__":
    main()
