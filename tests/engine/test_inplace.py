"""In-place forms: zero_, fill_, copy_, function forms, version counters, in-place ops on views (CopySlices).

Node names, next_functions and messages were checked against PyTorch 2.13 and are written as literals.
"""

from __future__ import annotations

import numpy as np
import pytest

import engine as torch
from tests.engine.graph_helpers import chain, numeric_grad

HINT = (
    "Hint: enable anomaly detection to find the operation that failed to compute its gradient, with "
    "torch.autograd.set_detect_anomaly(True, check_nan=False)."
)


def test_zero_fill_copy_nodes():
    y = torch.rand(3, requires_grad=True)
    w = y * 1
    w.zero_()
    assert chain(w) == "ZeroBackward0(MulBackward0(ACC:0, None:0):0)"
    assert w.sum().item() == 0 and w._version == 1
    w = y * 1
    w.fill_(2.0)
    assert chain(w) == "FillBackward2(MulBackward0(ACC:0, None:0):0)"
    np.testing.assert_array_equal(w.detach().numpy(), [2, 2, 2])
    w = y * 1
    w.fill_(torch.tensor(2.0, requires_grad=True))
    assert chain(w) == "FillBackward3(MulBackward0(ACC:0, None:0):0, ACC:0)"
    assert chain(torch.fill(y, 2.0)) == "FillBackward0(ACC:0)"
    w = y * 1
    w.copy_(y * 3)
    assert chain(w) == "torch::autograd::CopyBackwards(MulBackward0(ACC:0, None:0):0, MulBackward0(ACC:0, None:0):0)"
    assert repr(w.grad_fn).startswith("<CopyBackwards object at ")
    w = torch.zeros(2, 3, dtype=torch.float64)
    w.copy_(y * 3)
    assert chain(w) == "torch::autograd::CopyBackwards(None:0, MulBackward0(ACC:0, None:0):0)"
    assert w.dtype == torch.float64
    np.testing.assert_allclose(w.detach().numpy(), np.broadcast_to(y.detach().numpy() * 3, (2, 3)), rtol=1e-6)


def test_copy_and_fill_gradients():
    v = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    src = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float32, requires_grad=True)
    a = torch.rand(3, dtype=torch.float64, requires_grad=True)
    w = a * 2
    w.copy_(src)
    w.mul_(torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64))
    f = torch.zeros(2, 2, dtype=torch.float64)
    f.fill_(v)
    (w.sum() + (f * 3).sum()).backward()
    assert a.grad.abs().sum().item() == 0  # copy_ overwrote a's contribution
    assert src.grad.dtype == torch.float32
    np.testing.assert_array_equal(src.grad.numpy(), [1.0, 2.0, 3.0])
    assert v.grad.item() == 12.0


def test_inplace_on_leaf_that_requires_grad_raises():
    y = torch.rand(3, requires_grad=True)
    for op in (lambda: y.zero_(), lambda: y.fill_(1.0), lambda: y.copy_(torch.ones(3))):
        with pytest.raises(RuntimeError) as info:
            op()
        assert str(info.value) == "a leaf Variable that requires grad is being used in an in-place operation."
    with torch.no_grad():
        y.zero_()
    assert y._version == 1 and y.is_leaf and y.sum().item() == 0


def test_version_counter_and_modified_saved_tensor_message():
    a = torch.rand(3, requires_grad=True)
    b = a * 1
    c = b.sin()
    b.mul_(2)
    assert b._version == 1
    with pytest.raises(RuntimeError) as info:
        c.sum().backward()
    assert str(info.value) == (
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        "[torch.FloatTensor [3]], which is output 0 of Mul, is at version 1; expected version 0 instead. " + HINT
    )
    a = torch.rand(3, requires_grad=True)
    b = a * 1
    c = b.sin()
    b.zero_()
    with pytest.raises(RuntimeError) as info:
        c.sum().backward()
    assert "which is output 0 of Zero, is at version 1; expected version 0 instead." in str(info.value)


def test_inplace_on_view_rebases_base_like_pytorch():
    a = torch.rand(3, 4, requires_grad=True)
    b = a * 1
    v = b[0]
    v.mul_(2)
    assert chain(b) == "torch::autograd::CopySlices(MulBackward0(ACC:0, None:0):0, None:0)"
    assert chain(v) == "AsStridedBackward0(torch::autograd::CopySlices(MulBackward0(ACC:0, None:0):0, None:0):0)"
    assert v._version == 1 and b._version == 1
    b = a * 1
    v = b[0]
    v.zero_()
    assert chain(b) == "torch::autograd::CopySlices(MulBackward0(ACC:0, None:0):0)"
    with pytest.raises(RuntimeError) as info:
        a[0].zero_()
    assert str(info.value) == "a view of a leaf Variable that requires grad is being used in an in-place operation."


def test_inplace_on_views_gradient_matches_finite_differences():
    rng = np.random.default_rng(3)
    a0, b0 = rng.uniform(0.1, 1, 4), rng.uniform(0.1, 1, 3)

    def build(a, b):
        w = a.unsqueeze(0) * b.unsqueeze(1)
        v = w[1:, ::2]
        v.mul_(b[1:].unsqueeze(1))
        w[0].sin_()
        w.t()[2].zero_()
        w[2, 1:3].copy_(a[:2] ** 2)
        return (w * w.cos()).sum()

    a = torch.tensor(a0, requires_grad=True)
    b = torch.tensor(b0, requires_grad=True)
    build(a, b).backward()
    ga = numeric_grad(lambda x: float(build(torch.tensor(x), torch.tensor(b0))), a0)
    gb = numeric_grad(lambda x: float(build(torch.tensor(a0), torch.tensor(x))), b0)
    np.testing.assert_allclose(a.grad.numpy(), ga, atol=1e-6)
    np.testing.assert_allclose(b.grad.numpy(), gb, atol=1e-6)


def test_function_forms_exist_like_pytorch():
    x = torch.tensor([1.0, 2.0, 4.0])
    assert torch.zero_(torch.ones(2)).sum().item() == 0
    assert torch.fill_(torch.ones(2), 3.0).sum().item() == 6
    assert torch.neg_(x) is x
    np.testing.assert_array_equal(x.numpy(), [-1.0, -2.0, -4.0])
    torch.negative_(x)
    torch.reciprocal_(x)
    np.testing.assert_array_equal(x.numpy(), [1.0, 0.5, 0.25])
    x.square_()
    np.testing.assert_array_equal(x.numpy(), [1.0, 0.25, 0.0625])
    assert x._version == 4  # neg_, negative_, reciprocal_, square_


def test_copy_takes_a_tensor_or_a_number_and_a_broadcastable_shape():
    # PyTorch's copy_ accepts a Python number (it fills); anything else is a TypeError.
    np.testing.assert_array_equal(torch.zeros(3).copy_(1.5).numpy(), [1.5, 1.5, 1.5])
    with pytest.raises(TypeError) as info:
        torch.zeros(3).copy_([1.0, 2.0, 3.0])
    assert str(info.value) == "copy_(): argument 'other' (position 1) must be Tensor, not list"
    with pytest.raises(RuntimeError) as info:
        torch.zeros(3).copy_(torch.ones(2))
    assert str(info.value) == "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0"
