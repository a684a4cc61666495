"""engine.autograd.Function: custom forward/backward pairs in the ordinary backward engine."""

from __future__ import annotations

import numpy as np
import pytest

import engine as torch
from engine.autograd import Function


class MyExp(Function):
    @staticmethod
    def forward(ctx, x):
        result = x.exp()
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad):
        (result,) = ctx.saved_tensors
        return grad * result


class ScaledSquare(Function):
    """x**2 * k with a non-tensor argument: backward returns None for it."""

    @staticmethod
    def forward(ctx, x, k):
        ctx.save_for_backward(x)
        ctx.k = k
        ctx.seen_needs = ctx.needs_input_grad
        return x * x * k

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 2 * x * ctx.k, None


class SumAndProduct(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a + b, a * b

    @staticmethod
    def backward(ctx, g_sum, g_prod):
        a, b = ctx.saved_tensors
        return g_sum + g_prod * b, g_sum + g_prod * a


def x64(*shape):
    return torch.tensor(np.random.default_rng(3).uniform(0.2, 1.2, shape), dtype=torch.float64, requires_grad=True)


def numeric_grad(f, x: np.ndarray, eps=1e-6) -> np.ndarray:
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        p, m = x.copy(), x.copy()
        p[idx] += eps
        m[idx] -= eps
        g[idx] = (f(p) - f(m)) / (2 * eps)
    return g


def test_node_name_edges_and_repr_like_pytorch():
    x = x64(3)
    y = MyExp.apply(x)
    assert y.grad_fn.name() == "MyExpBackward"
    assert type(y.grad_fn).__name__ == "MyExpBackward"
    assert repr(y.grad_fn).startswith("<torch.autograd.function.MyExpBackward object at 0x")
    assert "grad_fn=<MyExpBackward>" in repr(y)
    ((acc, nr),) = y.grad_fn.next_functions
    assert type(acc).__name__ == "AccumulateGrad" and acc.variable is x and nr == 0


def test_gradient_matches_finite_differences():
    x = x64(4)
    y = ScaledSquare.apply(MyExp.apply(x), 3.0)
    y.sum().backward()
    want = numeric_grad(lambda a: float((np.exp(a) ** 2 * 3.0).sum()), x._data)
    np.testing.assert_allclose(x.grad._data, want, rtol=1e-6)


def test_needs_input_grad_and_non_tensor_arguments_get_no_edge():
    x = x64(2)
    y = ScaledSquare.apply(x, 2.0)
    assert y.grad_fn.seen_needs == (True, False)
    assert len(y.grad_fn.next_functions) == 1  # only tensor inputs have edges, as in PyTorch


def test_wrong_number_of_gradients_is_pytorchs_error():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, grad):
            return grad

    y = Bad.apply(x64(2), 2.0)
    with pytest.raises(RuntimeError, match=r"function BadBackward returned an incorrect number of gradients \(expected 2, got 1\)"):
        y.sum().backward()


def test_multiple_outputs_share_one_node_and_missing_grads_are_zeros():
    a, b = x64(3), x64(3)
    s, p = SumAndProduct.apply(a, b)
    assert s.grad_fn is p.grad_fn and s.output_nr == 0 and p.output_nr == 1
    s.sum().backward()  # only the first output gets a gradient: the second arrives as zeros
    np.testing.assert_allclose(a.grad._data, np.ones(3))
    a.grad = None
    b.grad = None
    s, p = SumAndProduct.apply(a, b)
    (s * 2 + p).sum().backward()
    np.testing.assert_allclose(a.grad._data, 2 + b._data)
    np.testing.assert_allclose(b.grad._data, 2 + a._data)


def test_no_grad_inputs_make_no_node():
    y = MyExp.apply(torch.ones(2))
    assert y.grad_fn is None and not y.requires_grad
    with torch.no_grad():
        z = MyExp.apply(x64(2))
    assert z.grad_fn is None


def test_forward_runs_without_recording():
    class Peek(Function):
        @staticmethod
        def forward(ctx, x):
            inner = x * 2
            ctx.inner_had_graph = inner.grad_fn is not None
            return inner

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    y = Peek.apply(x64(2))
    assert y.grad_fn.inner_had_graph is False


def test_saved_tensor_modified_in_place_is_detected():
    x = x64(3)
    h = x * 1
    y = ScaledSquare.apply(h, 1.0)
    with torch.no_grad():
        h.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_saved_tensors_freed_after_backward():
    x = x64(2)
    y = MyExp.apply(x)
    y.sum().backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        _ = y.grad_fn.saved_tensors


def test_mark_non_differentiable():
    class SortLike(Function):
        @staticmethod
        def forward(ctx, x):
            idx = torch.zeros(2)
            ctx.mark_non_differentiable(idx)
            return x * 1, idx

        @staticmethod
        def backward(ctx, g, g_idx):
            assert float(g_idx.abs().sum()) == 0.0
            return g

    out, idx = SortLike.apply(x64(2))
    assert out.requires_grad and not idx.requires_grad
    out.sum().backward()


def test_double_backward_through_a_custom_function():
    x = x64(3)
    y = ScaledSquare.apply(x, 1.0).sum()
    (g,) = torch.autograd.grad(y, x, create_graph=True)
    np.testing.assert_allclose(g._data, 2 * x._data)
    (gg,) = torch.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg._data, np.full(3, 2.0))


def test_setup_context_style():
    class Cube(Function):
        @staticmethod
        def forward(x):
            return x ** 3

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x ** 2

    x = x64(3)
    Cube.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad._data, 3 * x._data ** 2)
