"""Values, node names, dtypes and errors of the math ops, against numpy and PyTorch's documented behaviour.

(Gradients themselves are checked against finite differences in test_op_gradients.py.)
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

import engine as torch
from engine.autograd.gradcheck import GradcheckError

RNG = np.random.default_rng(2024)
X = RNG.uniform(-2, 2, (3, 4))


def leaf(a=X, dtype=np.float64):
    return torch.tensor(np.array(a, dtype=dtype), requires_grad=True)


# ---- node names (PyTorch 2.13's grad_fn names) ------------------------------------------------------

NAMES = [
    (lambda x: x.norm(), "LinalgVectorNormBackward0"),
    (lambda x: x.norm(p=1, dim=1), "LinalgVectorNormBackward0"),
    (lambda x: x.var(), "VarBackward0"),
    (lambda x: x.std(1), "StdBackward0"),
    (lambda x: x.prod(), "ProdBackward0"),
    (lambda x: x.prod(1), "ProdBackward1"),
    (lambda x: x.max(), "MaxBackward1"),
    (lambda x: x.max(1).values, "MaxBackward0"),
    (lambda x: x.min(), "MinBackward1"),
    (lambda x: x.min(0)[0], "MinBackward0"),
    (lambda x: x.amax(1), "AmaxBackward0"),
    (lambda x: x.amin(), "AminBackward0"),
    (lambda x: torch.maximum(x, x * 0.5), "MaximumBackward0"),
    (lambda x: torch.max(x, x * 0.5), "MaximumBackward0"),
    (lambda x: torch.minimum(x, x * 0.5), "MinimumBackward0"),
    (lambda x: x.clamp(0, 1), "ClampBackward1"),
    (lambda x: x.clip(min=0), "ClampBackward1"),
    (lambda x: x.clamp(x * 0.5), "ClampBackward0"),
    (lambda x: x.clamp_min(0.2), "ClampMinBackward0"),
    (lambda x: x.clamp_max(0.2), "ClampMaxBackward0"),
    (lambda x: x.clamp_min(x * 0.5), "ClampMinBackward1"),
    (lambda x: x.clamp_max(x * 0.5), "ClampMaxBackward1"),
    (lambda x: x.softmax(1), "SoftmaxBackward0"),
    (lambda x: torch.log_softmax(x, 0), "LogSoftmaxBackward0"),
    (lambda x: x.logsumexp(1), "LogsumexpBackward0"),
    (lambda x: (x.abs() + 1).log1p(), "Log1PBackward0"),
    (lambda x: x.exp2(), "Exp2Backward0"),
    (lambda x: x.expm1(), "Expm1Backward0"),
    (lambda x: (x.abs() + 1).rsqrt(), "RsqrtBackward0"),
    (lambda x: (x * 0.3).asin(), "AsinBackward0"),
    (lambda x: x.erf(), "ErfBackward0"),
    (lambda x: x.floor(), "FloorBackward0"),
    (lambda x: x.round(), "RoundBackward0"),
    (lambda x: x.round(decimals=2), "RoundBackward1"),
    (lambda x: x.frac(), "FracBackward0"),
    (lambda x: x // 2, "torch::autograd::NotImplemented"),
    (lambda x: x % 2, "RemainderBackward0"),
    (lambda x: x % (x + 3), "RemainderBackward1"),
    (lambda x: torch.fmod(x, 2), "FmodBackward0"),
    (lambda x: torch.lerp(x, x * 2, 0.3), "LerpBackward0"),
    (lambda x: torch.lerp(x, x * 2, x), "LerpBackward1"),
    (lambda x: torch.addcmul(x, x, x, value=2), "AddcmulBackward0"),
    (lambda x: torch.addcdiv(x, x, x + 3), "AddcdivBackward0"),
]


@pytest.mark.parametrize("fn, name", NAMES, ids=[n for _, n in NAMES])
def test_node_names(fn, name):
    assert fn(leaf()).grad_fn.name() == name


def test_clamp_with_tensor_bounds_has_three_edges_and_none_for_a_missing_bound():
    x, lo = leaf(), leaf(X * 0.5)
    edges = x.clamp(lo).grad_fn.next_functions
    assert len(edges) == 3
    assert edges[0][0] is not None and edges[1][0] is not None
    assert edges[2] == (None, 0)


# ---- values against numpy ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, ref",
    [
        ("exp2", np.exp2), ("expm1", np.expm1), ("atan", np.arctan), ("sinh", np.sinh), ("cosh", np.cosh),
        ("floor", np.floor), ("ceil", np.ceil), ("trunc", np.trunc), ("round", np.round),
    ],
)
def test_unary_values(name, ref):
    np.testing.assert_allclose(getattr(torch, name)(leaf()).detach().numpy(), ref(X), rtol=1e-12)


def test_positive_domain_unary_values():
    a = np.abs(X) + 0.1
    for name, ref in [("log2", np.log2), ("log10", np.log10), ("log1p", np.log1p), ("rsqrt", lambda v: 1 / np.sqrt(v))]:
        np.testing.assert_allclose(getattr(torch, name)(leaf(a)).detach().numpy(), ref(a), rtol=1e-12)
    b = X / 3
    np.testing.assert_allclose(torch.asin(leaf(b)).detach().numpy(), np.arcsin(b), rtol=1e-12)
    np.testing.assert_allclose(torch.acos(leaf(b)).detach().numpy(), np.arccos(b), rtol=1e-12)


def test_erf_matches_math_erf():
    expected = np.vectorize(math.erf)(X)
    np.testing.assert_allclose(torch.erf(leaf()).detach().numpy(), expected, rtol=1e-15)


def test_frac_and_round_half_to_even():
    v = torch.tensor([0.5, 1.5, 2.5, -0.5, -1.25])
    assert v.round().tolist() == [0.0, 2.0, 2.0, -0.0, -1.0]
    np.testing.assert_allclose(v.frac().numpy(), np.array([0.5, 0.5, 0.5, -0.5, -0.25], dtype=np.float32))


def test_softmax_rows_sum_to_one_and_match_the_formula():
    out = torch.softmax(leaf(), dim=1).detach().numpy()
    np.testing.assert_allclose(out.sum(axis=1), np.ones(3), rtol=1e-12)
    expected = np.exp(X) / np.exp(X).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_softmax_log_softmax_logsumexp_are_stable_for_large_inputs():
    big = torch.tensor([[1000.0, 1001.0, 999.0], [-1000.0, -1000.0, -1000.0]])
    s = big.softmax(-1).numpy()
    assert np.all(np.isfinite(s))
    np.testing.assert_allclose(s[1], np.full(3, 1 / 3, dtype=np.float32), rtol=1e-6)
    ls = big.log_softmax(1).numpy()
    np.testing.assert_allclose(ls, np.log(s), rtol=1e-5)
    lse = big.logsumexp(1).numpy()
    np.testing.assert_allclose(lse, [1001.0 + np.log(1 + np.exp(-1) + np.exp(-2)), -1000.0 + np.log(3)], rtol=1e-6)


def test_logsumexp_of_integers_is_float_and_keepdim():
    out = torch.tensor([[1, 2]]).logsumexp(1, keepdim=True)
    assert out.dtype == torch.float32 and tuple(out.shape) == (1, 1)
    np.testing.assert_allclose(out.numpy()[0, 0], np.log(np.exp(1) + np.exp(2)), rtol=1e-6)


@pytest.mark.parametrize("p, ref", [(2, 2), ("fro", 2), (1, 1), (float("inf"), np.inf), (3.0, 3)])
def test_norm_values(p, ref):
    out = leaf().norm(p=p).item()
    assert out == pytest.approx(np.linalg.norm(X.reshape(-1), ord=ref), rel=1e-12)
    per_row = leaf().norm(p=p, dim=1, keepdim=True).detach().numpy()
    np.testing.assert_allclose(per_row, np.linalg.norm(X, ord=ref, axis=1, keepdims=True), rtol=1e-12)


def test_norm_gradient_is_zero_at_zero():
    z = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    z.norm().backward()
    assert z.grad.tolist() == [0.0, 0.0, 0.0]


def test_var_and_std_match_numpy():
    assert leaf().var().item() == pytest.approx(np.var(X, ddof=1), rel=1e-12)
    np.testing.assert_allclose(leaf().var(1, unbiased=False).detach().numpy(), np.var(X, axis=1), rtol=1e-12)
    np.testing.assert_allclose(leaf().std(0, correction=0).detach().numpy(), np.std(X, axis=0), rtol=1e-12)
    np.testing.assert_allclose(
        leaf().std(dim=1, keepdim=True).detach().numpy(), np.std(X, axis=1, ddof=1, keepdims=True), rtol=1e-12
    )


def test_var_warns_without_degrees_of_freedom():
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        out = torch.tensor([1.0]).var()
    assert math.isnan(out.item())


def test_prod_gradient_with_zeros_is_the_product_of_the_others():
    a = np.array([[1.5, 0.0, 3.0], [0.0, 2.0, 0.0], [2.0, -1.0, 0.5]])
    x = leaf(a)
    x.prod(1).sum().backward()
    expected = np.array([[np.prod(np.delete(row, j)) for j in range(3)] for row in a])
    np.testing.assert_allclose(x.grad.numpy(), expected)
    y = leaf(a[0])
    y.prod().backward()
    np.testing.assert_allclose(y.grad.numpy(), [0.0, 4.5, 0.0])


def test_prod_of_integers_is_int64():
    assert torch.tensor([1, 2, 3], dtype=torch.int32).prod().dtype == torch.int64
    assert torch.tensor([2, 3]).prod().item() == 6


def test_max_with_dim_returns_values_and_int64_indices():
    out = leaf().max(dim=1)
    values, indices = out
    np.testing.assert_array_equal(indices.numpy(), np.argmax(X, axis=1))
    assert indices.dtype == torch.int64 and not indices.requires_grad
    np.testing.assert_allclose(values.detach().numpy(), X.max(axis=1))
    assert out.values is values and out.indices is indices
    assert repr(out).startswith("torch.return_types.max(\nvalues=tensor([")
    assert repr(out).endswith(",\nindices=" + repr(indices) + ")")
    kept = leaf().min(0, keepdim=True)
    assert tuple(kept.values.shape) == (1, 4) and tuple(kept.indices.shape) == (1, 4)


def test_max_gradient_goes_to_the_selected_index_only():
    a = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, -1.0]])
    x = leaf(a)
    x.max(1).values.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]  # first of the tied maxima


def test_full_max_and_amax_split_ties_evenly():
    a = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, -1.0]])
    x = leaf(a)
    x.max().backward()
    hit = a == a.max()
    np.testing.assert_allclose(x.grad.numpy(), hit / hit.sum())
    y = leaf(a)
    y.amax(1).sum().backward()
    row_hit = a == a.max(axis=1, keepdims=True)
    np.testing.assert_allclose(y.grad.numpy(), row_hit / row_hit.sum(axis=1, keepdims=True))


def test_maximum_splits_ties_in_half():
    a, b = leaf(np.array([1.0, 3.0, 2.0])), leaf(np.array([1.0, 0.0, 5.0]))
    torch.maximum(a, b).sum().backward()
    assert a.grad.tolist() == [0.5, 1.0, 0.0]
    assert b.grad.tolist() == [0.5, 0.0, 1.0]


def test_argmax_argmin():
    x = leaf()
    assert x.argmax().item() == int(np.argmax(X))
    assert x.argmax().dtype == torch.int64
    np.testing.assert_array_equal(x.argmin(1, keepdim=True).numpy(), np.argmin(X, axis=1)[:, None])
    assert x.argmax(0).grad_fn is None


def test_clamp_values_and_gradient_passes_at_the_bounds():
    a = np.array([1.0, 2.0, 2.5, 3.0, 4.0])
    x = leaf(a)
    out = x.clamp(2, 3)
    np.testing.assert_allclose(out.detach().numpy(), np.clip(a, 2, 3))
    out.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]


def test_clamp_with_tensor_bound_sends_the_gradient_to_the_bound():
    x, lo = leaf(np.array([1.0, 3.0, -1.0])), leaf(np.array([2.0, 0.0, 0.0]))
    x.clamp(min=lo).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0]
    assert lo.grad.tolist() == [1.0, 0.0, 1.0]


def test_clamp_dtypes_and_in_place():
    assert torch.tensor([1, 2, 3]).clamp(0.5).dtype == torch.float32
    assert torch.tensor([1, 5]).clamp(max=3).tolist() == [1, 3]
    y = leaf() * 1
    version = y._version
    assert y.clamp_(-0.5, 0.5) is y
    assert y._version == version + 1 and y.grad_fn.name() == "ClampBackward1"
    assert float(y.max()) <= 0.5


def test_floor_divide_remainder_fmod_follow_python_and_c():
    a = torch.tensor([-3, 2, 3])
    assert (a // 2).tolist() == [-2, 1, 1] and (a // 2).dtype == torch.int64
    assert (a % 2).tolist() == [1, 0, 1]
    assert torch.fmod(a, 2).tolist() == [-1, 0, 1]
    f = np.array([-3.5, 2.25, 7.0])
    b = np.array([2.0, -1.5, 2.5])
    np.testing.assert_allclose(torch.remainder(leaf(f), leaf(b)).detach().numpy(), np.remainder(f, b))
    np.testing.assert_allclose(torch.fmod(leaf(f), leaf(b)).detach().numpy(), np.fmod(f, b))
    assert (7 % torch.tensor([3, 5])).tolist() == [1, 2]


def test_floor_divide_has_no_derivative():
    out = leaf() // 2
    with pytest.raises(RuntimeError, match="derivative for aten::floor_divide is not implemented"):
        out.sum().backward()


def test_lerp_addcmul_addcdiv_values():
    a, b, w = X, X[::-1].copy(), RNG.uniform(0, 1, X.shape)
    np.testing.assert_allclose(torch.lerp(leaf(a), leaf(b), 0.25).detach().numpy(), a + 0.25 * (b - a))
    np.testing.assert_allclose(torch.lerp(leaf(a), leaf(b), leaf(w)).detach().numpy(), a + w * (b - a))
    assert torch.lerp(torch.tensor([1.0]), torch.tensor([3.0]), 1.0).item() == 3.0
    c = np.abs(b) + 1
    np.testing.assert_allclose(torch.addcmul(leaf(a), leaf(b), leaf(c), value=0.5).detach().numpy(), a + 0.5 * b * c)
    np.testing.assert_allclose(torch.addcdiv(leaf(a), leaf(b), leaf(c), value=2).detach().numpy(), a + 2 * b / c)


def test_activations_match_their_formulas():
    from engine.ops import nn_ops as F

    x = leaf()
    np.testing.assert_allclose(F.leaky_relu(x, 0.1).detach().numpy(), np.where(X > 0, X, 0.1 * X))
    np.testing.assert_allclose(F.elu(x).detach().numpy(), np.where(X > 0, X, np.expm1(X)))
    np.testing.assert_allclose(F.silu(x).detach().numpy(), X / (1 + np.exp(-X)), rtol=1e-12)
    np.testing.assert_allclose(F.softplus(x).detach().numpy(), np.log1p(np.exp(X)), rtol=1e-12)
    np.testing.assert_allclose(F.logsigmoid(x).detach().numpy(), -np.log1p(np.exp(-X)), rtol=1e-12)
    np.testing.assert_allclose(F.hardtanh(x).detach().numpy(), np.clip(X, -1, 1))
    erf = np.vectorize(math.erf)
    np.testing.assert_allclose(F.gelu(x).detach().numpy(), 0.5 * X * (1 + erf(X / np.sqrt(2))), rtol=1e-12)
    assert F.relu6(x).grad_fn.name() == "HardtanhBackward0"


# ---- errors -----------------------------------------------------------------------------------------


def test_errors_match_pytorch():
    with pytest.raises(RuntimeError, match=r"torch.clamp: At least one of 'min' or 'max' must not be None"):
        leaf().clamp()
    with pytest.raises(RuntimeError, match="linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long"):
        torch.tensor([1, 2]).norm()
    with pytest.raises(RuntimeError, match="std and var only support floating point and complex dtypes"):
        torch.tensor([1, 2]).var()
    with pytest.raises(RuntimeError, match=r"max\(\): Expected reduction dim to be specified for input.numel\(\) == 0"):
        torch.tensor([]).max()
    with pytest.raises(TypeError, match='softmax\\(\\) missing 1 required positional arguments: "dim"'):
        leaf().softmax()
    with pytest.raises(NotImplementedError, match="\"softmax_lastdim_kernel_impl\" not implemented for 'Long'"):
        torch.tensor([[1, 2]]).softmax(1)
    with pytest.raises(RuntimeError, match="\"frac_cpu\" not implemented for 'Long'"):
        torch.tensor([1, 2]).frac()
    with pytest.raises(IndexError, match="Dimension out of range"):
        leaf().max(dim=5)


# ---- gradcheck --------------------------------------------------------------------------------------


def test_gradcheck_is_the_function_and_passes_on_correct_ops():
    assert callable(torch.autograd.gradcheck) and callable(torch.autograd.gradgradcheck)
    assert sys.modules["engine.autograd.gradcheck"].gradcheck is torch.autograd.gradcheck
    a, b = leaf(X[:2, :2]), leaf(X[1:, 2:])
    assert torch.autograd.gradcheck(lambda u, v: (u.softmax(1) * v.sum(), u.norm()), (a, b), check_forward_ad=True)
    assert torch.autograd.gradgradcheck(lambda u: u.logsumexp(1) * u.sum(), (a,))


def _wrong_sin(kind: str):
    from engine._op import Op
    from engine.ops.unary import Sin

    class WrongSin(Sin):
        node_name = "WrongSinBackward0"

        def vjp(self, grad):
            (x,) = self.saved
            return (grad * x.sin(),) if kind == "vjp" else (grad * x.cos(),)

        def jvp(self, tangents):
            return tangents[0] * (self.fw_inputs[0].sin() if kind == "jvp" else self.fw_inputs[0].cos())

    Op.registry.pop(f"{WrongSin.__module__}.{WrongSin.__qualname__}", None)
    return lambda t: WrongSin.apply(t)


def test_gradcheck_reports_a_wrong_rule_like_pytorch():
    x = leaf(np.array([0.1, 0.5]))
    with pytest.raises(GradcheckError) as info:
        torch.autograd.gradcheck(_wrong_sin("vjp"), (x,))
    message = str(info.value)
    assert message.startswith("Jacobian mismatch for output 0 with respect to input 0,\nnumerical:tensor(")
    assert "\nanalytical:tensor(" in message and "dtype=torch.float64" in message
    assert isinstance(info.value, RuntimeError)
    assert torch.autograd.gradcheck(_wrong_sin("vjp"), (x,), raise_exception=False) is False


def test_gradcheck_checks_forward_mode_when_asked():
    x = leaf(np.array([0.1, 0.5]))
    assert torch.autograd.gradcheck(_wrong_sin("jvp"), (x,))  # reverse mode alone is right
    with pytest.raises(GradcheckError, match="Jacobian computed with forward mode mismatch for output 0"):
        torch.autograd.gradcheck(_wrong_sin("jvp"), (x,), check_forward_ad=True)


def test_gradcheck_input_validation():
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        torch.autograd.gradcheck(torch.sin, (torch.tensor([0.1], dtype=torch.float64),))
    with pytest.warns(UserWarning, match="Input #0 requires gradient and is not a double precision"):
        torch.autograd.gradcheck(torch.sin, (torch.tensor([0.1], requires_grad=True),), raise_exception=False)
