"""The stepper: node-by-node backward through the engine's own generator, with history and breakpoints."""

from __future__ import annotations

import math

import numpy as np
import pytest

import engine as torch
from engine.autograd import AccumulateGrad
from gradviz.kernel.engine_stepping import EngineStepper
from gradviz.kernel.stepping import IMPLICIT_GRAD_MESSAGE


def tutorial_graph():
    """The tutorial's first graph: out = (2*sin(a) + 1).sum()."""
    a = torch.linspace(0.0, 2.0 * math.pi, steps=25, requires_grad=True)
    b = torch.sin(a)
    c = 2 * b
    d = c + 1
    out = d.sum()
    return a, out


def names(steps) -> list[str]:
    return [s.node.name() for s in steps]


def engine_order(root, gradient=None) -> list:
    """The order in which the engine's own backward runs nodes, seen through node pre-hooks."""
    order = []
    handles = []
    seen = set()
    stack = [root.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        handles.append(node.register_prehook(lambda grads, node=node: order.append(node)))
        stack.extend(child for child, _ in node.next_functions)
    root.backward(gradient, retain_graph=True)
    for h in handles:
        h.remove()
    return order


def test_accumulate_grad_step_writes_two_cos_a():
    a, out = tutorial_graph()
    stepper = EngineStepper(out)
    expected = 2 * np.cos(a.detach().numpy())
    seen_write = False
    while (step := stepper.step()) is not None:
        if isinstance(step.node, AccumulateGrad):
            seen_write = True
            np.testing.assert_allclose(a.grad.numpy(), expected, rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(stepper.leaf_grad(a).numpy(), expected, rtol=1e-5, atol=1e-6)
        else:
            assert a.grad is None, f"a.grad written before AccumulateGrad ran (at {step.node.name()})"
    assert seen_write
    assert names(stepper.history)[:4] == ["SumBackward0", "AddBackward0", "MulBackward0", "SinBackward0"]
    assert isinstance(stepper.history[4].node, AccumulateGrad) and len(stepper.history) == 5
    assert stepper.at_end


def test_gradient_matches_finite_differences_float64():
    a = torch.tensor([0.3, -1.2, 2.0], dtype=torch.float64, requires_grad=True)
    out = (a.sin() * a + a).sum()
    stepper = EngineStepper(out)
    stepper.continue_()
    x = a.detach().numpy()

    def f(v):
        return float(np.sum(np.sin(v) * v + v))

    eps = 1e-6
    fd = np.array([(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(3)])
    np.testing.assert_allclose(a.grad.numpy(), fd, rtol=1e-6, atol=1e-8)


def test_step_back_restores_leaf_grad_and_states():
    a, out = tutorial_graph()
    stepper = EngineStepper(out)
    stepper.continue_()
    final = a.grad.numpy().copy()
    acc = stepper.current_node
    assert isinstance(acc, AccumulateGrad) and stepper.state_of(acc) == "current"
    stepper.step_back()
    assert a.grad is None
    assert stepper.position == 3
    assert stepper.state_of(acc) == "ready"
    assert stepper.state_of(stepper.current_node) == "current"
    # Forward again within history: the recorded value comes back, the engine is not re-run.
    run_index_before = stepper.run.index
    step = stepper.step()
    assert step.node is acc
    assert stepper.run.index == run_index_before
    np.testing.assert_array_equal(a.grad.numpy(), final)
    # All the way back: before backward.
    for _ in range(10):
        stepper.step_back()
    assert stepper.position == -1 and stepper.current_step is None
    assert stepper.state_of(out.grad_fn) == "ready"
    assert all(stepper.state_of(n) == "pending" for n in stepper.nodes if n is not out.grad_fn)


def test_step_back_then_forward_is_not_affected_by_in_place_accumulation():
    # Two backward runs without zero_grad: the second adds in place into a.grad's buffer. The copies
    # recorded by the stepper must not change with it.
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    (a * 3).sum().backward()
    out = (a * a).sum()
    stepper = EngineStepper(out)
    assert stepper.accumulation_note and "accumulate" in stepper.accumulation_note
    stepper.continue_()
    np.testing.assert_allclose(a.grad.numpy(), [3 + 2, 3 + 4])
    stepper.step_back()
    np.testing.assert_allclose(a.grad.numpy(), [3, 3])
    stepper.step()
    np.testing.assert_allclose(a.grad.numpy(), [5, 7])
    stepper.reset()
    np.testing.assert_allclose(a.grad.numpy(), [3, 3])


def test_reset_restores_grads_and_starts_a_fresh_run():
    a, out = tutorial_graph()
    stepper = EngineStepper(out)
    stepper.continue_()
    stepper.reset()
    assert a.grad is None and stepper.position == -1 and stepper.history == []
    stepper.continue_()
    np.testing.assert_allclose(a.grad.numpy(), 2 * np.cos(a.detach().numpy()), rtol=1e-5, atol=1e-6)


def test_order_equals_engine_backward_order():
    torch.manual_seed(0)
    x = torch.rand(4, requires_grad=True)
    w = torch.rand(4, requires_grad=True)
    y = x * w
    z = y.sin() + y.cos() * x + w.exp()
    out = (z * z).sum() + y.sum()
    expected = engine_order(out)
    x.grad = None
    w.grad = None
    stepper = EngineStepper(out)
    stepper.continue_()
    assert [s.node for s in stepper.history] == expected
    assert len(expected) == len(stepper.nodes)


def test_ready_order_matches_engine_queue():
    torch.manual_seed(1)
    x = torch.rand(3, requires_grad=True)
    out = (x.sin() * x.cos() + x.exp()).sum()
    stepper = EngineStepper(out)
    while stepper.step() is not None:
        assert stepper.ready_nodes() == stepper.run.ready
    # And after stepping back, the predicted next node is the one that ran there.
    while stepper.position > 0:
        ran = stepper.current_node
        stepper.step_back()
        assert stepper.next_node() is ran


def test_fan_in_contributions_and_waiting_count():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2  # y is used twice: its node is a fan-in point
    out = (y.sin() + y.exp()).sum()
    stepper = EngineStepper(out)
    y_node = y.grad_fn
    assert stepper.waiting_count(y_node) == 2
    # Run until one of y's two consumers has run.
    while stepper.state_of(y_node) == "pending":
        stepper.step()
    assert stepper.state_of(y_node) == "waiting"
    assert stepper.waiting_count(y_node) == 1
    assert len(stepper.contributions(y_node)) == 1
    while stepper.state_of(y_node) != "ready":
        stepper.step()
    contribs = stepper.contributions(y_node)
    assert len(contribs) == 2
    stepper.run_to(y_node)
    received = stepper.step_of(y_node).received[0].numpy()
    total = sum(g.numpy() for _, _, g in contribs)
    np.testing.assert_allclose(received, total)
    yv = y.detach().numpy()
    np.testing.assert_allclose(received, np.cos(yv) + np.exp(yv), rtol=1e-6)


def test_edge_gradient_is_what_the_parent_sent():
    a, out = tutorial_graph()
    stepper = EngineStepper(out)
    sin_node = out.grad_fn.next_functions[0][0].next_functions[0][0].next_functions[0][0]
    assert sin_node.name() == "SinBackward0"
    assert stepper.edge_gradient(sin_node, 0) is None
    stepper.run_to(sin_node)
    g = stepper.edge_gradient(sin_node, 0)
    np.testing.assert_allclose(g.numpy(), 2 * np.cos(a.detach().numpy()), rtol=1e-5, atol=1e-6)
    stepper.step_back()
    assert stepper.edge_gradient(sin_node, 0) is None


def test_breakpoint_on_nan_stops_at_the_node_that_sent_it():
    x = torch.tensor([0.0, 4.0], requires_grad=True)
    s = x.sqrt()  # d sqrt/dx at 0 is inf
    out = (s * 0.0 + s).sum()  # fine forward; the zero path gives 0 * inf = nan
    stepper = EngineStepper(out)
    stepper.break_on_nan = True
    reasons = []
    stepper.paused_at_breakpoint.connect(reasons.append)
    stepper.continue_()
    assert stepper.current_node is s.grad_fn
    assert stepper.current_node.name() == "SqrtBackward0"
    assert reasons and "SqrtBackward0" in reasons[0] and ("NaN" in reasons[0] or "Inf" in reasons[0])
    assert x.grad is None  # stopped before AccumulateGrad wrote it
    stepper.continue_()
    assert stepper.at_end


def test_breakpoint_reason_names_the_forward_source_line():
    from engine._state import STATE

    old = STATE.record_source
    STATE.record_source = True
    try:
        x = torch.tensor([0.0, 4.0], requires_grad=True)
        y = torch.sqrt(x)  # the line the reason must name: d sqrt/dx is inf at 0
        line = __import__("inspect").currentframe().f_lineno - 1
        out = y.sum()
    finally:
        STATE.record_source = old
    stepper = EngineStepper(out)
    stepper.break_on_nan = True
    stepper.continue_()
    assert stepper.current_node is y.grad_fn
    if y.grad_fn.source is None:
        pytest.skip("engine did not record the source line")
    assert f":{line}" in stepper.pause_reason or f"line {line}" in stepper.pause_reason


def test_breakpoint_on_node_and_continue_reaches_end():
    a, out = tutorial_graph()
    stepper = EngineStepper(out)
    mul = out.grad_fn.next_functions[0][0].next_functions[0][0]
    stepper.breakpoints.add(mul)
    finished = []
    stepper.finished.connect(lambda: finished.append(True))
    stepper.continue_()
    assert stepper.current_node is mul and "MulBackward0" in stepper.pause_reason
    stepper.continue_()
    assert stepper.at_end and finished == [True]
    assert stepper.step() is None


def test_breakpoint_on_zero_gradient_dead_relu():
    x = torch.tensor([-1.0, -2.0], requires_grad=True)
    out = (x.relu() * 3).sum()
    stepper = EngineStepper(out)
    stepper.break_on_zero = True
    stepper.continue_()
    assert stepper.current_node.name() == "ReluBackward0"
    assert "zero" in stepper.pause_reason


def test_breakpoint_on_norm_threshold():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    out = (x * 100).sum()
    stepper = EngineStepper(out)
    stepper.norm_threshold = 50.0
    stepper.continue_()
    assert stepper.current_node.name() == "MulBackward0"
    assert "norm" in stepper.pause_reason


def test_non_scalar_root_uses_ones_and_explains_why():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    with pytest.raises(RuntimeError, match=IMPLICIT_GRAD_MESSAGE):
        y.backward()
    stepper = EngineStepper(y)
    assert IMPLICIT_GRAD_MESSAGE in stepper.note
    stepper.continue_()
    np.testing.assert_allclose(x.grad.numpy(), [2, 4, 6])
    x.grad = None
    stepper2 = EngineStepper(y, gradient=torch.tensor([1.0, 0.0, -1.0]))
    assert stepper2.note is None
    stepper2.continue_()
    np.testing.assert_allclose(x.grad.numpy(), [2, 0, -6])


def test_create_graph_keeps_grad_differentiable():
    x = torch.tensor([0.5, 1.5], dtype=torch.float64, requires_grad=True)
    out = (x**3).sum()
    stepper = EngineStepper(out, create_graph=True)
    stepper.continue_()
    g = x.grad
    assert g.grad_fn is not None
    np.testing.assert_allclose(g.detach().numpy(), 3 * x.detach().numpy() ** 2)
    stepper.step_back()
    stepper.step()
    assert x.grad.grad_fn is not None
    (second,) = torch.autograd.grad(x.grad.sum(), x)
    np.testing.assert_allclose(second.numpy(), 6 * x.detach().numpy())


def test_retain_grad_tensors_follow_history():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    out = (y * y).sum()
    stepper = EngineStepper(out)
    stepper.run_to(y.grad_fn)
    np.testing.assert_allclose(y.grad.numpy(), 2 * y.detach().numpy())
    stepper.step_back()
    assert y.grad is None


def test_signals_report_steps():
    a, out = tutorial_graph()
    stepper = EngineStepper(out)
    events = []
    stepper.stepped.connect(lambda s: events.append(("step", s.index)))
    stepper.stepped_back.connect(lambda i: events.append(("back", i)))
    stepper.reset_done.connect(lambda: events.append(("reset",)))
    stepper.step()
    stepper.step()
    stepper.step_back()
    stepper.reset()
    assert events == [("step", 0), ("step", 1), ("back", 0), ("reset",)]


def test_take_changed_and_grad_summary():
    from gradviz.model.backward_state import grad_summary

    a, out = tutorial_graph()
    stepper = EngineStepper(out)
    assert stepper.take_changed() == set(stepper.nodes)
    assert stepper.take_changed() == set()
    stepper.step()
    add = out.grad_fn.next_functions[0][0]
    assert stepper.take_changed() == {out.grad_fn, add}
    assert grad_summary(stepper.edge_gradient(out.grad_fn, 0)) == "[25] ‖g‖=5"
    assert grad_summary(torch.tensor(0.25)) == "0.25"
    assert grad_summary(None) == ""
