"""The Backward panel's table for the current node: what arrived from each parent ("contribution"),
what it received and sent, and a leaf's .grad before and after the step -- under both backends."""

from __future__ import annotations

import numpy as np
import pytest
import pytestqt  # noqa: F401  (pytest-qt is a test dependency: fail loudly if it is missing)
from PySide6.QtCore import Qt

from gradviz.model.workspace import Workspace
from gradviz.qt.stepper_panel import StepperPanel

SQUARE = "import torch\na = torch.tensor([1., 2.], requires_grad=True)\ny = (a * a).sum()\n"


@pytest.fixture(params=["engine", "torch"])
def ws(request):
    workspace = Workspace(backend=request.param)
    yield workspace
    workspace.close()


def rows(panel) -> list[list[str]]:
    table = panel.table
    return [[table.item(r, c).text() for c in range(3)] for r in range(table.rowCount())]


def ref_of(panel, kind: str, where: str):
    for r in range(panel.table.rowCount()):
        if panel.table.item(r, 0).text() == kind and panel.table.item(r, 1).text() == where:
            return panel.table.item(r, 2).data(Qt.UserRole)
    raise AssertionError(f"no row {kind} / {where} in {rows(panel)}")


def step_to(panel, ws, name: str) -> None:
    graph = ws.replica.graph
    node = next(n for n in graph if graph.nodes[n]["name"].endswith(name))
    panel.run_to(node)
    assert ws.backward.current_node == node


def test_mul_sends_a_to_each_input_and_the_leaf_sums_them_into_two_a(qtbot, ws):
    panel = StepperPanel(ws)
    qtbot.addWidget(panel)
    ws.run(SQUARE)
    qtbot.waitUntil(lambda: not ws.busy and ws.backward is not None, timeout=60000)
    assert ws.result.backend == ws.backend

    # MulBackward0 of a * a: grad_self = grad * other = a and grad_other = grad * self = a, both
    # sent to a's AccumulateGrad (PyTorch's split; their sum is 2·a).
    step_to(panel, ws, "MulBackward0")
    table = rows(panel)
    assert ["received", "output 0", "[1, 1]"] in table
    assert ["sent", "torch::autograd::AccumulateGrad [0]", "[1, 2]"] in table
    assert ["sent", "torch::autograd::AccumulateGrad [1]", "[1, 2]"] in table
    assert not any(row[0] in ("contribution", "before", "after") for row in table)

    # AccumulateGrad: the two contributions, their sum, and a.grad before (None) and after (2·a).
    step_to(panel, ws, "AccumulateGrad")
    table = rows(panel)
    assert table == [
        ["contribution", "MulBackward0 [0]", "[1, 2]"],
        ["contribution", "MulBackward0 [1]", "[1, 2]"],
        ["sum received", "output 0", "[2, 4]"],
        ["before", "a.grad", "None"],
        ["after", "a.grad", "[2, 4]"],
    ]
    # The full arrays stay in the kernel, a reference away.
    after = ws.tensor_values(ref_of(panel, "after", "a.grad"))["array"]
    np.testing.assert_allclose(after, [2.0, 4.0])
    contribution = ws.tensor_values(ref_of(panel, "contribution", "MulBackward0 [1]"))["array"]
    np.testing.assert_allclose(contribution, [1.0, 2.0])
    assert ref_of(panel, "before", "a.grad") is None  # nothing to fetch: it was None

    # Stepping back to Mul and forward again shows the same rows (from the kernel's history).
    panel.step_back()
    assert ["sent", "torch::autograd::AccumulateGrad [1]", "[1, 2]"] in rows(panel)
    panel.step()
    assert rows(panel) == table
