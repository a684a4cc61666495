"""The layered layout against Graphviz ``dot``: edge crossings (counted the same way) and time.

    PYTHONPATH=. python bench/bench_layout.py [--no-dot] [--real-only] [--sizes 5000 20000]

First (issue 13) the real models of ``tests/model/real_model_graphs.py`` (residual MLP, LeNet, GRU
unrolled over 16 steps, a transformer encoder block, the TinyModel and the tutorial's examples 01,
08, 09) against dot run with every module as a nested ``subgraph cluster_*`` and our node boxes
(171 x 46 px; the scene's pixels, 1 pt = 1 px): crossings of the routed polylines (dot's splines
sampled; ours: the scene's curves), picture area per node (node boxes, module boxes and edges),
aspect ratio, pairs of module boxes overlapping without nesting, nodes reaching into a box they do
not belong to (under its title), edges running through a module box neither end belongs to or
through another node, nested module titles printed over each other (ours), gradient labels shown
over a node, badge or module title while stepping through the whole backward in the scene (ours,
offscreen Qt),
and whether the main gradient path is one vertical line (ours). See
:mod:`gradviz.model.layout_quality`.

Then, for each graph (the test suite's fixed 120-node DAG, three tutorial examples, generated graphs of
300 and 1,000 nodes) the graph is exported to DOT with our node box size, laid out by
``dot -Tplain``, and dot's drawing (node centres plus its edge splines, sampled into polylines) is
counted with :func:`gradviz.model.layout.count_crossings`, as is ours (node centres plus route
bends). Then the layered layout is timed on large residual-MLP graphs (target: 5,000 nodes well
under 2 s; 20,000 must finish).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time

import networkx as nx

from gradviz.kernel.graph_builder import GraphModel, attach_variable_names, tensor_names
from gradviz.kernel.session import Session
from gradviz.model.graph_model import display_graph
from gradviz.model.layout import NODE_SIZE, compute_layout, count_crossings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DOT_TIMEOUT = 90  # seconds; dot needs minutes on graphs with many whole-graph edges (shared weights)
EXAMPLES = ("02_training_tinymodel.py", "08_two_layer_tanh.py", "09_softmax_cross_entropy.py")


def random_dag(n: int, seed: int = 3) -> nx.DiGraph:
    """The test suite's generator (tests/model/test_layout.py), so the 120-node graph is the same."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "model"))
    from test_layout import random_dag as generate

    return generate(n, seed)


def local_dag(n: int, window: int = 25, seed: int = 5) -> nx.DiGraph:
    """A DAG like a network's graph: each node hangs off one to three of the ``window`` nodes before it.

    (The tests' uniform random DAG has edges spanning the whole graph; at 300+ nodes dot needs
    many minutes on it.)
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    g = nx.DiGraph()
    g.add_node("n0")
    for i in range(1, n):
        start = max(0, i - window)
        count = min(i - start, 1 + int(rng.integers(0, 3)))
        for p in sorted(rng.choice(np.arange(start, i), size=count, replace=False).tolist()):
            g.add_edge(f"n{p}", f"n{i}")
    return g


def residual_script(nodes: int) -> str:
    """A residual MLP whose graph has roughly ``nodes`` nodes (about 5 per block)."""
    return (
        "gen = torch.Generator().manual_seed(0)\n"
        "h = torch.randn(4, 8, generator=gen)\n"
        "w = torch.randn(8, 8, generator=gen, requires_grad=True)\n"
        "b = torch.zeros(8, requires_grad=True)\n"
        f"for i in range({max(1, nodes // 5)}):\n"
        "    h = h + (h @ w + b).tanh() * 0.5\n"
        "loss = h.pow(2).mean()\n"
    )


def script_graph(code: str, filename: str, root: str | None = None) -> nx.DiGraph:
    """The display graph the app would draw for a script (its default root, nothing collapsed)."""
    result = Session().run_sync(code, filename)
    tensor = result.tensors[root or result.default_root]
    model = GraphModel.from_root(tensor, tensor_names(result.namespace))
    attach_variable_names(model, result.tensors)
    return display_graph(model)[0]


def example_graph(name: str) -> nx.DiGraph:
    path = os.path.join(ROOT, "resources", "examples", name)
    with open(path, encoding="utf-8") as handle:
        return script_graph(handle.read(), path)


def _bezier_samples(points: list[tuple[float, float]], per_piece: int = 6) -> list[tuple[float, float]]:
    """Points along a piecewise cubic Bezier (dot's spline: 1 + 3k control points)."""
    samples = [points[0]]
    for i in range(0, len(points) - 3, 3):
        p0, p1, p2, p3 = points[i:i + 4]
        for step in range(1, per_piece + 1):
            t = step / per_piece
            a, b, c, d = (1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t ** 3
            samples.append((a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0],
                            a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1]))
    return samples


def dot_drawing(graph: nx.DiGraph) -> tuple[dict, list, float]:
    """dot's node centres, each edge as a polyline (centre, sampled spline, centre), and its time."""
    ids = {node: f"n{i}" for i, node in enumerate(graph.nodes)}
    width, height = NODE_SIZE
    src = ["digraph G {"]
    src += [f"{ids[n]} [width={width},height={height},fixedsize=true];" for n in graph.nodes]
    src += [f"{ids[u]} -> {ids[v]};" for u, v in graph.edges]
    src.append("}")
    started = time.perf_counter()
    out = subprocess.run(["dot", "-Tplain"], input="\n".join(src), capture_output=True, text=True,
                         check=True, timeout=DOT_TIMEOUT).stdout
    seconds = time.perf_counter() - started
    back = {v: k for k, v in ids.items()}
    pos, splines = {}, {}
    for line in out.splitlines():
        f = line.split()
        if f[0] == "node":
            pos[back[f[1]]] = (float(f[2]), -float(f[3]))
        elif f[0] == "edge":
            k = int(f[3])
            pts = [(float(f[4 + 2 * i]), -float(f[5 + 2 * i])) for i in range(k)]
            splines[(back[f[1]], back[f[2]])] = _bezier_samples(pts)
    polylines = [[pos[u], *splines.get((u, v), ()), pos[v]] for u, v in graph.edges]
    return pos, polylines, seconds


def _dot_points(pos: str) -> list[tuple[float, float]]:
    """Control points of a dot ``pos`` spline attribute (arrow end markers ``e,``/``s,`` dropped)."""
    points = []
    for token in pos.split():
        if token.startswith(("e,", "s,")):
            continue
        x, y = token.split(",")[:2]
        points.append((float(x), -float(y)))
    return points


def dot_cluster_drawing(graph: nx.DiGraph):
    """dot's drawing of ``graph`` with every module as a (nested) ``subgraph cluster_*`` labelled
    with its path, nodes the scene's box size in pixels (1 pt = 1 px), as a ``Drawing``."""
    import json

    from gradviz.model.layout_quality import NODE_PX, Drawing, module_paths

    ids = {node: f"n{i}" for i, node in enumerate(graph.nodes)}
    members = module_paths(graph)
    cluster_id = {path: f"cluster_{i}" for i, path in enumerate(sorted(members))}
    width, height = NODE_PX[0] / 72, NODE_PX[1] / 72
    lines = ["digraph G {", f"node [shape=box,width={width:.4f},height={height:.4f},fixedsize=true,fontsize=10];"]

    def emit(parent: str, indent: str) -> None:
        for path in sorted(members):
            if path.rpartition(".")[0] == parent and (parent or "." not in path):
                lines.append(f'{indent}subgraph {cluster_id[path]} {{ label="{path}"; fontsize=12;')
                emit(path, indent + "  ")
                lines.append(indent + "}")
        for node, module in graph.nodes(data="module"):
            if (module or "") == parent:
                lines.append(f"{indent}{ids[node]};")

    emit("", "")
    lines += [f"{ids[u]} -> {ids[v]};" for u, v in graph.edges]
    lines.append("}")
    started = time.perf_counter()
    out = subprocess.run(["dot", "-Tjson"], input="\n".join(lines), capture_output=True, text=True,
                         check=True, timeout=DOT_TIMEOUT).stdout
    seconds = time.perf_counter() - started
    doc = json.loads(out)
    back = {v: k for k, v in ids.items()}
    by_cluster = {v: k for k, v in cluster_id.items()}
    gvid, positions, boxes = {}, {}, {}
    for obj in doc.get("objects", []):
        if obj["name"] in by_cluster:
            l, b, r, t = (float(c) for c in obj["bb"].split(","))
            boxes[by_cluster[obj["name"]]] = (l, -t, r, -b)
        elif obj["name"] in back:
            gvid[obj["_gvid"]] = back[obj["name"]]
            x, y = (float(c) for c in obj["pos"].split(","))
            positions[back[obj["name"]]] = (x, -y)
    splines = {}
    for edge in doc.get("edges", []):
        splines[(gvid[edge["tail"]], gvid[edge["head"]])] = _bezier_samples(_dot_points(edge["pos"]))
    polylines = [[positions[u], *splines.get((u, v), ()), positions[v]] for u, v in graph.edges]
    return Drawing(positions, polylines, boxes), seconds


def compare_real_models() -> None:
    """Issue 13's table: our layered layout against dot with the same module clusters."""
    from gradviz.model import layout_quality as quality

    sys.path.insert(0, os.path.join(ROOT, "tests", "model"))
    from real_model_graphs import REAL_MODELS

    header = (f"{'graph':<20} {'nodes':>5} {'cross':>11} {'area/node kpx':>15} {'aspect w:h':>11} "
              f"{'box overlaps':>12} {'nodes in boxes':>14} {'edge thru box':>13} {'edge thru node':>14} "
              f"{'titles':>6} {'grad labels':>11} {'main path x':>11} {'s':>11}")
    print(header)
    print(f"{'':<20} {'':>5} {'ours dot':>11} {'ours   dot':>15} {'ours  dot':>11} {'ours dot':>12} "
          f"{'ours dot':>14} {'ours dot':>13} {'ours dot':>14} {'ours':>6} {'over nodes':>11} {'':>11} "
          f"{'ours  dot':>11}")
    print("-" * len(header))
    for name, make in REAL_MODELS.items():
        graph = make()
        started = time.perf_counter()
        positions = compute_layout(graph, "layered")
        seconds = time.perf_counter() - started
        ours = quality.scene_drawing(graph, positions)
        theirs, dot_seconds = dot_cluster_drawing(graph)
        path_xs = {round(positions[n][0], 6) for n in quality.main_path(graph)}
        straight = "straight" if len(path_xs) == 1 else f"{len(path_xs)} xs"

        def both(measure, *args, ours=ours, theirs=theirs):
            return f"{len(measure(*args, ours)):>5} {len(measure(*args, theirs)):>6}"

        cells = [
            f"{quality.crossings(graph, ours):>5} {quality.crossings(graph, theirs):>5}",
            f"{quality.area_per_node(ours) / 1000:>7.1f} {quality.area_per_node(theirs) / 1000:>7.1f}",
            f"{quality.aspect(ours):>5.2f} {quality.aspect(theirs):>5.2f}",
            both(quality.overlapping_boxes),
            both(quality.nodes_under_boxes, graph),
            both(quality.edges_through_boxes, graph),
            both(quality.edges_through_nodes, graph),
            f"{len(quality.overprinted_titles(ours)):>6}",
            f"{grad_labels_over_nodes(name):>11}",
        ]
        print(f"{name:<20} {graph.number_of_nodes():>5} {cells[0]:>11} {cells[1]:>15} {cells[2]:>11} "
              f"{cells[3]:>12} {cells[4]:>14} {cells[5]:>13} {cells[6]:>14} {cells[7]:>6} {cells[8]:>11} "
              f"{straight:>11} {seconds:5.2f} {dot_seconds:5.2f}", flush=True)


def grad_labels_over_nodes(name: str) -> str:
    """Gradient labels shown over a node box, a badge or a module's title, summed over every step
    of backward in the scene (offscreen Qt; "-" without PySide6). dot draws no gradient labels."""
    try:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QApplication

        from gradviz.kernel.engine_stepping import EngineStepper
        from gradviz.model.graph_model import display_graph
        from gradviz.qt.graph_scene import GraphScene, ModuleBoxItem, NodeItem
    except ImportError:
        return "-"
    from real_model_graphs import REAL_MODEL_RUNS

    QApplication.instance() or QApplication([])
    model, root = REAL_MODEL_RUNS[name]()
    graph = display_graph(model)[0]
    scene = GraphScene(model, compute_layout(graph, "layered"), display=graph)
    stepper = EngineStepper(root)
    over = 0
    while not stepper.at_end:
        stepper.step()
        scene.apply_step_state(stepper)
        for label in scene.__dict__.get("_edge_labels", {}).values():
            if not label.isVisible():
                continue
            rect = label.sceneBoundingRect()
            for item in scene.items(rect, Qt.ItemSelectionMode.IntersectsItemBoundingRect):
                if isinstance(item, NodeItem) and (item.mapRectToScene(item._rect).intersects(rect)
                                                   or item.badge_rect().intersects(rect)):
                    over += 1
                elif isinstance(item, ModuleBoxItem) and item.title_rect().intersects(rect):
                    over += 1
    return str(over)


def compare(name: str, graph: nx.DiGraph, with_dot: bool) -> None:
    started = time.perf_counter()
    positions = compute_layout(graph, "layered")
    seconds = time.perf_counter() - started
    ours = count_crossings(graph, positions)
    theirs, dot_seconds = "-", float("nan")
    if with_dot:
        try:
            pos, polylines, dot_seconds = dot_drawing(graph)
            theirs = count_crossings(graph, pos, polylines)
        except subprocess.TimeoutExpired:
            theirs, dot_seconds = "timeout", float(DOT_TIMEOUT)
    verdict = "" if isinstance(theirs, str) else ("ok" if ours <= theirs else f"+{ours - theirs}")
    print(f"{name:<28} {graph.number_of_nodes():>6} {graph.number_of_edges():>6} {ours:>7} {theirs!s:>7} "
          f"{verdict:>5} {seconds:8.3f} {dot_seconds:8.3f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-dot", action="store_true", help="skip Graphviz even when installed")
    parser.add_argument("--sizes", type=int, nargs="*", default=[5000, 20000],
                        help="residual-MLP sizes to time (no crossing count)")
    parser.add_argument("--real-only", action="store_true", help="only the real models' table")
    args = parser.parse_args()
    with_dot = not args.no_dot and shutil.which("dot") is not None
    if not with_dot:
        print("Graphviz dot not used: crossings shown for ours only")
    else:
        compare_real_models()
        print()
    if args.real_only:
        return
    header = f"{'graph':<28} {'nodes':>6} {'edges':>6} {'ours':>7} {'dot':>7} {'':>5} {'ours s':>8} {'dot s':>8}"
    print(header)
    print("-" * len(header))
    compare("random DAG (test graph)", random_dag(120), with_dot)
    for example in EXAMPLES:
        compare(example, example_graph(example), with_dot)
    compare("local DAG 300", local_dag(300), with_dot)
    compare("local DAG 1000", local_dag(1000, seed=11), with_dot)
    compare("residual MLP ~300", script_graph(residual_script(300), "<bench>", "loss"), with_dot)
    for size in args.sizes:
        graph = script_graph(residual_script(size), "<bench>", "loss")
        started = time.perf_counter()
        compute_layout(graph, "layered")
        print(f"layered layout, residual MLP {graph.number_of_nodes():,} nodes: "
              f"{time.perf_counter() - started:.2f} s", flush=True)


if __name__ == "__main__":
    main()
