"""Tensor bookkeeping: leaves, requires_grad, .grad, versions, detach, saved tensors, conversions.

Messages are PyTorch 2.13's (the parity fixtures record the same ones from PyTorch itself).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import engine as torch


def test_leaf_and_requires_grad_flags() -> None:
    plain = torch.tensor([1.0])
    w = torch.tensor([1.0], requires_grad=True)
    y = w * 2
    assert (plain.is_leaf, plain.requires_grad, plain.grad_fn) == (True, False, None)
    assert (w.is_leaf, w.requires_grad, w.grad_fn) == (True, True, None)
    assert (y.is_leaf, y.requires_grad) == (False, True)
    acc, nr = y.grad_fn.next_functions[0]
    assert acc.name() == "torch::autograd::AccumulateGrad" and acc.variable is w and nr == 0
    assert repr(acc).startswith("<AccumulateGrad object at 0x")
    # The accumulator is shared by every use of the leaf while it is alive.
    assert (w * 3).grad_fn.next_functions[0][0] is acc


def test_requires_grad_rules_on_non_leaves() -> None:
    w = torch.tensor([1.0], requires_grad=True)
    y = w * 2
    with pytest.raises(RuntimeError, match=r"^you can only change requires_grad flags of leaf variables\.$"):
        y.requires_grad = True
    with pytest.raises(RuntimeError, match="use var_no_grad = var.detach()"):
        y.requires_grad = False
    with pytest.raises(RuntimeError, match="use var_no_grad = var.detach()"):
        y.requires_grad_(False)
    assert y.requires_grad_(True) is y


def test_integer_tensors_cannot_require_grad() -> None:
    with pytest.raises(RuntimeError, match="^only Tensors of floating point dtype can require gradients$"):
        torch.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError, match="^Only Tensors of floating point and complex dtype can require gradients$"):
        torch.tensor([1, 2], requires_grad=True)


def test_grad_is_none_before_backward_and_nonleaf_access_warns_once_undefined() -> None:
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    assert w.grad is None
    m = w * 2
    with pytest.warns(UserWarning, match="is not a leaf Tensor is being accessed"):
        assert m.grad is None
    m.grad = torch.ones(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # PyTorch does not warn once the non-leaf's .grad is set
        assert m.grad.tolist() == [1.0, 1.0]


def test_grad_setter_checks_size_and_dtype() -> None:
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"attempting to assign a gradient of size '\[3\]' to a tensor of size '\[2\]'"):
        w.grad = torch.ones(3)
    with pytest.raises(RuntimeError, match="attempting to assign a gradient with dtype 'double' to a tensor with grad_dtype 'Float'"):
        w.grad = torch.ones(2, dtype=torch.float64)
    with pytest.raises(TypeError):
        w.grad = [1.0, 2.0]


def test_version_counter_is_shared_by_views_and_detach() -> None:
    x = torch.ones(3)
    assert x._version == 0
    x.add_(1)
    x.mul_(2)
    assert x._version == 2
    v = x.view(3)
    d = x.detach()
    v.add_(1)
    assert (x._version, v._version, d._version) == (3, 3, 3)
    assert x.tolist() == [5.0, 5.0, 5.0]
    # .data shares storage but not the version counter: autograd cannot see changes made through it.
    x.data.add_(1)
    assert x._version == 3 and x.tolist() == [6.0, 6.0, 6.0]


def test_detach_shares_storage_and_cuts_history() -> None:
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    y = w * 2
    d = y.detach()
    assert d.grad_fn is None and not d.requires_grad
    assert d.data_ptr() == y.data_ptr()
    d.add_(1)
    assert y.tolist() == [3.0, 5.0]
    y.detach_()
    assert y.is_leaf and not y.requires_grad


def test_saved_tensor_modified_in_place_is_detected() -> None:
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = a * 2
    c = b * b
    b.add_(1)
    with pytest.raises(RuntimeError) as info:
        c.sum().backward()
    assert str(info.value).startswith(
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        "[torch.FloatTensor [2]], which is output 0 of Add, is at version 1; expected version 0 instead."
    )


def test_saved_tensors_are_exposed_then_freed() -> None:
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([3.0, 4.0], requires_grad=True)
    c = a * b
    assert c.grad_fn._saved_self is a and c.grad_fn._saved_other is b
    p = a**3
    assert p.grad_fn._saved_exponent == 3
    c.sum().backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        c.grad_fn._saved_self  # noqa: B018 - the access itself raises


def test_inplace_on_a_leaf_that_requires_grad_is_refused() -> None:
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    message = "a leaf Variable that requires grad is being used in an in-place operation."
    with pytest.raises(RuntimeError, match=message):
        a.add_(1)
    with pytest.raises(RuntimeError, match=message):
        a *= 2
    with torch.no_grad():
        a.add_(1)
    assert a.tolist() == [2.0, 3.0] and a._version == 1


def test_conversion_errors() -> None:
    x = torch.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
        x.item()
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
        bool(x)
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(torch.tensor(1.0))
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
        torch.tensor([1.0], requires_grad=True).numpy()
    assert torch.tensor([2.5]).item() == 2.5 and int(torch.tensor(3.7)) == 3 and len(x) == 2


def test_tensor_dtype_inference_and_ragged_error() -> None:
    assert torch.tensor([1, 2]).dtype is torch.int64
    assert torch.tensor([1, 2.0]).dtype is torch.float32
    assert torch.tensor([True]).dtype is torch.bool
    assert torch.tensor(np.array([1.0])).dtype is torch.float64
    with pytest.raises(ValueError, match=r"^expected sequence of length 2 at dim 1 \(got 1\)$"):
        torch.tensor([[1, 2], [3]])
    with pytest.raises(TypeError, match="not a sequence"):
        torch.tensor([[1, 2], 3])


def test_create_graph_accumulation_then_plain_accumulation() -> None:
    x = torch.tensor([2.0], dtype=torch.float64, requires_grad=True)
    with pytest.warns(UserWarning, match="reference cycle"):
        (x**3).sum().backward(create_graph=True)
    first = x.grad
    assert first.requires_grad and first.tolist() == [12.0]
    with pytest.warns(UserWarning, match="reference cycle"):
        (x**2).sum().backward(create_graph=True)
    # Later accumulation under create_graph is out of place: .grad = .grad + new (an AddBackward0).
    assert x.grad is not first and x.grad.grad_fn.name() == "AddBackward0"
    assert x.grad.tolist() == [16.0]
