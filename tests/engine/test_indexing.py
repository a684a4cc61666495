"""x[...] reads and writes, index_select/gather/scatter/masked ops: values, graphs, views, errors.

Expected node names and next_functions were checked against PyTorch 2.13 and are written as literals.
"""

from __future__ import annotations

import numpy as np
import pytest

import engine as torch
from tests.engine.graph_helpers import chain, numeric_grad

X = np.arange(20, dtype=np.float32).reshape(4, 5)


@pytest.mark.parametrize(
    "index, expected",
    [
        (0, "SelectBackward0(ACC:0)"),
        (-1, "SelectBackward0(ACC:0)"),
        (slice(1, None), "SliceBackward0(ACC:0)"),
        (slice(None), "SliceBackward0(ACC:0)"),
        ((slice(1, None), slice(None, 2)), "SliceBackward0(SliceBackward0(ACC:0):0)"),
        ((slice(None), 1), "SelectBackward0(ACC:0)"),
        ((Ellipsis, 1), "SelectBackward0(ACC:0)"),
        ((slice(1, 3), 0), "SelectBackward0(SliceBackward0(ACC:0):0)"),
        (None, "UnsqueezeBackward0(ACC:0)"),
        ((slice(None), None), "UnsqueezeBackward0(ACC:0)"),
        (Ellipsis, "AliasBackward0(ACC:0)"),
        ((slice(None), slice(None)), "AliasBackward0(ACC:0)"),
        ([0, 1], "IndexBackward0(ACC:0)"),
        ((0, [1, 2]), "IndexBackward0(SelectBackward0(ACC:0):0)"),
        ((slice(None), [1, 2]), "IndexBackward0(ACC:0)"),
    ],
)
def test_getitem_graph_and_values_match_pytorch(index, expected):
    x = torch.tensor(X, requires_grad=True)
    y = x[index]
    assert chain(y) == expected
    np.testing.assert_array_equal(y.detach().numpy(), X[index])


def test_chained_getitem_is_slice_of_select():
    x = torch.tensor(X, requires_grad=True)
    assert chain(x[0][0:10]) == "SliceBackward0(SelectBackward0(ACC:0):0)"


def test_tensor_and_mask_indices():
    x = torch.tensor(X, requires_grad=True)
    assert chain(x[torch.tensor([0, 1])]) == "IndexBackward0(ACC:0)"
    assert chain(x[torch.tensor(1)]) == "SelectBackward0(ACC:0)"  # a 0-d int tensor indexes like an int
    m = x > 7
    np.testing.assert_array_equal(x[m].detach().numpy(), X[X > 7])
    assert chain(x[m]) == "IndexBackward0(ACC:0)"


def test_basic_index_results_are_views():
    x = torch.tensor(X.copy())
    for v in (x[1], x[1:3], x[:, 2], x[None], x[...]):
        assert v._base is x
        assert np.shares_memory(v._data, x._data)
    v = x[1][2:]
    assert v._base is x  # the base of a view of a view is the original tensor
    v.zero_()
    assert x._version == 1 and v._version == 1
    assert x[1, 2:].sum().item() == 0
    assert x[[0, 1]]._base is None  # advanced indexing copies


def test_index_gradient_accumulates_repeats():
    x = torch.tensor(np.arange(4.0), requires_grad=True)
    x[[0, 0, 3, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 0.0, 0.0, 1.0])


def test_getitem_gradient_matches_finite_differences():
    x0 = np.random.default_rng(0).uniform(-1, 1, (3, 4, 2))

    def f(a):
        x = torch.tensor(a)
        return float((x[1:, None, [0, 2, 2]] ** 2).sum() + x[..., 1][0].exp().sum() + x[x > 0].sin().sum())

    x = torch.tensor(x0, requires_grad=True)
    (((x[1:, None, [0, 2, 2]] ** 2).sum()) + x[..., 1][0].exp().sum() + x[x > 0].sin().sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), numeric_grad(f, x0), atol=1e-6)


@pytest.mark.parametrize(
    "index, error, message",
    [
        (5, IndexError, "index 5 is out of bounds for dimension 0 with size 4"),
        ((slice(None), 7), IndexError, "index 7 is out of bounds for dimension 1 with size 5"),
        (slice(None, None, -1), ValueError, "step must be greater than zero"),
        ((0, 0, 0), IndexError, "too many indices for tensor of dimension 2"),
        ([7], IndexError, "index 7 is out of bounds for dimension 0 with size 4"),
    ],
)
def test_getitem_errors(index, error, message):
    x = torch.tensor(X)
    with pytest.raises(error) as info:
        x[index]
    assert str(info.value) == message


# ---- x[idx] = value --------------------------------------------------------------------------------


def test_setitem_without_grad_writes_and_bumps_version():
    z = torch.zeros(3, 4)
    z[0, 1] = 5.0
    z[1:, ::2] = torch.ones(2)
    z[[2, 2]] = 7.0
    assert z.grad_fn is None and not z.requires_grad
    assert z._version == 3
    expected = np.zeros((3, 4), np.float32)
    expected[0, 1] = 5
    expected[1:, ::2] = 1
    expected[2] = 7
    np.testing.assert_array_equal(z.numpy(), expected)


def test_setitem_graphs_match_pytorch():
    y = torch.rand(3, requires_grad=True)
    z = torch.zeros(3)
    z[0] = y[1] * 2
    assert chain(z) == "torch::autograd::CopySlices(None:0, MulBackward0(SelectBackward0(ACC:0):0, None:0):0)"
    assert z._version == 1 and z.requires_grad and not z.is_leaf
    assert repr(z.grad_fn).startswith("<CopySlices object at ")
    assert "grad_fn=<CopySlices>" in repr(z)
    z = torch.zeros(3)
    z[1:] = y[:2]
    assert chain(z) == "torch::autograd::CopySlices(None:0, SliceBackward0(ACC:0):0)"
    z = torch.zeros(3, 4)
    z[1] = y.sum()
    assert chain(z) == "torch::autograd::CopySlices(None:0, SumBackward0(ACC:0):0)"
    z = torch.zeros(3, 4)
    z[[0, 2]] = y[0]
    assert chain(z) == "IndexPutBackward0(None:0, SelectBackward0(ACC:0):0)"
    z = torch.zeros(3, 4)
    z[z > 0] = y[0]
    assert chain(z) == "IndexPutBackward0(None:0, SelectBackward0(ACC:0):0)"
    w = y * 1
    w[0] = 3.0
    assert chain(w) == "torch::autograd::CopySlices(MulBackward0(ACC:0, None:0):0, None:0)"
    w = y * 1
    w[0] = y[2]
    assert chain(w) == "torch::autograd::CopySlices(MulBackward0(ACC:0, None:0):0, SelectBackward0(ACC:0):0)"
    w = y * 1
    w[[0, 1]] = y[2]
    assert chain(w) == "IndexPutBackward0(MulBackward0(ACC:0, None:0):0, SelectBackward0(ACC:0):0)"


def test_setitem_into_view_regenerates_the_view():
    a = torch.rand(3, 4, requires_grad=True)
    b = a * 1
    v = b[1:]
    v[0, 1] = 5.0
    assert chain(b) == "torch::autograd::CopySlices(MulBackward0(ACC:0, None:0):0, None:0)"
    assert chain(v) == "AsStridedBackward0(torch::autograd::CopySlices(MulBackward0(ACC:0, None:0):0, None:0):0)"
    assert b[1, 1].item() == 5.0


def test_setitem_into_leaf_that_requires_grad_raises():
    y = torch.rand(3, requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        y[0] = 1.0
    assert str(info.value) == "a view of a leaf Variable that requires grad is being used in an in-place operation."
    with torch.no_grad():
        y[0] = 1.0
    assert y[0].item() == 1.0 and y.is_leaf


def test_setitem_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    a0, b0 = rng.uniform(-1, 1, 4), rng.uniform(-1, 1, 3)

    def build(a, b):
        z = torch.zeros(3, 4, dtype=torch.float64)
        z[1] = a * 2
        z[:, 0] = b
        z[[0, 2], 1:3] = a[:2].unsqueeze(0) * b[0]
        w = a.unsqueeze(0) * b.unsqueeze(1)
        w[1:, ::2] = z[1:, 1:3].exp()
        return (z * z).sum() + (w * w.sin()).sum()

    a = torch.tensor(a0, requires_grad=True)
    b = torch.tensor(b0, requires_grad=True)
    build(a, b).backward()
    ga = numeric_grad(lambda x: float(build(torch.tensor(x), torch.tensor(b0))), a0)
    gb = numeric_grad(lambda x: float(build(torch.tensor(a0), torch.tensor(x))), b0)
    np.testing.assert_allclose(a.grad.numpy(), ga, atol=1e-6)
    np.testing.assert_allclose(b.grad.numpy(), gb, atol=1e-6)


def test_setitem_then_saved_tensor_use_raises_pytorch_message():
    a = torch.rand(3, requires_grad=True)
    b = a * 1
    c = b.sin()
    b[0] = 2.0
    with pytest.raises(RuntimeError) as info:
        c.sum().backward()
    assert str(info.value) == (
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        "[torch.FloatTensor [3]], which is output 0 of torch::autograd::CopySlices, is at version 1; expected "
        "version 0 instead. Hint: enable anomaly detection to find the operation that failed to compute its "
        "gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False)."
    )


# ---- index_select / gather / scatter / masked ops ------------------------------------------------------


def test_index_select_gather_scatter_values_and_nodes():
    x0 = np.arange(12.0).reshape(3, 4)
    x = torch.tensor(x0, requires_grad=True)
    idx = torch.tensor([2, 0, 2])
    y = torch.index_select(x, 1, idx)
    np.testing.assert_array_equal(y.detach().numpy(), x0[:, [2, 0, 2]])
    assert chain(y) == "IndexSelectBackward0(ACC:0)"
    gi = np.array([[0, 3], [1, 1], [2, 0]])
    g = x.gather(1, torch.tensor(gi))
    np.testing.assert_array_equal(g.detach().numpy(), np.take_along_axis(x0, gi, 1))
    assert chain(g) == "GatherBackward0(ACC:0)"
    s = x.scatter(1, torch.tensor([[0], [1], [2]]), 1.5)
    assert chain(s) == "ScatterBackward1(ACC:0)"
    expected = x0.copy()
    expected[[0, 1, 2], [0, 1, 2]] = 1.5
    np.testing.assert_array_equal(s.detach().numpy(), expected)
    src = torch.tensor(np.full((3, 1), -1.0), requires_grad=True)
    s = x.scatter(1, torch.tensor([[0], [1], [2]]), src)
    assert chain(s) == "ScatterBackward0(ACC:0, ACC:0)"
    s.sum().backward()
    np.testing.assert_array_equal(src.grad.numpy(), np.ones((3, 1)))
    expected_x_grad = np.ones((3, 4))
    expected_x_grad[[0, 1, 2], [0, 1, 2]] = 0
    np.testing.assert_array_equal(x.grad.numpy(), expected_x_grad)


def test_masked_fill_nodes_and_gradients():
    x0 = np.array([[0.2, 0.9], [0.7, 0.1]])
    x = torch.tensor(x0, requires_grad=True)
    m = x > 0.5
    y = x.masked_fill(m, 0.0)
    assert chain(y) == "MaskedFillBackward0(ACC:0)"
    np.testing.assert_array_equal(y.detach().numpy(), np.where(x0 > 0.5, 0.0, x0))
    v = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    y2 = x.masked_fill(m, v)
    assert chain(y2) == "MaskedFillBackward1(ACC:0, ACC:0)"
    (y2 * torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64)).sum().backward()
    assert v.grad.item() == 5.0  # 2 + 3 at the masked positions
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0, 0.0], [0.0, 4.0]])
    assert chain(torch.masked_select(x, m)) == "MaskedSelectBackward0(ACC:0)"


def test_masked_fill_in_place():
    x = torch.tensor([1.0, 2.0, 3.0])
    x.masked_fill_(x > 1.5, -1.0)
    np.testing.assert_array_equal(x.numpy(), [1.0, -1.0, -1.0])
    assert x._version == 1
