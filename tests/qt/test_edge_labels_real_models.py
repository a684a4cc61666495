"""Gradient labels while stepping through backward on issue 13's real models.

Parameter branches sit in their consumer's row, so their edges are short horizontal lines with no
room for a label on them; the label goes above or below the row. On every step of every model: no
shown label covers a node box, a badge, a module's title or another label, and what the current
node sent is labelled whenever it has a gradient to show.
"""

import os
import sys

import pytest
from PySide6.QtCore import Qt

from gradviz.kernel.engine_stepping import EngineStepper
from gradviz.model.graph_model import display_graph
from gradviz.model.layout import compute_layout
from gradviz.qt.graph_scene import NODE_H, GraphScene, ModuleBoxItem, NodeItem

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "model"))
from real_model_graphs import REAL_MODEL_RUNS  # noqa: E402


def scene_and_stepper(name):
    model, root = REAL_MODEL_RUNS[name]()
    graph = display_graph(model)[0]
    scene = GraphScene(model, compute_layout(graph, "layered"), display=graph)
    return scene, EngineStepper(root)


def shown_labels(scene):
    return {key: label for key, label in scene._edge_labels.items() if label.isVisible()}


def covered_nodes(scene, rect):
    """Nodes (box or badge) and module titles the rectangle covers."""
    near = scene.items(rect, Qt.ItemSelectionMode.IntersectsItemBoundingRect)
    nodes = [item.title for item in near if isinstance(item, NodeItem)
             and (item.mapRectToScene(item._rect).intersects(rect) or item.badge_rect().intersects(rect))]
    return nodes + [item.path for item in near if isinstance(item, ModuleBoxItem) and item.title_rect().intersects(rect)]


@pytest.mark.parametrize("name", list(REAL_MODEL_RUNS))
def test_labels_never_cover_nodes_badges_or_each_other(qtbot, name):
    scene, stepper = scene_and_stepper(name)
    steps = side_labels = 0
    while not stepper.at_end:
        stepper.step()
        scene.apply_step_state(stepper)
        steps += 1
        shown = shown_labels(scene)
        rects = [label.sceneBoundingRect() for label in shown.values()]
        for i, rect in enumerate(rects):
            assert not covered_nodes(scene, rect), covered_nodes(scene, rect)
            assert not any(rect.intersects(other) for other in rects[i + 1:])
        current = scene.model.id_of(stepper.current_node)
        sent = [(current, v) for _, v in scene.graph.out_edges(current) if scene.edge_label(current, v)]
        if sent:
            assert any(scene.edge_label_visible(u, v) for u, v in sent)
        for u, v, _ in shown:
            if scene.positions[u][1] == scene.positions[v][1]:
                side_labels += 1
    assert steps >= 2
    if name in ("residual MLP", "LeNet", "TinyModel (02)", "transformer block"):
        assert side_labels > 0  # parameter branches in their consumer's row got labels


def test_a_side_branch_label_sits_above_or_below_its_row(qtbot):
    scene, stepper = scene_and_stepper("TinyModel (02)")
    graph = scene.graph
    layer2 = next(n for n, d in graph.nodes(data=True) if d["name"] == "AddmmBackward0" and d["module"] == "layer2")
    while stepper.current_node is None or scene.model.id_of(stepper.current_node) != layer2:
        stepper.step()
    scene.apply_step_state(stepper)
    row_y = scene.positions[layer2][1] * 92.0
    beside = [key for key in shown_labels(scene) if key[0] == layer2 and scene.positions[key[1]][1] == scene.positions[layer2][1]]
    assert len(beside) == 2  # the bias's AccumulateGrad and the weight's TBackward0, both labelled
    for key in beside:
        rect = scene._edge_labels[key].sceneBoundingRect()
        assert rect.bottom() <= row_y - NODE_H / 2 or rect.top() >= row_y + NODE_H / 2
