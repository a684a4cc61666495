"""Registry-driven gradient tests: every registered op, every sample, in float64.

For each ``(op, sample)``:
  1. reverse mode: the vjp Jacobian matches central finite differences;
  2. forward mode: the jvp Jacobian matches central finite differences;
  3. the two modes agree: <u, J v> == <Jᵀ u, v> for random u, v;
  4. (ops with ``smooth = True``) second order: differentiating the first-order vjp (built with
     ``create_graph=True``) matches finite differences of that vjp.
Ops with no samples must be on ``NO_SAMPLES`` with the reason. The last tests check that the
checks can fail: deliberately wrong rules must be caught.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import engine
from engine._op import Op
from engine._tensor import _make
from engine.autograd import forward_ad as fwAD
from engine.autograd.gradcheck import analytical_jacobian, forward_jacobian, numerical_jacobian

# Modules outside engine.ops may define ops too; import them so the registry is complete.
for _mod in ("engine.nn", "engine.nn.functional"):
    try:
        importlib.import_module(_mod)
    except ImportError:
        pass

ATOL, RTOL = 1e-5, 1e-3

# Registered ops deliberately without samples, with the reason.
NO_SAMPLES = {
    "NotImplemented": "floor_divide has no derivative in PyTorch: backward raises",
    "ToCopyBackward0": "a dtype conversion; in float64 the only sample is float64 -> float64, the identity",
    "CopyBackwards": "made only by the backward pass itself (the create_graph .grad copy), not by a user call",
}


class _BrokenSamples:
    """Stands in for a sample when an op's samples() raises, so that op's tests fail (not collection)."""

    def __init__(self, error: Exception) -> None:
        self.error = error


def _samples(cls) -> list:
    try:
        return list(cls.samples())
    except Exception as error:  # reported by the tests of that op
        return [_BrokenSamples(error)]


def _cases() -> list:
    cases = []
    for key, cls in sorted(Op.registry.items()):
        for i, sample in enumerate(_samples(cls)):
            cases.append(pytest.param(cls, sample, id=f"{cls.node_name}[{key.rsplit('.', 1)[-1]}]-{i}"))
    return cases


CASES = _cases()


def _tensors(arrays) -> list:
    """Fresh float64 leaves requiring grad for one sample (copies: the checks perturb them in place)."""
    return [_make(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]


def _op_func(cls, params: dict):
    """The op as a function of its tensor inputs, returning its differentiable outputs."""

    def run(*tensors):
        out = cls.apply(*tensors, **dict(params))
        if cls.num_outputs == 1:
            return (out,)
        return tuple(o for i, o in enumerate(out) if i not in cls.nondiff_outputs)

    return run


def _assert_jacobians_close(expected: list, actual: list, what: str) -> None:
    assert len(expected) == len(actual), f"{what}: number of outputs differs"
    for oi, (e_row, a_row) in enumerate(zip(expected, actual)):
        for k, (e, a) in enumerate(zip(e_row, a_row)):
            assert e.shape == a.shape, f"{what}: shape mismatch for output {oi}, input {k}"
            if not np.allclose(a, e, rtol=RTOL, atol=ATOL):
                raise AssertionError(
                    f"{what} mismatch for output {oi} with respect to input {k}\n"
                    f"finite differences:\n{e}\nrule:\n{a}"
                )


def _unpack(cls, sample):
    if isinstance(sample, _BrokenSamples):
        raise AssertionError(f"{cls.__module__}.{cls.__qualname__}.samples() raised {sample.error!r}")
    return sample


def check_reverse(cls, sample) -> None:
    arrays, params = _unpack(cls, sample)
    func = _op_func(cls, params)
    numerical = numerical_jacobian(func, tuple(_tensors(arrays)))
    analytical = analytical_jacobian(func, tuple(_tensors(arrays)))
    _assert_jacobians_close(numerical, analytical, f"{cls.node_name} vjp")


def check_forward(cls, sample) -> None:
    arrays, params = _unpack(cls, sample)
    func = _op_func(cls, params)
    numerical = numerical_jacobian(func, tuple(_tensors(arrays)))
    forward = forward_jacobian(func, tuple(_tensors(arrays)))
    _assert_jacobians_close(numerical, forward, f"{cls.node_name} jvp")


def check_transpose_identity(cls, sample) -> None:
    """<u, J v> computed by forward mode equals <Jᵀ u, v> computed by reverse mode."""
    arrays, params = _unpack(cls, sample)
    func = _op_func(cls, params)
    rng = np.random.default_rng(1234)
    vs = [rng.standard_normal(np.shape(a)) for a in arrays]
    with fwAD.dual_level():
        duals = [fwAD.make_dual(_make(np.array(a, dtype=np.float64)), _make(v)) for a, v in zip(arrays, vs)]
        outs = func(*duals)
        jv = [fwAD.unpack_dual(o).tangent for o in outs]
    inputs = _tensors(arrays)
    outs = func(*inputs)
    us = [rng.standard_normal(o._data.shape) for o in outs]
    u_jv = sum(float(np.sum(u * (t._data if t is not None else 0.0))) for u, t in zip(us, jv))
    grads = engine.autograd.grad(list(outs), inputs, [_make(u) for u in us], allow_unused=True)
    jtu_v = sum(float(np.sum(g._data * v)) for g, v in zip(grads, vs) if g is not None)
    assert np.isclose(u_jv, jtu_v, rtol=1e-9, atol=1e-10), f"{cls.node_name}: <u, Jv> = {u_jv} but <Jᵀu, v> = {jtu_v}"


def check_second_order(cls, sample) -> None:
    """Differentiate x -> Jᵀ(x) u (built with create_graph=True) and compare with finite differences of it."""
    arrays, params = _unpack(cls, sample)
    func = _op_func(cls, params)
    rng = np.random.default_rng(99)
    probe_outs = func(*_tensors(arrays))
    us = [_make(rng.standard_normal(o._data.shape)) for o in probe_outs]

    def first_order(*xs):
        outs = func(*xs)
        grads = engine.autograd.grad(list(outs), list(xs), us, create_graph=True, allow_unused=True)
        # Unused inputs get an explicit zero so every call returns the same outputs.
        return tuple(g if g is not None else x * 0 for g, x in zip(grads, xs))

    numerical = numerical_jacobian(first_order, tuple(_tensors(arrays)))
    analytical = analytical_jacobian(first_order, tuple(_tensors(arrays)))
    _assert_jacobians_close(numerical, analytical, f"{cls.node_name} second-order (vjp of vjp)")


# ---- the registry-wide tests ------------------------------------------------------------------------


def test_every_registered_op_has_samples_or_a_reason():
    missing = sorted(
        f"{key} ({cls.node_name})"
        for key, cls in Op.registry.items()
        if not _samples(cls) and cls.node_name not in NO_SAMPLES
    )
    assert not missing, "ops without samples (add samples() or list them in NO_SAMPLES): " + ", ".join(missing)


def test_registry_is_not_empty():
    assert len(CASES) > 50


@pytest.mark.parametrize("cls, sample", CASES)
def test_vjp_matches_finite_differences(cls, sample):
    check_reverse(cls, sample)


@pytest.mark.parametrize("cls, sample", CASES)
def test_jvp_matches_finite_differences(cls, sample):
    check_forward(cls, sample)


@pytest.mark.parametrize("cls, sample", CASES)
def test_forward_and_reverse_modes_agree(cls, sample):
    check_transpose_identity(cls, sample)


@pytest.mark.parametrize("cls, sample", [c for c in CASES if c.values[0].smooth])
def test_second_order_matches_finite_differences(cls, sample):
    check_second_order(cls, sample)


# ---- the checks can fail ----------------------------------------------------------------------------


def _unregistered(cls):
    """Remove a test-only op subclass from the registry again (defining it registered it)."""
    Op.registry.pop(f"{cls.__module__}.{cls.__qualname__}", None)
    return cls


def _bad_sin_classes():
    from engine.ops.unary import Sin

    class WrongVjpSin(Sin):
        node_name = "WrongVjpSinBackward0"

        def vjp(self, grad):
            (x,) = self.saved
            return (grad * x.sin(),)  # should be cos

    class WrongJvpSin(Sin):
        node_name = "WrongJvpSinBackward0"

        def jvp(self, tangents):
            return tangents[0] * self.fw_inputs[0].sin()

    class DetachedVjpSin(Sin):
        """Right first derivative, but the rule is not differentiable (cos(x) detached)."""

        node_name = "DetachedVjpSinBackward0"

        def vjp(self, grad):
            (x,) = self.saved
            return (grad * x.detach().cos(),)

    return [_unregistered(c) for c in (WrongVjpSin, WrongJvpSin, DetachedVjpSin)]


def test_wrong_reverse_rule_is_caught():
    wrong_vjp, wrong_jvp, detached = _bad_sin_classes()
    sample = wrong_vjp.samples()[0]
    with pytest.raises(AssertionError, match="WrongVjpSinBackward0 vjp mismatch"):
        check_reverse(wrong_vjp, sample)
    with pytest.raises(AssertionError, match="<u, Jv>"):
        check_transpose_identity(wrong_vjp, sample)
    check_forward(wrong_vjp, sample)  # its jvp is still right


def test_wrong_forward_rule_is_caught():
    _, wrong_jvp, _ = _bad_sin_classes()
    sample = wrong_jvp.samples()[0]
    with pytest.raises(AssertionError, match="WrongJvpSinBackward0 jvp mismatch"):
        check_forward(wrong_jvp, sample)
    check_reverse(wrong_jvp, sample)


def test_non_differentiable_rule_is_caught_by_second_order_check():
    _, _, detached = _bad_sin_classes()
    sample = detached.samples()[0]
    check_reverse(detached, sample)  # first order is right
    with pytest.raises(AssertionError, match="second-order"):
        check_second_order(detached, sample)


def test_bad_op_classes_do_not_stay_in_the_registry():
    before = set(Op.registry)
    _bad_sin_classes()
    assert set(Op.registry) == before
