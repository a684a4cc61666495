"""The scene draws each module box exactly where the layout made room for it, and no box (title
strip included) or compact-parameter badge drawn in the scene covers a node or a box it does not
hold (issue 13). Checked on the scene's own items: ``ModuleBoxItem`` rects, ``NodeItem`` boxes and
their badge rects."""

import os
import sys

import pytest
from PySide6.QtCore import QRectF

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "model"))
from real_model_graphs import REAL_MODELS, nested_modules  # noqa: E402

from gradviz.model import layout_quality as quality  # noqa: E402
from gradviz.model.grouping import group_graph  # noqa: E402
from gradviz.model.layout import compute_layout  # noqa: E402
from gradviz.qt.graph_scene import GraphScene  # noqa: E402

CASES = [
    ("TinyModel (02)", "full"), ("TinyModel (02)", "compact"),
    ("residual MLP", "full"), ("residual MLP", "compact"),
    ("transformer block", "full"), ("nested modules", "full"), ("nested modules", "compact"),
]


def scene_for(qtbot, name, params):
    graph = nested_modules() if name == "nested modules" else REAL_MODELS[name]()
    root = next(n for n in graph if graph.in_degree(n) == 0)
    display = group_graph(graph, root, collapse="none", fold=False, params=params).display
    positions = compute_layout(display, "layered")
    return GraphScene(None, positions, display=display), display, positions


def drawn_rects(item):
    """A node item's box and badge rects, in scene coordinates."""
    rects = [item.mapRectToScene(item._rect)]
    rects += [item.mapRectToScene(rect) for _badge, rect, _text in item.param_badge_rects()]
    return rects


def holds(box, item) -> bool:
    module = item.data_.get("module") or ""
    return module == box.path or module.startswith(box.path + ".")


@pytest.mark.parametrize(("name", "params"), CASES)
def test_scene_boxes_are_the_layouts_and_cover_nothing_foreign(qtbot, name, params):
    scene, display, positions = scene_for(qtbot, name, params)
    boxes = {box.path: box for box in scene._module_items}
    # One source: the scene's boxes are the measured ones (title strips included).
    expected = quality.scene_drawing(display, positions).boxes
    assert set(boxes) == set(expected)
    for path, (left, top, right, bottom) in expected.items():
        assert boxes[path]._rect == QRectF(left, top, right - left, bottom - top)
    for box in boxes.values():
        for item in scene.items_by_id.values():
            for rect in drawn_rects(item):
                if holds(box, item):
                    assert box._rect.contains(rect), (box.path, item.node_id)
                else:
                    assert not box._rect.intersects(rect), (box.path, item.node_id)
        for other in boxes.values():
            if other.path.startswith(box.path + "."):
                assert box._rect.contains(other._rect)
                assert other._rect.top() >= box.title_rect().bottom()  # below the parent's title
            elif not box.path.startswith(other.path + ".") and other is not box:
                assert not box._rect.intersects(other._rect), (box.path, other.path)
    items = list(scene.items_by_id.values())
    for i, a in enumerate(items):
        for b in items[i + 1:]:
            assert not any(ra.intersects(rb) for ra in drawn_rects(a) for rb in drawn_rects(b)), (a.node_id, b.node_id)
