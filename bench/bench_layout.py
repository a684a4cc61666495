"""The layered layout against Graphviz ``dot``: edge crossings (counted the same way) and time.

    PYTHONPATH=. python bench/bench_layout.py [--no-dot] [--sizes 5000 20000]

For each graph (the test suite's fixed 120-node DAG, three tutorial examples, generated graphs of
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
    args = parser.parse_args()
    with_dot = not args.no_dot and shutil.which("dot") is not None
    if not with_dot:
        print("Graphviz dot not used: crossings shown for ours only")
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
