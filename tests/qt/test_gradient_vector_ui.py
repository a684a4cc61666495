"""Backward dock: the "gradient v" field for a non-scalar root (root.backward(v))."""

from __future__ import annotations

import numpy as np
import pytest
import pytestqt  # noqa: F401  (pytest-qt is a test dependency: fail loudly if it is missing)

import engine as torch
from gradviz.model.gradient_vector import GradientVectorError, parse_gradient
from gradviz.model.stepper import IMPLICIT_GRAD_MESSAGE, Stepper
from gradviz.qt.stepper_panel import StepperPanel


def vector_example(seed: int = 0):
    """The tutorial's vector-backward example: x doubled until the norm reaches 1000."""
    torch.manual_seed(seed)
    x = torch.randn(3, requires_grad=True)
    y = x * 2
    while y.data.norm() < 1000:
        y = y * 2
    return x, y


def make_panel(qtbot, root, namespace=None):
    panel = StepperPanel()
    qtbot.addWidget(panel)
    panel.set_namespace(namespace or {})
    stepper = Stepper(root)
    panel.set_stepper(stepper)
    return panel, stepper


def engine_reference(v_values) -> np.ndarray:
    """x.grad from engine's own y.backward(v), on a fresh copy of the example."""
    x, y = vector_example()
    y.backward(torch.tensor(v_values))
    return x.grad.numpy()


@pytest.mark.parametrize(
    "text", ["torch.tensor([0.1, 1.0, 0.0001])", "[0.1, 1.0, 0.0001]", "v", "torch.tensor(v_list)"]
)
def test_vector_example_stepped_to_the_end_matches_backward_v(qtbot, text):
    x, y = vector_example()
    namespace = {"torch": torch, "x": x, "y": y, "v": torch.tensor([0.1, 1.0, 0.0001]), "v_list": [0.1, 1.0, 0.0001]}
    panel, stepper = make_panel(qtbot, y, namespace)
    assert not panel.gradient_row.isHidden()
    assert panel.gradient_edit.text() == "torch.ones(3)"
    panel.step()  # a step before: applying goes back to before backward
    panel.gradient_edit.setText(text)
    assert panel.apply_gradient()
    assert stepper.position == -1 and x.grad is None
    assert stepper.note is None  # v was given: no "uses ones" note
    while not stepper.at_end:
        panel.step()
    expected = engine_reference([0.1, 1.0, 0.0001])
    np.testing.assert_array_equal(x.grad.numpy(), expected)
    # v^T J for y = x * 2**k: v * 2**k, with 2**k read off y / x.
    scale = y.detach().numpy()[0] / x.detach().numpy()[0]
    np.testing.assert_allclose(x.grad.numpy(), np.array([0.1, 1.0, 0.0001]) * scale, rtol=1e-5)


def test_ones_is_the_default_and_a_name_in_the_field(qtbot):
    x, y = vector_example()
    panel, stepper = make_panel(qtbot, y)
    panel.gradient_edit.setText("ones")
    assert panel.apply_gradient()
    stepper.continue_()
    np.testing.assert_array_equal(x.grad.numpy(), engine_reference([1.0, 1.0, 1.0]))


def _state(stepper, x):
    return (stepper.position, len(stepper.history), None if x.grad is None else x.grad.numpy().copy())


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
def test_bad_v_shows_a_message_and_keeps_the_stepper(qtbot, text, expected):
    x, y = vector_example()
    panel, stepper = make_panel(qtbot, y, {"torch": torch})
    panel.gradient_edit.setText("[2.0, 0.0, 1.0]")
    assert panel.apply_gradient()
    for _ in range(3):
        panel.step()
    before = _state(stepper, x)
    gradient_before = stepper.gradient
    panel.gradient_edit.setText(text)
    assert not panel.apply_gradient()
    message = panel.gradient_message.text()
    assert expected in message and "previous v" in message
    after = _state(stepper, x)
    assert after[:2] == before[:2] and stepper.gradient is gradient_before
    assert (after[2] is None) == (before[2] is None)
    while not stepper.at_end:
        panel.step()
    np.testing.assert_array_equal(x.grad.numpy(), engine_reference([2.0, 0.0, 1.0]))


def test_missing_v_message_explains_pytorchs_error():
    x, y = vector_example()
    with pytest.raises(RuntimeError, match=IMPLICIT_GRAD_MESSAGE):
        y.backward()  # what the message explains
    with pytest.raises(GradientVectorError) as info:
        parse_gradient("   ", y)
    text = str(info.value)
    assert IMPLICIT_GRAD_MESSAGE in text and "[3]" in text and "vᵀJ" in text


def test_field_hidden_for_a_scalar_root_and_kept_for_the_same_stepper(qtbot):
    x, y = vector_example()
    panel, stepper = make_panel(qtbot, y.sum())
    assert panel.gradient_row.isHidden()
    vector = Stepper(y)
    panel.set_stepper(vector)
    assert not panel.gradient_row.isHidden()
    panel.gradient_edit.setText("[0.1, 1.0, 0.0001]")
    panel.set_stepper(vector)  # a relayout hands the same stepper back: the user's text stays
    assert panel.gradient_edit.text() == "[0.1, 1.0, 0.0001]"
    panel.set_stepper(Stepper(y * 1.0))  # another root: pre-filled again
    assert panel.gradient_edit.text() == "torch.ones(3)"


def test_evaluation_does_not_change_the_script_namespace():
    x, y = vector_example()
    namespace = {"torch": torch, "k": 2.0}
    v = parse_gradient("[k, (j := 3.0), 1.0]", y, namespace)
    np.testing.assert_array_equal(v.numpy(), np.array([2.0, 3.0, 1.0], dtype=np.float32))
    assert "j" not in namespace and "ones" not in namespace
