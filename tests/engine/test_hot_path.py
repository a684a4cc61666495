"""The engine's fast paths give exactly what the general paths give, and keep graphs cheap for the GC.

- ``BackwardRun._drain_plain`` (``backward()`` without ``inputs=``/``create_graph``) runs nodes in the
  same order and produces bit-identical ``.grad`` values as stepping the run node by node.
- ``Op.vjp_arrays`` (Mul, Div on numpy arrays) matches ``vjp`` (engine ops) bit for bit, and falls
  back to it for mixed dtypes, broadcasting and tensors modified in place.
- Version counters made on first use still catch in-place modification of saved tensors.
- A chain node leaves a bounded number of GC-tracked objects alive (each one costs every full
  collection while the graph lives).
"""

from __future__ import annotations

import collections
import gc

import numpy as np
import pytest

import engine as torch
from engine.autograd import iter_backward


def _program(x, y, w):
    """Mul/Div with broadcasting, a 0-d operand, Python numbers, reuse (x * x) and a sum."""
    a = (x / y) * w + x * x
    b = a / 3.0 - a * 0.5
    c = (b * y).sum(0) / (w.sum() + 2)
    return (c * c).sum() + (x / 2).mean()


def _leaves(dtype=np.float64, y_dtype=None):
    rng = np.random.default_rng(7)
    x = torch.tensor(rng.uniform(0.5, 1.5, (3, 4)).astype(dtype), requires_grad=True)
    y = torch.tensor(rng.uniform(0.5, 1.5, (4,)).astype(y_dtype or dtype), requires_grad=True)
    w = torch.tensor(np.asarray(rng.uniform(0.5, 1.5), dtype=dtype), requires_grad=True)
    return x, y, w


@pytest.mark.parametrize("dtypes", [(np.float64, None), (np.float32, None), (np.float32, np.float64)])
def test_plain_backward_matches_stepped_backward_bit_for_bit(dtypes):
    x, y, w = _leaves(*dtypes)
    _program(x, y, w).backward()  # run_all -> _drain_plain (+ vjp_arrays where dtypes agree)
    fast = [t.grad._data.copy() for t in (x, y, w)]

    x2, y2, w2 = _leaves(*dtypes)
    run = iter_backward(_program(x2, y2, w2))
    steps = list(run)  # one node per next(): the general _run, rules through vjp
    assert len(steps) == len(run.done)
    for got, t in zip(fast, (x2, y2, w2)):
        assert got.dtype == t.grad._data.dtype
        np.testing.assert_array_equal(got, t.grad._data)

    # The same order: run_all on a third copy drains through the plain loop and records run.done.
    x3, y3, w3 = _leaves(*dtypes)
    drained = iter_backward(_program(x3, y3, w3))
    drained.run_all()
    assert [n.name() for n in drained.done] == [s.node.name() for s in steps]
    assert drained.index == len(steps)


def test_backward_into_grad_equals_autograd_grad():
    # autograd.grad has inputs=, so it takes the general path with vjp; backward() the fast one.
    x, y, w = _leaves()
    gx, gy, gw = torch.autograd.grad(_program(x, y, w), (x, y, w))
    _program(x, y, w).backward()
    for g, t in zip((gx, gy, gw), (x, y, w)):
        np.testing.assert_array_equal(g._data, t.grad._data)


def test_fast_rules_match_finite_differences():
    x, y, w = _leaves()
    _program(x, y, w).backward()
    base = (x._data.copy(), y._data.copy(), w._data.copy())
    for i, leaf in enumerate((x, y, w)):
        numeric = np.zeros_like(base[i])
        for idx in np.ndindex(base[i].shape):
            vals = []
            for eps in (1e-6, -1e-6):
                arrays = [b.copy() for b in base]
                arrays[i][idx] += eps
                with torch.no_grad():
                    vals.append(_program(*(torch.tensor(a) for a in arrays)).item())
            numeric[idx] = (vals[0] - vals[1]) / 2e-6
        np.testing.assert_allclose(leaf.grad._data, numeric, rtol=1e-6, atol=1e-8)


def test_mul_vjp_arrays_equals_vjp_and_falls_back_on_mixed_dtypes():
    a = torch.tensor(np.linspace(0.5, 2, 6, dtype=np.float32).reshape(2, 3), requires_grad=True)
    b = torch.tensor(np.linspace(1, 3, 3, dtype=np.float32), requires_grad=True)
    node = (a * b).grad_fn
    g = np.full((2, 3), 0.7, np.float32)
    fast = node.vjp_arrays(g)
    with torch.no_grad():
        slow = node.vjp(torch.tensor(g))
    for f, s in zip(fast, slow):
        assert f._data.dtype == s._data.dtype and f._data.shape == s._data.shape
        np.testing.assert_array_equal(f._data, s._data)
    # float32 * float64 0-d: PyTorch's promotion is not numpy's, so the array rule declines.
    c = torch.tensor(np.float64(2.0), requires_grad=True)
    assert (a * c).grad_fn.vjp_arrays(g) is None


def test_div_vjp_arrays_equals_vjp():
    a = torch.tensor(np.linspace(0.5, 2, 6).reshape(2, 3), requires_grad=True)
    b = torch.tensor(np.linspace(1, 3, 3).reshape(1, 3), requires_grad=True)
    node = (a / b).grad_fn
    g = np.linspace(-1, 1, 6).reshape(2, 3)
    fast = node.vjp_arrays(g)
    with torch.no_grad():
        slow = node.vjp(torch.tensor(g))
    assert fast[1]._data.shape == (1, 3)  # broadcasting undone by sum_to, as in vjp
    for f, s in zip(fast, slow):
        np.testing.assert_array_equal(f._data, s._data)


def test_saved_tensor_modified_in_place_still_raises_on_the_fast_path():
    a = torch.ones(3, requires_grad=True)
    b = a * 1  # no version counter list yet: version 0
    c = b * b  # saves b at version 0
    b.mul_(2)  # makes the list and bumps it to 1
    assert b._version == 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        c.sum().backward()


def test_unread_saved_input_may_change_with_a_number_operand():
    # b * 3: the number needs no gradient, so b (read only by the number's gradient) is not checked.
    a = torch.ones(3, requires_grad=True)
    b = a * 1
    c = b * 3
    b.mul_(2)
    c.sum().backward()
    np.testing.assert_array_equal(a.grad._data, np.full(3, 3.0, np.float32))


def test_version_counter_is_shared_with_views_and_detach_when_made_late():
    t = torch.zeros(4)
    v = t[1:]
    d = t.detach()
    assert t._version == v._version == d._version == 0
    t.add_(1)
    assert (t._version, v._version, d._version) == (1, 1, 1)


def _tracked_objects_per_op(step) -> float:
    x = torch.ones(4, requires_grad=True)

    def build(n):
        y = x
        for _ in range(n):
            y = step(y)
        return y

    build(10)
    gc.collect()
    before = {id(o) for o in gc.get_objects()}
    y = build(1000)
    gc.collect()
    new = [o for o in gc.get_objects() if id(o) not in before]
    kinds = collections.Counter(type(o).__name__ for o in new)
    del y, new
    return sum(kinds.values()) / 1000, kinds


@pytest.mark.parametrize(
    "step, most",
    [
        # node, next_functions, one edge (the number has none)
        (lambda y: y + 0.0001, 3),
        # node, next_functions, one edge, saved tuple, the saved input y and the wrapped number
        (lambda y: y * 1.0001, 6),
    ],
    ids=["add-number", "mul-number"],
)
def test_a_chain_node_keeps_few_gc_tracked_objects(step, most):
    # Each long-lived tracked object is walked by every full collection while the graph lives:
    # about 3 us per op in a 20,000-op chain. Version counters, unread-save markers and _in_meta
    # tuples are therefore not per-node objects.
    per_op, kinds = _tracked_objects_per_op(step)
    assert per_op <= most + 0.05, kinds
