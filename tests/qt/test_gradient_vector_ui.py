"""Backward dock: the "gradient v" field for a non-scalar root (root.backward(v)), evaluated in the
kernel in the script's namespace."""

from __future__ import annotations

import numpy as np
import pytest
import pytestqt  # noqa: F401  (pytest-qt is a test dependency: fail loudly if it is missing)

import engine as torch
from gradviz.kernel.gradient_vector import IMPLICIT_GRAD_MESSAGE
from gradviz.model.workspace import Workspace
from gradviz.qt.stepper_panel import StepperPanel

# The tutorial's vector-backward example: x doubled until the norm reaches 1000.
VECTOR = """torch.manual_seed(0)
x = torch.randn(3, requires_grad=True)
y = x * 2
while y.data.norm() < 1000:
    y = y * 2
v = torch.tensor([0.1, 1.0, 0.0001])
v_list = [0.1, 1.0, 0.0001]
"""


def vector_example():
    torch.manual_seed(0)
    x = torch.randn(3, requires_grad=True)
    y = x * 2
    while y.data.norm() < 1000:
        y = y * 2
    return x, y


def engine_reference(v_values) -> np.ndarray:
    """x.grad from engine's own y.backward(v), on a fresh copy of the example (in this process)."""
    x, y = vector_example()
    y.backward(torch.tensor(v_values))
    return x.grad.numpy()


@pytest.fixture
def ws():
    workspace = Workspace()
    yield workspace
    workspace.close()


def make_panel(qtbot, ws, code=VECTOR):
    panel = StepperPanel(ws)
    qtbot.addWidget(panel)
    ws.run(code)
    qtbot.waitUntil(lambda: not ws.busy and ws.backward is not None, timeout=60000)
    qtbot.waitUntil(lambda: "Before backward" in panel.status.text(), timeout=5000)
    return panel


def x_grad(ws):
    return ws.tensor_values("var:x.grad")["array"]


def to_the_end(panel, ws):
    while not ws.backward.at_end:
        panel.step()


@pytest.mark.parametrize(
    "text", ["torch.tensor([0.1, 1.0, 0.0001])", "[0.1, 1.0, 0.0001]", "v", "torch.tensor(v_list)"]
)
def test_vector_example_stepped_to_the_end_matches_backward_v(qtbot, ws, text):
    panel = make_panel(qtbot, ws)
    assert not panel.gradient_row.isHidden()
    assert panel.gradient_edit.text() == "torch.ones(3)"
    panel.step()  # a step before: applying goes back to before backward
    panel.gradient_edit.setText(text)
    assert panel.apply_gradient()
    assert ws.backward.position == -1 and x_grad(ws) is None
    assert ws.backward.note is None  # v was given: no "uses ones" note
    to_the_end(panel, ws)
    expected = engine_reference([0.1, 1.0, 0.0001])
    np.testing.assert_array_equal(x_grad(ws), expected)
    x, y = ws.tensor_values("var:x")["array"], ws.tensor_values("var:y")["array"]
    np.testing.assert_allclose(x_grad(ws), np.array([0.1, 1.0, 0.0001]) * (y[0] / x[0]), rtol=1e-5)


def test_ones_is_the_default_and_a_name_in_the_field(qtbot, ws):
    panel = make_panel(qtbot, ws)
    panel.gradient_edit.setText("ones")
    assert panel.apply_gradient()
    assert ws.continue_().wait(30)
    np.testing.assert_array_equal(x_grad(ws), engine_reference([1.0, 1.0, 1.0]))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("[1.0, 2.0]", "Mismatch in shape: grad_output[0] has a shape of torch.Size([2]) and output[0] has a shape of torch.Size([3])."),
        ("torch.ones(3, 1)", "Mismatch in shape"),
        ("torch.tensor([0.1, 1.0", "not a Python expression"),
        ("undefined_name * 2", "NameError: name 'undefined_name' is not defined"),
        ("'abc'", "not a tensor or a list of numbers"),
        ("[[1.0], [2.0, 3.0]]", "not a rectangular array"),
        ("", IMPLICIT_GRAD_MESSAGE),
        ("None", IMPLICIT_GRAD_MESSAGE),
    ],
)
def test_bad_v_shows_a_message_and_keeps_the_backward(qtbot, ws, text, expected):
    panel = make_panel(qtbot, ws)
    panel.gradient_edit.setText("[2.0, 0.0, 1.0]")
    assert panel.apply_gradient()
    for _ in range(3):
        panel.step()
    before = (ws.backward.position, x_grad(ws))
    backward = ws.backward
    panel.gradient_edit.setText(text)
    assert not panel.apply_gradient()
    message = panel.gradient_message.text()
    assert expected in message and "previous v" in message
    assert ws.backward is backward and ws.backward.position == before[0]
    assert (x_grad(ws) is None) == (before[1] is None)
    to_the_end(panel, ws)
    np.testing.assert_array_equal(x_grad(ws), engine_reference([2.0, 0.0, 1.0]))


def test_field_hidden_for_a_scalar_root_and_kept_for_the_same_root(qtbot, ws):
    panel = make_panel(qtbot, ws, VECTOR + "s = y.sum()\n")
    assert ws.root == "s" and panel.gradient_row.isHidden()
    ws.set_root("y")
    qtbot.waitUntil(lambda: not ws.busy and ws.backward is not None and ws.backward.root == "y", timeout=30000)
    qtbot.waitUntil(lambda: not panel.gradient_row.isHidden(), timeout=5000)
    panel.gradient_edit.setText("[0.1, 1.0, 0.0001]")
    ws.relayout("spring")  # a relayout keeps the root: the user's text stays
    qtbot.waitUntil(lambda: not ws.busy and ws.positions.method == "spring", timeout=30000)
    qtbot.wait(50)
    assert panel.gradient_edit.text() == "[0.1, 1.0, 0.0001]"
