"""Joining/splitting ops (cat, stack, split, chunk, unbind, repeat, flip, narrow, movedim, tril/triu).

Node names and next_functions were checked against PyTorch 2.13 and are written as literals.
"""

from __future__ import annotations

import numpy as np
import pytest

import engine as torch
from tests.engine.graph_helpers import chain, numeric_grad

X = np.arange(20, dtype=np.float32).reshape(4, 5)


def test_cat_and_stack_values_and_nodes():
    x = torch.tensor(X, requires_grad=True)
    y = torch.cat([x, x * 2])
    np.testing.assert_array_equal(y.detach().numpy(), np.concatenate([X, X * 2]))
    assert chain(y) == "CatBackward0(ACC:0, MulBackward0(ACC:0, None:0):0)"
    assert chain(torch.concat([x, x], dim=1)) == "CatBackward0(ACC:0, ACC:0)"
    s = torch.stack([x, x], 2)
    np.testing.assert_array_equal(s.detach().numpy(), np.stack([X, X], 2))
    assert chain(s) == "StackBackward0(ACC:0, ACC:0)"


def test_cat_promotes_dtypes_like_pytorch():
    a = torch.zeros(2, 3)
    assert torch.cat([a, torch.zeros(1, 3, dtype=torch.float64)]).dtype == torch.float64
    assert torch.cat([a, torch.zeros(1, 3, dtype=torch.int64)]).dtype == torch.float32


def test_cat_stack_errors():
    x = torch.tensor(X)
    with pytest.raises(RuntimeError) as info:
        torch.cat([x, torch.rand(3, 4)])
    assert str(info.value) == (
        "Sizes of tensors must match except in dimension 0. Expected size 5 but got size 4 for tensor number 1 in the list."
    )
    with pytest.raises(RuntimeError) as info:
        torch.stack([x, torch.rand(3, 4)])
    assert str(info.value) == "stack expects each tensor to be equal size, but got [4, 5] at entry 0 and [3, 4] at entry 1"
    with pytest.raises(ValueError) as info:
        torch.cat([])
    assert str(info.value) == "torch.cat(): expected a non-empty list of Tensors"


def test_split_chunk_unbind_are_multi_output_views():
    x = torch.tensor(X, requires_grad=True)
    parts = torch.split(x, 2)
    assert [chain(p) for p in parts] == ["SplitBackward0(ACC:0)"] * 2
    assert [p.output_nr for p in parts] == [0, 1]
    assert parts[0].grad_fn is parts[1].grad_fn
    assert all(p._base is x for p in parts)
    parts = x.split([1, 2, 2], dim=1)
    assert [p.grad_fn.name() for p in parts] == ["SplitWithSizesBackward0"] * 3
    assert [p.shape for p in parts] == [torch.Size([4, 1]), torch.Size([4, 2]), torch.Size([4, 2])]
    chunks = torch.chunk(x, 3, dim=1)
    assert [tuple(c.shape) for c in chunks] == [(4, 2), (4, 2), (4, 1)]
    assert chain(chunks[0]) == "SplitBackward0(ACC:0)"
    assert [tuple(c.shape) for c in torch.chunk(torch.rand(6), 4)] == [(2,), (2,), (2,)]
    rows = x.unbind()
    assert chain(rows[0]) == "UnbindBackward0(ACC:0)"
    assert [r.output_nr for r in rows] == [0, 1, 2, 3]
    assert rows[2]._base is x
    np.testing.assert_array_equal(rows[2].detach().numpy(), X[2])


def test_split_gradient_fills_unused_pieces_with_zeros():
    x = torch.tensor(np.arange(5.0), requires_grad=True)
    a, b, c = torch.split(x, 2)
    (b * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 0, 3, 3, 0])


def test_split_with_sizes_error():
    with pytest.raises(RuntimeError) as info:
        torch.split(torch.tensor(X), [1, 2])
    assert str(info.value) == (
        "split_with_sizes expects split_sizes to sum exactly to 4 (input tensor's size at dimension 0), but got "
        "split_sizes=[1, 2]"
    )


def test_other_shape_ops_nodes_and_values():
    x = torch.tensor(X, requires_grad=True)
    r = x.repeat(2, 1, 3)
    assert chain(r) == "RepeatBackward0(ACC:0)"
    np.testing.assert_array_equal(r.detach().numpy(), np.tile(X, (2, 1, 3)))
    f = x.flip(0, 1)
    assert chain(f) == "FlipBackward0(ACC:0)"
    np.testing.assert_array_equal(f.detach().numpy(), X[::-1, ::-1])
    n = x.narrow(1, 1, 2)
    assert chain(n) == "SliceBackward0(ACC:0)" and n._base is x
    np.testing.assert_array_equal(n.detach().numpy(), X[:, 1:3])
    m = torch.rand(2, 3, 4).movedim(0, -1)
    assert m.shape == torch.Size([3, 4, 2])
    assert chain(x.movedim(0, 1)) == "PermuteBackward0(ACC:0)"
    assert chain(torch.tril(x, -1)) == "TrilBackward0(ACC:0)"
    assert chain(x.triu(1)) == "TriuBackward0(ACC:0)"
    np.testing.assert_array_equal(torch.tril(x, -1).detach().numpy(), np.tril(X, -1))


def test_joining_gradients_match_finite_differences():
    rng = np.random.default_rng(2)
    a0, b0 = rng.uniform(0.1, 1, (2, 3)), rng.uniform(0.1, 1, (2, 3))

    def build(a, b):
        p = torch.cat([a, b * a], 1)
        q = torch.stack([a, b.exp()], 0)
        s1, s2 = torch.split(p, [2, 4], 1)
        c = torch.chunk(q, 2, 2)
        total = (s2 ** 2).sum() + (c[1] * b[:, 1:]).sum() + q.repeat(1, 2, 1).sin().sum()
        total = total + q.flip(2)[1, 0, 0] * 3 + torch.triu(p).pow(2).sum() + (b.unbind(1)[2] * a[:, 0]).sum()
        return total + a.movedim(1, 0).narrow(0, 1, 2).cos().sum()

    a = torch.tensor(a0, requires_grad=True)
    b = torch.tensor(b0, requires_grad=True)
    build(a, b).backward()
    ga = numeric_grad(lambda x: float(build(torch.tensor(x), torch.tensor(b0))), a0)
    gb = numeric_grad(lambda x: float(build(torch.tensor(a0), torch.tensor(x))), b0)
    np.testing.assert_allclose(a.grad.numpy(), ga, atol=1e-6)
    np.testing.assert_allclose(b.grad.numpy(), gb, atol=1e-6)


def test_expand_error_names_the_first_mismatching_dim():
    with pytest.raises(RuntimeError) as info:
        torch.ones(2, 3).expand(3, 3)
    assert str(info.value) == (
        "The expanded size of the tensor (3) must match the existing size (2) at non-singleton dimension 0.  "
        "Target sizes: [3, 3].  Tensor sizes: [2, 3]"
    )
