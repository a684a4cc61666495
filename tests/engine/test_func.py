"""engine.func against PyTorch 2.13's torch.func: grad, grad_and_value, vjp, jvp, jacrev, jacfwd,
hessian, vmap and functional_call on fixed float64 functions (tests/fixtures/optim_cases.json)."""

from __future__ import annotations

import numpy as np
import pytest
from optim_fixture import BUILDERS, CASES

import engine
from engine import func as F

FUNC = CASES["func"]
THUNKS = dict(BUILDERS.func_cases(engine))


def _assert_same(mine, expected, where="result"):
    """Compare a described result: same structure, dtypes and shapes; values to 1e-10."""
    if isinstance(expected, dict) and "tensor" in expected:
        assert isinstance(mine, dict) and "tensor" in mine, where
        assert (mine["tensor"], mine["shape"]) == (expected["tensor"], expected["shape"]), where
        np.testing.assert_allclose(np.asarray(mine["values"], dtype=float), np.asarray(expected["values"]),
                                   rtol=1e-10, atol=1e-12, err_msg=where)
        return
    assert isinstance(mine, dict) and mine.keys() == expected.keys(), where
    (kind,) = expected
    if kind == "dict":
        assert mine[kind].keys() == expected[kind].keys(), where
        for key in expected[kind]:
            _assert_same(mine[kind][key], expected[kind][key], f"{where}[{key!r}]")
    else:
        assert len(mine[kind]) == len(expected[kind]), where
        for i, (m, e) in enumerate(zip(mine[kind], expected[kind])):
            _assert_same(m, e, f"{where}[{i}]")


@pytest.mark.parametrize("label", list(THUNKS))
def test_transform_matches_pytorch(label):
    result = THUNKS[label]()
    _assert_same(BUILDERS.describe(result), FUNC[label], label)
    leaves = [result] if isinstance(result, engine.Tensor) else []
    for leaf in leaves:
        assert not leaf.requires_grad  # the outermost transform returns plain tensors, like PyTorch


def test_errors_match_pytorch():
    assert BUILDERS._errors(engine, BUILDERS.func_errors(engine)) == FUNC["errors"]


def test_functional_call_leaves_the_module_unchanged():
    lin, params = BUILDERS._linear_model(engine)
    before = lin.weight._data.copy()
    F.functional_call(lin, params, (engine.ones(1, 3, dtype=engine.float64),))
    np.testing.assert_array_equal(lin.weight._data, before)
    assert isinstance(lin.weight, engine.nn.Parameter)


def test_functional_call_strict_reports_missing_keys():
    lin, params = BUILDERS._linear_model(engine)
    with pytest.raises(RuntimeError, match="Missing key\\(s\\): 'bias'"):
        F.functional_call(lin, {"weight": params["weight"]}, (engine.ones(1, 3, dtype=engine.float64),), strict=True)


def test_results_stay_differentiable_when_inputs_require_grad():
    x = engine.tensor([0.5, 1.5], dtype=engine.float64, requires_grad=True)
    g = F.grad(lambda t: (t**3).sum())(x)  # 3 t²
    assert g.requires_grad
    g.sum().backward()
    np.testing.assert_allclose(x.grad._data, 6 * x._data)  # d/dt Σ 3t² = 6t


def test_hessian_agrees_with_autograd_functional():
    x = engine.tensor([0.3, -1.2, 2.0], dtype=engine.float64)
    expected = engine.autograd.functional.hessian(BUILDERS._scalar_f, x)
    np.testing.assert_allclose(F.hessian(BUILDERS._scalar_f)(x)._data, expected._data, rtol=1e-12)


def test_vmap_matches_a_python_loop():
    x, a, b, batch = BUILDERS.func_inputs(engine)
    mapped = F.vmap(BUILDERS._vector_f)(batch)
    looped = np.stack([BUILDERS._vector_f(row)._data for row in batch])
    np.testing.assert_array_equal(mapped._data, looped)


def test_jvp_on_inputs_that_require_grad_uses_double_backward_and_agrees():
    x = engine.tensor([0.3, -1.2, 2.0], dtype=engine.float64)
    v = engine.tensor([1.0, 0.5, -2.0], dtype=engine.float64)
    plain = F.jvp(BUILDERS._vector_f, (x,), (v,))[1]
    tracked = F.jvp(BUILDERS._vector_f, (x.clone().requires_grad_(True),), (v,))[1]
    np.testing.assert_allclose(tracked._data, plain._data, rtol=1e-12)
    assert tracked.requires_grad  # still connected to the input, as PyTorch's would be


def test_reverse_over_forward_hessian_matches():
    x = engine.tensor([0.3, -1.2, 2.0], dtype=engine.float64)
    expected = F.hessian(BUILDERS._scalar_f)(x)
    np.testing.assert_allclose(F.jacrev(F.jacfwd(BUILDERS._scalar_f))(x)._data, expected._data, rtol=1e-12)


def test_vjp_with_aux_and_a_tuple_of_outputs():
    x = engine.tensor([0.3, -1.2], dtype=engine.float64)
    (s, sq), fn, aux = F.vjp(lambda t: ((t.sum(), t * t), t.mean()), x, has_aux=True)
    (g,) = fn((engine.tensor(1.0, dtype=engine.float64), engine.ones(2, dtype=engine.float64)))
    np.testing.assert_allclose(g._data, 1 + 2 * x._data)
    assert aux.item() == pytest.approx(-0.45) and not aux.requires_grad


def test_grad_over_a_tuple_pytree():
    a, b = engine.tensor(2.0, dtype=engine.float64), engine.tensor(3.0, dtype=engine.float64)
    ga, gb = F.grad(lambda pair: pair[0] ** 2 * pair[1])((a, b))
    assert (ga.item(), gb.item()) == (12.0, 4.0)
