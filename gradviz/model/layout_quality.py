"""Measures of a drawing, the same for our layered layout and for Graphviz dot's (issue 13).

A drawing is given in pixels: node centres, each edge as a polyline, and module boxes. Our
layout is converted with the scene's slot size and box padding (:func:`scene_drawing`), so the
numbers describe the picture the app and ``gradviz export`` draw.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

from .layout import count_crossings, edge_polylines
from .scene_geometry import (
    NODE_H,
    NODE_W,
    SLOT_X,
    SLOT_Y,
    TITLE_H,
    module_boxes,
    module_members,
    node_extent,
    title_text_rect,
)

# The scene's pixels per layout unit, node box and module box geometry: one source for the scene,
# the layout and these measures (gradviz/model/scene_geometry.py).
SLOT = (SLOT_X, SLOT_Y)
NODE_PX = (NODE_W, NODE_H)


@dataclass
class Drawing:
    """Node centres (px), one polyline per edge in ``graph.edges`` order, module boxes
    ``path -> (left, top, right, bottom)`` including their title strip, node size (px)."""

    positions: dict
    polylines: list
    boxes: dict
    node_size: tuple = NODE_PX
    # The edges as drawn, sampled into polylines (None: the polylines are the drawn lines, as for
    # dot's sampled splines). Ours: the scene's S-curves from box bottom to box top.
    curves: list | None = None
    # node -> (left, top, right, bottom) px around its centre where it is drawn bigger than
    # ``node_size`` (ours: compact-parameter badges below the box, a fold's stacked cards).
    extents: dict = field(default_factory=dict)

    def node_rect(self, node) -> tuple[float, float, float, float]:
        """The node as drawn (px), badges and cards included."""
        x, y = self.positions[node]
        extent = self.extents.get(node)
        if extent is None:
            w, h = self.node_size
            return x - w / 2, y - h / 2, x + w / 2, y + h / 2
        return x + extent[0], y + extent[1], x + extent[2], y + extent[3]


def module_paths(graph: nx.DiGraph) -> dict:
    """Every module path present (parents of nested paths included) -> its member nodes."""
    return module_members(graph)


def scene_drawing(graph: nx.DiGraph, positions) -> Drawing:
    """Our layout as the scene draws it: units scaled to pixels, module boxes as the scene
    draws them (:func:`gradviz.model.scene_geometry.module_boxes`)."""
    sx, sy = SLOT
    pixels = {n: (x * sx, y * sy) for n, (x, y) in positions.items()}
    polylines = [[(x * sx, y * sy) for x, y in line] for line in edge_polylines(graph, positions)]
    extents = {n: node_extent(data) for n, data in graph.nodes(data=True)
               if data.get("badges") or data.get("kind") in ("fold", "module")}
    curves = [_scene_curve(line) for line in polylines]
    return Drawing(pixels, polylines, module_boxes(graph, pixels), curves=curves, extents=extents)


def _scene_curve(line: list, per_piece: int = 8) -> list:
    """One edge sampled as the scene draws it (``graph_scene._edge_path``): a downward edge (its
    polyline runs from the bottom of the upper box through the bends to the top of the lower one)
    as one cubic per piece whose control points share the piece's middle height; others straight."""
    if line[-1][1] <= line[0][1]:
        return line
    samples = [line[0]]
    for (ax, ay), (bx, by) in zip(line, line[1:]):
        mid = (ay + by) / 2
        for k in range(1, per_piece + 1):
            t = k / per_piece
            s = 1 - t
            weight_b = 3 * s * t * t + t**3
            samples.append((ax + (bx - ax) * weight_b, ay * s**3 + mid * 3 * s * t + by * t**3))
    return samples


def crossings(graph: nx.DiGraph, drawing: Drawing) -> int:
    """Pairs of drawn edge lines that cross (ours: the scene's curves; dot's: its splines)."""
    lines = drawing.curves if drawing.curves is not None else drawing.polylines
    return count_crossings(graph, drawing.positions, lines)


def bounds(drawing: Drawing) -> tuple[float, float, float, float]:
    """The picture's extent: every node box, module box and edge point."""
    rects = [drawing.node_rect(n) for n in drawing.positions]
    rects += list(drawing.boxes.values())
    # Edges too (a long edge routed outside every box widens the picture).
    rects += [(x, y, x, y) for line in drawing.polylines for x, y in line]
    return (min(r[0] for r in rects), min(r[1] for r in rects),
            max(r[2] for r in rects), max(r[3] for r in rects))


def area_per_node(drawing: Drawing) -> float:
    left, top, right, bottom = bounds(drawing)
    return (right - left) * (bottom - top) / max(1, len(drawing.positions))


def aspect(drawing: Drawing) -> float:
    """Width : height of the picture (1/3 .. 3 is the target range)."""
    left, top, right, bottom = bounds(drawing)
    return (right - left) / max(1e-9, bottom - top)


def _intersect(a: tuple, b: tuple) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _inside(inner: tuple, outer: tuple) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


def overlapping_boxes(drawing: Drawing) -> list[tuple[str, str]]:
    """Pairs of module boxes that intersect without one nesting inside the other, plus nested
    modules whose box sticks out of their parent's."""
    names = sorted(drawing.boxes)
    found = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            ba, bb = drawing.boxes[a], drawing.boxes[b]
            if b.startswith(a + "."):
                ok = _inside(bb, ba)
            elif a.startswith(b + "."):
                ok = _inside(ba, bb)
            else:
                ok = not _intersect(ba, bb)
            if not ok:
                found.append((a, b))
    return found


def nodes_under_boxes(graph: nx.DiGraph, drawing: Drawing) -> list[tuple[str, object]]:
    """(module, node) for every node box reaching into a module box it does not belong to
    (it would sit on the box's border or under its title: a label over a node)."""
    members = {path: set(nodes) for path, nodes in module_paths(graph).items()}
    rects = {node: drawing.node_rect(node) for node in drawing.positions}
    found = []
    for path, box in sorted(drawing.boxes.items()):
        for node, rect in rects.items():
            if node not in members[path] and _intersect(rect, box):
                found.append((path, node))
    return found


def overlapping_nodes(drawing: Drawing) -> list[tuple]:
    """Pairs of nodes whose drawn rectangles (badge strips and fold cards included) overlap."""
    rects = sorted((drawing.node_rect(n), n) for n in drawing.positions)
    found = []
    for i, (a, na) in enumerate(rects):
        for b, nb in rects[i + 1:]:
            if b[0] >= a[2]:
                break  # sorted by left edge: nothing further right can reach back
            if _intersect(a, b):
                found.append((na, nb))
    return found


def main_path(graph: nx.DiGraph) -> list:
    """The main gradient path: from the root (no predecessors) along the longest path of ops to
    the input-most op. Parameter branches are not ops here: AccumulateGrad, tensors, constants,
    and a weight's transpose (``TBackward0``) whose single successor is one of those."""
    roots = [n for n in graph if graph.in_degree(n) == 0]
    if not roots or not nx.is_directed_acyclic_graph(graph):
        return roots[:1]
    excluded = set()
    for node in reversed(list(nx.topological_sort(graph))):
        data = graph.nodes[node]
        if (data.get("kind", "grad_fn") not in ("grad_fn", "module")
                or str(data.get("name", "")).endswith("AccumulateGrad")
                or (data.get("name") in ("TBackward0", "TransposeBackward0") and graph.out_degree(node) == 1
                    and next(iter(graph.successors(node))) in excluded)):
            excluded.add(node)
    root = roots[0]
    if root in excluded:
        return [root]
    order = {n: i for i, n in enumerate(graph.nodes)}
    dist, back = {root: 0}, {}
    for node in nx.topological_sort(graph):
        if node not in dist:
            continue
        for child in sorted(graph.successors(node), key=order.get):
            if child not in excluded and dist[node] + 1 > dist.get(child, -1):
                dist[child], back[child] = dist[node] + 1, node
    end = max(dist, key=lambda n: (dist[n], -order[n]))
    path = [end]
    while path[-1] in back:
        path.append(back[path[-1]])
    return path[::-1]


def _segment_enters(a: tuple, b: tuple, box: tuple, inset: float = 1.0) -> bool:
    """Whether segment a-b passes through the inside of ``box`` shrunk by ``inset`` (Liang-Barsky)."""
    left, top, right, bottom = box[0] + inset, box[1] + inset, box[2] - inset, box[3] - inset
    dx, dy = b[0] - a[0], b[1] - a[1]
    lo, hi = 0.0, 1.0
    for p, q in ((-dx, a[0] - left), (dx, right - a[0]), (-dy, a[1] - top), (dy, bottom - a[1])):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            lo = max(lo, t)
        else:
            hi = min(hi, t)
        if lo > hi:
            return False
    return True


def edges_through_boxes(graph: nx.DiGraph, drawing: Drawing) -> list[tuple[tuple, str]]:
    """(edge, module) for every drawn edge that runs through the box of a module neither of its
    ends belongs to (it should have been routed around the box)."""
    members = {path: set(nodes) for path, nodes in module_paths(graph).items()}
    lines = drawing.curves if drawing.curves is not None else drawing.polylines
    found = []
    for (u, v), line in zip(graph.edges, lines):
        for path, box in sorted(drawing.boxes.items()):
            if u in members[path] or v in members[path]:
                continue
            if any(_segment_enters(a, b, box) for a, b in zip(line, line[1:])):
                found.append(((u, v), path))
    return found


def edges_through_nodes(graph: nx.DiGraph, drawing: Drawing) -> list[tuple[tuple, object]]:
    """(edge, node) for every drawn edge that runs through the box of a node other than its ends."""
    w, h = drawing.node_size
    lines = drawing.curves if drawing.curves is not None else drawing.polylines
    rects = {n: drawing.node_rect(n) for n in drawing.positions}
    found = []
    for (u, v), line in zip(graph.edges, lines):
        xs = [p[0] for p in line]
        ys = [p[1] for p in line]
        near = (min(xs) - w, min(ys) - h, max(xs) + w, max(ys) + h)
        for node, rect in rects.items():
            if node in (u, v) or not _intersect(rect, near):
                continue
            if any(_segment_enters(a, b, rect) for a, b in zip(line, line[1:])):
                found.append(((u, v), node))
    return found


def overprinted_titles(drawing: Drawing) -> list[tuple[str, str]]:
    """Pairs (parent, nested module) whose title strips (the top ``TITLE_H`` px of each box, where
    the scene writes the module path) overlap: one title would be printed over the other."""
    found = []
    for outer, (ol, ot, orr, _) in sorted(drawing.boxes.items()):
        for inner, (il, it, ir, _) in sorted(drawing.boxes.items()):
            if inner.startswith(outer + ".") and _intersect((ol, ot, orr, ot + TITLE_H), (il, it, ir, it + TITLE_H)):
                found.append((outer, inner))
    return found


def edges_over_titles(graph: nx.DiGraph, drawing: Drawing) -> list[tuple[tuple, str]]:
    """(edge, module) for every drawn edge that runs sideways over a module's title text (its own
    modules' too: a line may pass a title strip going straight down, beside the text)."""
    lines = drawing.curves if drawing.curves is not None else drawing.polylines
    titles = {path: title_text_rect(path, box) for path, box in drawing.boxes.items()}
    found = []
    for edge, line in zip(graph.edges, lines):
        for path, rect in sorted(titles.items()):
            if any(a[0] != b[0] and _segment_enters(a, b, rect) for a, b in zip(line, line[1:])):
                found.append((edge, path))
    return found
