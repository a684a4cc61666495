"""Backward: the iterative BackwardRun (deep graphs, step events, PyTorch's order), hooks, accumulation.

Reference orders come from tests/fixtures/core_cases.json, recorded from PyTorch with node pre-hooks.
Gradients are checked against central finite differences in float64.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

import engine as torch
from engine.autograd import iter_backward

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "core_cases.json"
CASES = {c["name"]: c for c in json.loads(FIXTURE.read_text())["cases"]}


def _torch_order(case_name: str) -> list:
    return CASES[case_name]["torch"]["records"]["order"]["items"]


def finite_difference(fn, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """d sum(fn(x)) / dx by central differences, in float64."""
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[idx] += eps
        minus[idx] -= eps
        grad[idx] = (fn(plus).sum() - fn(minus).sum()) / (2 * eps)
    return grad


# ---- deep graphs ---------------------------------------------------------------------------------


def test_100k_node_chain_runs_without_recursion() -> None:
    x = torch.ones(1, dtype=torch.float64, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0001
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # any recursive walk of a 100,000-node chain would fail at once
    try:
        y.sum().backward()
    finally:
        sys.setrecursionlimit(limit)
    assert x.grad is not None
    assert x.grad.item() == pytest.approx(1.0001**100_000, rel=1e-9)


# ---- step events and order against PyTorch ------------------------------------------------------


def _diamond():
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([3.0, 4.0], requires_grad=True)
    c = a * b
    d = c.sin()
    e = c + a
    f = (d * e).sum()
    return a, b, f


def test_step_order_matches_pytorch_prehooks_diamond() -> None:
    a, b, f = _diamond()
    steps = list(iter_backward(f))
    assert [s.node.name() for s in steps] == _torch_order("backward_order_diamond")
    assert [s.index for s in steps] == list(range(len(steps)))


def test_step_order_matches_pytorch_chain_and_shared_leaf() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    w = torch.tensor([0.5, 0.25], requires_grad=True)
    h = (x * w).exp()
    y = (h * 2 + x).sum()
    assert [s.node.name() for s in iter_backward(y)] == _torch_order("backward_order_chain")

    a = torch.tensor(2.0, requires_grad=True)
    b = a * 3
    c = a * 4
    d = b * c
    e = d + b
    assert [s.node.name() for s in iter_backward(e)] == _torch_order("backward_order_two_leaves_shared")


def test_prehooks_observe_the_same_order_as_the_steps() -> None:
    a, b, f = _diamond()
    seen = []
    stack, visited = [f.grad_fn], set()
    while stack:
        node = stack.pop()
        if node is None or node in visited:
            continue
        visited.add(node)
        node.register_prehook(lambda grads, n=node: seen.append(n))
        stack.extend(child for child, _ in node.next_functions)
    run = iter_backward(f)
    steps = list(run)
    assert seen == [s.node for s in steps]
    assert run.finished and run.done == seen


def test_step_events_carry_received_sent_and_leaf_grads() -> None:
    a, b, f = _diamond()
    steps = list(iter_backward(f))
    by_name: dict = {}
    for s in steps:
        by_name.setdefault(s.node.name(), []).append(s)

    (root,) = by_name["SumBackward0"]
    assert root.received[0].tolist() == 1.0
    assert root.sent[0].tolist() == [1.0, 1.0]

    # The leaf steps report the leaf and its .grad after the write; these are the final gradients.
    leaf_steps = by_name["torch::autograd::AccumulateGrad"]
    assert {id(s.leaf) for s in leaf_steps} == {id(a), id(b)}
    for s in leaf_steps:
        assert s.sent == ()
        assert s.leaf_grad is s.leaf.grad

    av, bv = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    # f = sum(sin(a*b) * (a*b + a))
    expected_a = finite_difference(lambda x: np.sin(x * bv) * (x * bv + x), av)
    expected_b = finite_difference(lambda y: np.sin(av * y) * (av * y + av), bv)
    np.testing.assert_allclose(a.grad.numpy(), expected_a, rtol=1e-4)
    np.testing.assert_allclose(b.grad.numpy(), expected_b, rtol=1e-4)

    # Each non-leaf step sends exactly what its children receive (summed over parents).
    sin_node = f.grad_fn.next_functions[0][0].next_functions[0][0]
    assert sin_node.name() == "SinBackward0"
    (sin_step,) = by_name["SinBackward0"]
    (mul_step,) = [s for s in by_name["MulBackward0"] if s.node is sin_step.node.next_functions[0][0]]
    add_step = by_name["AddBackward0"][0]
    np.testing.assert_allclose(
        mul_step.received[0].numpy(), sin_step.sent[0].numpy() + add_step.sent[0].numpy(), rtol=1e-6
    )


def test_waiting_and_ready_between_steps() -> None:
    a, b, f = _diamond()
    run = iter_backward(f)
    assert [n.name() for n in run.ready] == ["SumBackward0"]
    next(run)  # SumBackward0
    next(run)  # MulBackward0 (d * e): both SinBackward0 and AddBackward0 become ready
    assert sorted(n.name() for n in run.ready) == ["AddBackward0", "SinBackward0"]
    assert run.waiting == {}
    step = next(run)
    assert step.node.name() == "AddBackward0"
    # c's MulBackward0 still waits for SinBackward0; a's accumulator waits for that MulBackward0.
    waiting = {n.name(): left for n, left in run.waiting.items()}
    assert waiting == {"MulBackward0": 1, "torch::autograd::AccumulateGrad": 1}
    assert a.grad is None  # nothing is written before the leaf's step


# ---- finite differences through core ops ---------------------------------------------------------


@pytest.mark.parametrize(
    "name, fn_engine, fn_numpy",
    [
        ("matmul_batched", lambda x: x @ torch.tensor(np.arange(6.0).reshape(3, 2) / 3), lambda x: x @ (np.arange(6.0).reshape(3, 2) / 3)),
        ("vec_matmul_3d", lambda x: torch.tensor(np.arange(12.0).reshape(2, 3, 2) / 5).__rmatmul__(x), lambda x: x @ (np.arange(12.0).reshape(2, 3, 2) / 5)),
        ("pow_tensor", lambda x: x ** (x * 0.5), lambda x: x ** (x * 0.5)),
        ("rdiv_rsub", lambda x: 2 / x - (1 - x) * 3, lambda x: 2 / x - (1 - x) * 3),
        ("rpow", lambda x: 2 ** x, lambda x: 2**x),
    ],
)
def test_gradients_match_finite_differences(name, fn_engine, fn_numpy) -> None:
    shape = (2, 2, 3) if name == "matmul_batched" else (3,)
    value = np.random.default_rng(1).uniform(0.5, 1.5, shape)
    x = torch.tensor(value, dtype=torch.float64, requires_grad=True)
    fn_engine(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), finite_difference(fn_numpy, value), rtol=1e-6, atol=1e-8)


def test_double_backward_matches_finite_differences_of_gradient() -> None:
    value = np.array([0.3, 1.1, -0.7])
    x = torch.tensor(value, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad((x.sin() * x).sum(), x, create_graph=True)
    (h,) = torch.autograd.grad(g.sum(), x)
    first = lambda v: np.cos(v) * v + np.sin(v)  # noqa: E731 - d/dv of sin(v)*v
    np.testing.assert_allclose(g.detach().numpy(), first(value), rtol=1e-12)
    np.testing.assert_allclose(h.numpy(), finite_difference(first, value), rtol=1e-6)


# ---- accumulation, retain_graph, create_graph ----------------------------------------------------


def test_grad_accumulates_in_place_over_two_backwards() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    assert x.grad is None
    (x * 3).sum().backward()
    first = x.grad
    (x * x).sum().backward()
    assert x.grad is first  # PyTorch adds into the existing .grad tensor
    assert x.grad.tolist() == [5.0, 7.0]


def test_second_backward_without_retain_graph_raises() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_create_graph_grad_is_a_copy_node_and_warns() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match="create_graph=True will create a reference cycle"):
        (x**3).sum().backward(create_graph=True)
    assert x.grad.grad_fn.name() == "torch::autograd::CopyBackwards"
    assert repr(x.grad) == "tensor([ 3., 12.], grad_fn=<CopyBackwards>)"
    g = x.grad
    x.grad = None
    g.sum().backward()
    assert x.grad.tolist() == [6.0, 12.0]


def test_backward_inputs_fills_only_requested_tensors() -> None:
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    m = a * 2
    y = (m * m).sum()
    y.backward(inputs=[m])
    assert m.grad.tolist() == [4.0, 8.0]
    assert a.grad is None


# ---- hooks ---------------------------------------------------------------------------------------


def test_tensor_hook_runs_before_node_prehook_and_can_replace() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    m = x * 2
    log = []
    m.register_hook(lambda g: log.append("tensor") or g * 10)
    m.grad_fn.register_prehook(lambda grads: log.append(("pre", grads[0].tolist())))
    m.sum().backward()
    assert log == ["tensor", ("pre", [10.0, 10.0])]
    assert x.grad.tolist() == [20.0, 20.0]


def test_removed_hooks_do_not_run() -> None:
    x = torch.tensor([1.0], requires_grad=True)
    calls = []
    handle = x.register_hook(lambda g: calls.append(1))
    post = (x * 2).grad_fn
    handle.remove()
    y = x * 2
    h2 = y.grad_fn.register_hook(lambda gi, go: calls.append(2))
    h2.remove()
    y.sum().backward()
    assert calls == [] and post is not None
    assert x.grad.tolist() == [2.0]


def test_node_post_hook_sees_inputs_and_outputs() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    seen = []
    y.grad_fn.register_hook(lambda gi, go: seen.append(([g.tolist() for g in gi if g is not None], go[0].tolist())))
    y.backward(torch.tensor([1.0, 0.5]))
    assert seen == [([[1.0, 1.0], [1.0, 1.0]], [1.0, 0.5])]
