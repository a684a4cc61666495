"""Time the app's pipeline: script -> graph model -> layout -> scene -> first paint.

    PYTHONPATH=. python bench/bench_gui.py [--sizes 300 5000 20000]

Prints one row per graph size, then the repaint time after a selection change (target <= 50 ms at
5,000 nodes; the whole pipeline target is <= 3 s at 5,000 nodes), and the layered layout's edge
crossings next to Graphviz dot's on a fixed graph when ``dot`` is installed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication  # noqa: E402

from gradviz.kernel.graph_builder import GraphModel, attach_variable_names, tensor_names  # noqa: E402
from gradviz.model.graph_model import display_graph  # noqa: E402
from gradviz.model.layout import compute_layout, count_crossings  # noqa: E402
from gradviz.kernel.session import Session  # noqa: E402
from gradviz.qt.graph_scene import GraphScene  # noqa: E402
from gradviz.qt.graph_view import GraphView  # noqa: E402
from gradviz.qt.main_window import COLLAPSE_THRESHOLD, MAX_DRAWN  # noqa: E402


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
        f"    STATE.module_path = f'stage{{i // 50}}.block{{i % 50}}'" if modules else "    pass",
        "    h = h + (h @ w + b).tanh() * 0.5",
        "STATE.module_path = ''",
        "loss = h.pow(2).mean()",
    ]
    return "\n".join(lines) + "\n"


def pipeline(nodes: int, modules: bool, view: GraphView) -> dict:
    session = Session()
    t0 = time.perf_counter()
    result = session.run_sync(script_for(nodes, modules))
    t1 = time.perf_counter()
    model = GraphModel.from_root(result.tensors["loss"], tensor_names(result.namespace))
    attach_variable_names(model, result.tensors)
    collapsed = set(model.top_modules()) if len(model) > COLLAPSE_THRESHOLD else set()
    display, hidden = display_graph(model, collapsed, MAX_DRAWN)
    t2 = time.perf_counter()
    positions = compute_layout(display, "layered")
    t3 = time.perf_counter()
    scene = GraphScene(model, positions, display=display, hidden_count=hidden)
    view.setScene(scene)
    view.fit()
    t4 = time.perf_counter()
    view.grab()
    t5 = time.perf_counter()
    # Repaint after a selection change, zoomed in to where a user reads labels.
    view.resetTransform()
    first = next(iter(scene.items_by_id))
    view.centerOn(scene.items_by_id[first])
    view.grab()
    times = []
    for node_id in list(scene.items_by_id)[1:6]:
        s = time.perf_counter()
        scene.select_node(node_id)
        QApplication.processEvents()
        view.grab()
        times.append(time.perf_counter() - s)
    return {
        "nodes": len(model), "drawn": scene.node_count(), "run": t1 - t0, "model": t2 - t1,
        "layout": t3 - t2, "scene": t4 - t3, "paint": t5 - t4, "total": t5 - t0,
        "select": min(times) if times else 0.0,
    }


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
    parser.add_argument("--sizes", type=int, nargs="*", default=[300, 5000, 20000])
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    view = GraphView()
    view.resize(1400, 900)
    view.show()
    header = f"{'nodes':>7} {'modules':>7} {'drawn':>6} {'run':>6} {'model':>6} {'layout':>7} {'scene':>6} {'paint':>6} {'total':>6} {'select':>7}"
    print(header)
    print("-" * len(header))
    for size in args.sizes:
        for modules in ((False, True) if size > COLLAPSE_THRESHOLD else (False,)):
            r = pipeline(size, modules, view)
            print(f"{r['nodes']:>7} {str(modules):>7} {r['drawn']:>6} {r['run']:6.2f} {r['model']:6.2f} "
                  f"{r['layout']:7.2f} {r['scene']:6.2f} {r['paint']:6.2f} {r['total']:6.2f} {r['select'] * 1000:5.0f}ms")
    print("\ntargets: total <= 3 s at 5,000 nodes; repaint after selection <= 50 ms at 5,000 nodes")
    crossings = dot_crossings()
    if crossings is None:
        print("Graphviz dot not installed: crossing comparison skipped")
    else:
        print(f"edge crossings on the fixed 120-node DAG: layered {crossings[0]}, dot {crossings[1]}")
    del app


if __name__ == "__main__":
    main()
