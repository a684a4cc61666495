"""Module boxes, title strips included, and compact-parameter badges as the scene draws them never
reach over a node or a box they do not hold (issue 13), in every grouping mode.

The geometry is :mod:`gradviz.model.scene_geometry`'s, the one the scene draws boxes by; the layout
makes room between rows for it.
"""

import functools

import pytest
from real_model_graphs import REAL_MODELS, nested_modules

from gradviz.model import layout_quality as quality
from gradviz.model import scene_geometry as geometry
from gradviz.model.grouping import group_graph
from gradviz.model.layout import compute_layout

GRAPHS = {name: make for name, make in REAL_MODELS.items() if name != "GRU x16"}
GRAPHS["nested modules"] = nested_modules
MODES = {
    "expanded": dict(collapse="none", fold=False, params="full"),
    "compact": dict(collapse="none", fold=False, params="compact"),
    "collapsed to depth 1": dict(collapse=1, fold=False, params="full"),
    "depth 2, compact": dict(collapse=2, fold=True, params="compact"),
}


@functools.cache
def graph_of(name):
    return GRAPHS[name]()


@functools.cache
def drawn(name, mode):
    graph = graph_of(name)
    root = next(n for n in graph if graph.in_degree(n) == 0)
    display = group_graph(graph, root, **MODES[mode]).display
    positions = compute_layout(display, "layered")
    return display, positions, quality.scene_drawing(display, positions)


def test_a_nested_box_under_a_foreign_root_leaves_it_room():
    # SumBackward0 (no module) sits right above ``blocks``, whose box has a title strip for
    # itself, blocks.1 and blocks.1.fc: one row's gap was not enough and the titles covered it.
    display, positions, drawing = drawn("nested modules", "expanded")
    root = next(n for n in display if display.in_degree(n) == 0)
    assert not display.nodes[root].get("module")
    assert quality.nodes_under_boxes(display, drawing) == []
    top = drawing.boxes["blocks"][1]
    assert top >= drawing.node_rect(root)[3] + geometry.CLEARANCE - 1e-3  # rows rounded to 1e-6 units


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("name", list(GRAPHS))
def test_boxes_and_badges_clear_of_everything_foreign(name, mode):
    display, positions, drawing = drawn(name, mode)
    assert quality.overlapping_nodes(drawing) == []  # badge strips included
    assert quality.overlapping_boxes(drawing) == []  # disjoint, or nested inside the parent
    assert quality.nodes_under_boxes(display, drawing) == []  # title strips included
    assert quality.overprinted_titles(drawing) == []  # a nested title below its parent's
    assert quality.edges_through_nodes(display, drawing) == []  # nor through a badge strip
    assert quality.edges_over_titles(display, drawing) == []  # nor sideways over a module's name
    for path, box in drawing.boxes.items():
        for other, inner in drawing.boxes.items():
            if other.startswith(path + "."):
                assert inner[1] >= box[1] + geometry.TITLE_H  # below the parent's title


@pytest.mark.parametrize("name", ["TinyModel (02)", "residual MLP"])
def test_compact_badges_are_part_of_the_node_the_layout_sizes(name):
    display, positions, drawing = drawn(name, "compact")
    badged = [n for n, data in display.nodes(data=True) if data.get("badges")]
    assert badged
    for node in badged:
        left, top, right, bottom = drawing.node_rect(node)
        assert bottom - top == pytest.approx(geometry.NODE_H + geometry.PARAM_BADGE_TOP + geometry.PARAM_BADGE_H)
    # Edges leave a badged node below its badge strip, so they never cross it.
    for (u, v), line in zip(display.edges, drawing.polylines):
        if u in badged and positions[v][1] > positions[u][1]:
            assert line[0][1] == pytest.approx(drawing.node_rect(u)[3])
    # Each badged node's box grows with its badges: nothing foreign under it either.
    assert quality.nodes_under_boxes(display, drawing) == []


def test_measures_see_badges_and_title_strips():
    # The same compact graph with every row squeezed to the plain pitch (no room for badges or
    # titles): the measures must flag it.
    display, positions, _ = drawn("residual MLP", "compact")
    rows = sorted({y for _, y in positions.values()})
    squeezed = type(positions)({n: (x, rows.index(y) * 0.6) for n, (x, y) in positions.items()}, method="layered")
    drawing = quality.scene_drawing(display, squeezed)
    assert quality.overlapping_nodes(drawing)
    assert quality.nodes_under_boxes(display, drawing)


def test_routes_keep_off_title_texts_because_they_are_obstacles(monkeypatch):
    # Without the titles as obstacles the residual skip edge into ``blocks.1`` turns sideways in
    # the gap above the block, right over the words "blocks.1".
    from gradviz.model import scene_geometry

    monkeypatch.setattr(scene_geometry, "title_text_rect", lambda path, box: (box[0], box[1], box[0], box[1]))
    graph = graph_of("residual MLP")
    root = next(n for n in graph if graph.in_degree(n) == 0)
    display = group_graph(graph, root, **MODES["compact"]).display
    positions = compute_layout(display, "layered")
    assert quality.edges_over_titles(display, quality.scene_drawing(display, positions))
