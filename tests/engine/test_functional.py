"""engine.autograd.functional against finite differences (float64) and PyTorch's structures/errors."""

from __future__ import annotations

import numpy as np
import pytest

import engine as torch
from engine.autograd import functional as F

RNG = np.random.default_rng(7)


def t64(*shape, low=0.3, high=1.5):
    return torch.tensor(RNG.uniform(low, high, shape), dtype=torch.float64)


def numeric_jacobian(func, inputs, eps=1e-6):
    """Central differences: one (out.shape + in.shape) block per input, for a single-output func."""
    arrays = [np.array(x._data, dtype=np.float64) for x in inputs]
    blocks = []
    for k, a in enumerate(arrays):
        out_shape = np.shape(func(*[torch.tensor(b) for b in arrays])._data)
        block = np.zeros(out_shape + a.shape)
        for idx in np.ndindex(a.shape):
            plus = [b.copy() for b in arrays]
            minus = [b.copy() for b in arrays]
            plus[k][idx] += eps
            minus[k][idx] -= eps
            diff = (func(*[torch.tensor(b) for b in plus])._data - func(*[torch.tensor(b) for b in minus])._data)
            block[(Ellipsis,) + idx] = diff / (2 * eps)
        blocks.append(block)
    return blocks


def mixed(x, y):
    return (x.sin() * y.unsqueeze(0).t()).tanh()  # shape (3, 2) from x (2,), y (3,)


def test_jacobian_matches_finite_differences_for_two_inputs():
    x, y = t64(2), t64(3)
    jac = F.jacobian(mixed, (x, y))
    assert isinstance(jac, tuple) and len(jac) == 2
    assert jac[0].shape == (3, 2, 2) and jac[1].shape == (3, 2, 3)
    for got, want in zip(jac, numeric_jacobian(mixed, (x, y))):
        np.testing.assert_allclose(got._data, want, rtol=1e-6, atol=1e-8)


def test_jacobian_output_structure_follows_pytorch():
    x = t64(3)
    single = F.jacobian(lambda a: a * 2, x)
    assert isinstance(single, torch.Tensor) and single.shape == (3, 3)
    np.testing.assert_allclose(single._data, 2 * np.eye(3))
    outs_tuple = F.jacobian(lambda a: (a * 2, a.sum()), x)
    assert isinstance(outs_tuple, tuple) and outs_tuple[0].shape == (3, 3) and outs_tuple[1].shape == (3,)
    nested = F.jacobian(lambda a, b: (a * b, a + b), (x, x))
    assert isinstance(nested, tuple) and all(isinstance(r, tuple) and len(r) == 2 for r in nested)


def test_jacobian_of_the_tutorial_exp_adder():
    x, y = t64(3), t64(3)
    jx, jy = F.jacobian(lambda a, b: 2 * a.exp() + 3 * b, (x, y))
    np.testing.assert_allclose(jx._data, np.diag(2 * np.exp(x._data)))
    np.testing.assert_allclose(jy._data, 3 * np.eye(3))
    assert not jx.requires_grad and jx.grad_fn is None


def test_jacobian_of_unused_input_is_zero_or_a_strict_error():
    x, y = t64(2), t64(2)
    _, jy = F.jacobian(lambda a, b: a * 3, (x, y))
    np.testing.assert_array_equal(jy._data, np.zeros((2, 2)))
    with pytest.raises(RuntimeError, match="Output 0 of the user-provided function is independent of input 1"):
        F.jacobian(lambda a, b: a * 3, (x, y), strict=True)


def test_forward_mode_jacobian_equals_reverse_mode_and_returns_lists_like_pytorch():
    x, y = t64(2), t64(3)
    rev = F.jacobian(mixed, (x, y))
    fwd = F.jacobian(mixed, (x, y), vectorize=True, strategy="forward-mode")
    assert isinstance(fwd, list)
    for a, b in zip(rev, fwd):
        np.testing.assert_allclose(a._data, b._data, rtol=1e-12)
    with pytest.raises(NotImplementedError, match="only implemented for `vectorize=True`"):
        F.jacobian(mixed, (x, y), strategy="forward-mode")
    with pytest.raises(NotImplementedError, match="create_graph=True"):
        F.jacobian(mixed, (x, y), strategy="forward-mode", vectorize=True, create_graph=True)


def test_vjp_matches_vector_times_numeric_jacobian():
    x = t64(4)
    v = t64(4, low=-1, high=1)
    func = lambda a: a.exp() * a.sin()  # noqa: E731
    out, vjp = F.vjp(func, x, v)
    np.testing.assert_allclose(out._data, np.exp(x._data) * np.sin(x._data))
    (J,) = numeric_jacobian(func, (x,))
    np.testing.assert_allclose(vjp._data, v._data @ J, rtol=1e-6)


def test_vjp_errors_match_pytorch():
    x = t64(3)
    with pytest.raises(RuntimeError, match="^The vector v can only be None if the user-provided function returns a single Tensor with a single element.$"):
        F.vjp(lambda a: a * 2, x)
    with pytest.raises(RuntimeError, match=r"v has invalid size: should be torch.Size\(\[3\]\) but got torch.Size\(\[2\]\)"):
        F.vjp(lambda a: a * 2, x, t64(2))
    with pytest.raises(TypeError, match="must be either a Tensor or a tuple of Tensors"):
        F.vjp(lambda a: a * 2, [x])
    with pytest.raises(RuntimeError, match="Output 0 of the user-provided function does not require gradients"):
        F.vjp(lambda a: torch.ones(3, dtype=torch.float64), x, t64(3), strict=True)


def test_vjp_of_scalar_without_v_and_create_graph():
    x = t64(3).requires_grad_()
    out, g = F.vjp(lambda a: (a ** 3).sum(), x, create_graph=True)
    np.testing.assert_allclose(g._data, 3 * x._data ** 2)
    assert g.requires_grad  # differentiable because create_graph=True
    (gg,) = torch.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg._data, 6 * x._data)


def test_jvp_uses_forward_mode_and_matches_numeric_jacobian_times_v():
    x, y = t64(2), t64(3)
    vx, vy = t64(2, low=-1, high=1), t64(3, low=-1, high=1)
    out, jvp = F.jvp(mixed, (x, y), (vx, vy))
    Jx, Jy = numeric_jacobian(mixed, (x, y))
    want = np.tensordot(Jx, vx._data, axes=1) + np.tensordot(Jy, vy._data, axes=1)
    np.testing.assert_allclose(jvp._data, want, rtol=1e-6, atol=1e-9)
    # create_graph=True takes the double-backward route: same numbers, differentiable result.
    _, jvp2 = F.jvp(mixed, (x, y), (vx, vy), create_graph=True)
    np.testing.assert_allclose(jvp2._data, jvp._data, rtol=1e-12)


def test_jvp_error_without_v_for_multi_element_input():
    with pytest.raises(RuntimeError, match="The vector v can only be None if the input to the user-provided function is a single Tensor with a single element."):
        F.jvp(lambda a: a * 2, t64(3))


def cubic(x):
    return (x ** 3 * x.sin()).sum()


def test_hessian_matches_finite_differences_of_the_gradient():
    x = t64(3)
    H = F.hessian(cubic, x)
    assert H.shape == (3, 3)
    grad = lambda a: F.jacobian(cubic, a)  # noqa: E731
    (numeric,) = numeric_jacobian(grad, (x,))
    np.testing.assert_allclose(H._data, numeric, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(H._data, H._data.T, rtol=1e-12)


def test_hessian_of_two_inputs_is_nested_and_create_graph_keeps_a_graph():
    x, y = t64(2), t64(2)
    H = F.hessian(lambda a, b: (a * a * b).sum(), (x, y))
    np.testing.assert_allclose(H[0][0]._data, np.diag(2 * y._data))
    np.testing.assert_allclose(H[0][1]._data, np.diag(2 * x._data))
    np.testing.assert_allclose(H[1][1]._data, np.zeros((2, 2)))
    Hg = F.hessian(cubic, x.requires_grad_(), create_graph=True)
    assert Hg.requires_grad


def test_hessian_errors_match_pytorch():
    with pytest.raises(RuntimeError, match="The Tensor returned by the function given to hessian should contain a single element"):
        F.hessian(lambda a: a * a, t64(2))
    with pytest.raises(RuntimeError, match="The function given to hessian should return a single Tensor"):
        F.hessian(lambda a: (a.sum(), a.sum()), t64(2))


def test_vhp_and_hvp_equal_hessian_times_v():
    x = t64(3)
    v = t64(3, low=-1, high=1)
    H = F.hessian(cubic, x)._data
    out, vhp = F.vhp(cubic, x, v)
    np.testing.assert_allclose(out._data, cubic(x)._data)
    np.testing.assert_allclose(vhp._data, v._data @ H, rtol=1e-10)
    _, hvp = F.hvp(cubic, x, v)
    np.testing.assert_allclose(hvp._data, H @ v._data, rtol=1e-10)
    with pytest.raises(RuntimeError, match="The function given to vhp should return a single Tensor"):
        F.vhp(lambda a: (a.sum(),), x, v)


def test_functional_results_do_not_touch_leaf_grads():
    x = t64(3).requires_grad_()
    F.jacobian(lambda a: a.exp(), x)
    F.vjp(lambda a: a.exp(), x, t64(3))
    assert x.grad is None
