"""gradcheck / gradgradcheck: compare analytical gradients with central finite differences.

Semantics follow PyTorch's (slow mode): for every output and every differentiable input, the
Jacobian is laid out with one row per input element and one column per output element; the
analytical one comes from one ``autograd.grad`` call per output element (reverse mode) or one
forward-mode tangent per input element; both are compared with ``allclose(analytical, numerical,
rtol, atol)``. A mismatch raises :class:`GradcheckError` with PyTorch's message, or returns False
when ``raise_exception=False``.

The finite-difference helpers (:func:`numerical_jacobian`, :func:`analytical_jacobian`) are public
so the registry-driven gradient tests can reuse them.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from .._tensor import Tensor, _make
from . import forward_ad as fwAD
from . import grad as autograd_grad


class GradcheckError(RuntimeError):
    """Raised by gradcheck and gradgradcheck when a check fails."""


def _as_tuple(x) -> tuple:
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _diff_inputs(inputs: tuple) -> list:
    """Indices of the tensor inputs that require grad (the ones the Jacobians are taken against)."""
    return [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]


def _float_outputs(outputs: tuple) -> list:
    return [o for o in outputs if isinstance(o, Tensor) and o._data.dtype.kind == "f"]


def _call(func: Callable, inputs: tuple) -> tuple:
    return _as_tuple(func(*inputs))


def numerical_jacobian(func: Callable, inputs: tuple, eps: float = 1e-6) -> list:
    """Central differences: ``jac[o][k]`` is (numel of diff input k) x (numel of output o), float64.

    The inputs are perturbed in place (and restored), element by element.
    """
    inputs = _as_tuple(inputs)
    diff = _diff_inputs(inputs)
    # Grad mode stays on: gradgradcheck's func runs a backward pass itself.
    outs = _float_outputs(_call(func, inputs))
    jac = [[np.zeros((inputs[i]._data.size, o._data.size)) for i in diff] for o in outs]
    for k, i in enumerate(diff):
        data = inputs[i]._data  # written in place, so the input itself is perturbed
        for j, idx in enumerate(np.ndindex(data.shape)):  # C order, like reshape(-1)
            orig = data[idx].copy()
            data[idx] = orig + eps
            plus = [o._data.astype(np.float64) for o in _float_outputs(_call(func, inputs))]
            data[idx] = orig - eps
            minus = [o._data.astype(np.float64) for o in _float_outputs(_call(func, inputs))]
            data[idx] = orig
            for oi, (p, m) in enumerate(zip(plus, minus)):
                jac[oi][k][j] = ((p - m) / (2 * eps)).reshape(-1)
    return jac


def analytical_jacobian(func: Callable, inputs: tuple) -> list:
    """Reverse mode: one ``autograd.grad`` per output element; same layout as :func:`numerical_jacobian`."""
    inputs = _as_tuple(inputs)
    diff = _diff_inputs(inputs)
    diff_tensors = [inputs[i] for i in diff]
    outs = _float_outputs(_call(func, inputs))
    jac = [[np.zeros((inputs[i]._data.size, o._data.size)) for i in diff] for o in outs]
    for oi, out in enumerate(outs):
        if not out.requires_grad:
            continue  # an output that does not depend on any input: its Jacobian is zero
        for j in range(out._data.size):
            seed = np.zeros(out._data.size, dtype=out._data.dtype)
            seed[j] = 1
            grads = autograd_grad(
                out, diff_tensors, _make(seed.reshape(out._data.shape)), retain_graph=True, allow_unused=True
            )
            for k, g in enumerate(grads):
                if g is None:
                    continue
                if g._data.shape != diff_tensors[k]._data.shape:
                    raise GradcheckError("Analytical gradient has incorrect size")
                jac[oi][k][:, j] = g._data.reshape(-1)
    return jac


def forward_jacobian(func: Callable, inputs: tuple) -> list:
    """Forward mode: one dual-number pass per input element; same layout as :func:`numerical_jacobian`."""
    inputs = _as_tuple(inputs)
    diff = _diff_inputs(inputs)
    sizes = None
    jac: list = []
    for k, i in enumerate(diff):
        n = inputs[i]._data.size
        for j in range(n):
            with fwAD.dual_level():
                args = list(inputs)
                for kk, ii in enumerate(diff):
                    tangent = np.zeros(inputs[ii]._data.shape, dtype=inputs[ii]._data.dtype)
                    if kk == k:
                        tangent.reshape(-1)[j] = 1
                    args[ii] = fwAD.make_dual(inputs[ii].detach(), _make(tangent))
                outs = _float_outputs(_call(func, tuple(args)))
                if sizes is None:
                    sizes = [o._data.size for o in outs]
                    jac = [[np.zeros((inputs[ii]._data.size, s)) for ii in diff] for s in sizes]
                for oi, o in enumerate(outs):
                    tan = fwAD.unpack_dual(o).tangent
                    if tan is not None:
                        jac[oi][k][j] = tan._data.astype(np.float64).reshape(-1)
    return jac


def _mismatch(output_idx: int, input_idx: int, numerical: np.ndarray, analytical: np.ndarray, forward: bool) -> str:
    mode = "computed with forward mode " if forward else ""
    return (
        f"Jacobian {mode}mismatch for output {output_idx:d} with respect to input {input_idx:d},\n"
        f"numerical:{_make(numerical)}\nanalytical:{_make(analytical)}\n"
    )


def _check_inputs(inputs: tuple) -> None:
    any_grad = False
    for idx, t in enumerate(inputs):
        if isinstance(t, Tensor) and t.requires_grad:
            if t._data.dtype != np.float64:
                warnings.warn(
                    f"Input #{idx} requires gradient and is not a double precision floating point or complex. "
                    "This check will likely fail if all the inputs are not of double precision floating point "
                    "or complex. ",
                    stacklevel=3,
                )
            any_grad = True
    if not any_grad:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, "
            "but none of them have requires_grad=True."
        )


def _compare(numerical: list, analytical: list, diff: list, atol: float, rtol: float, forward: bool) -> None:
    for oi, (n_row, a_row) in enumerate(zip(numerical, analytical)):
        for k, (n, a) in enumerate(zip(n_row, a_row)):
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                raise GradcheckError(_mismatch(oi, diff[k], n, a, forward))


def gradcheck(
    func: Callable,
    inputs,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_batched_forward_grad: bool = False,
    check_forward_ad: bool = False,
    check_backward_ad: bool = True,
    fast_mode: bool = False,
    masked: bool | None = None,
) -> bool:
    """Check ``func``'s gradients against central finite differences (PyTorch's slow mode).

    Returns True, or raises :class:`GradcheckError` (returns False if ``raise_exception=False``).
    ``check_forward_ad`` also checks the forward-mode (jvp) Jacobian. Batched, undefined-grad and
    fast-mode checks of PyTorch are accepted and ignored (the engine has no vmap).
    """
    inputs = _as_tuple(inputs)
    try:
        _check_inputs(inputs)
        diff = _diff_inputs(inputs)
        numerical = numerical_jacobian(func, inputs, eps)
        if check_backward_ad:
            analytical = analytical_jacobian(func, inputs)
            _compare(numerical, analytical, diff, atol, rtol, forward=False)
            if nondet_tol == 0.0:
                again = analytical_jacobian(func, inputs)
                for a_row, b_row in zip(analytical, again):
                    for a, b in zip(a_row, b_row):
                        if not np.array_equal(a, b):
                            raise GradcheckError(
                                "Backward is not reentrant, i.e., running backward with same input and "
                                "grad_output multiple times gives different values, although analytical "
                                f"gradient matches numerical gradient.The tolerance for nondeterminism was {nondet_tol}."
                            )
        if check_forward_ad:
            _compare(numerical, forward_jacobian(func, inputs), diff, atol, rtol, forward=True)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def gradgradcheck(
    func: Callable,
    inputs,
    grad_outputs=None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    gen_non_contig_grad_outputs: bool = False,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_fwd_over_rev: bool = False,
    check_rev_over_rev: bool = True,
    fast_mode: bool = False,
    masked: bool = False,
) -> bool:
    """Check second derivatives: gradcheck of the map (inputs, grad_outputs) -> grad of func's outputs.

    The backward is run with ``create_graph=True``; random grad_outputs (requiring grad) are made
    when none are given, as PyTorch does.
    """
    inputs = _as_tuple(inputs)
    diff = _diff_inputs(inputs)
    outputs = _float_outputs(_call(func, inputs))
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(
            _make(rng.standard_normal(o._data.shape).astype(o._data.dtype), requires_grad=True) for o in outputs
        )
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)

    def first_order(*args):
        ins, gos = args[:n_in], args[n_in:]
        pairs = [(o, g) for o, g in zip(_float_outputs(_call(func, ins)), gos) if o.requires_grad]
        outs, used = [o for o, _ in pairs], [g for _, g in pairs]
        diff_tensors = [ins[i] for i in diff]
        grads = autograd_grad(outs, diff_tensors, used, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(
        first_order,
        inputs + tuple(grad_outputs),
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
        nondet_tol=nondet_tol,
        check_forward_ad=check_fwd_over_rev,
        check_backward_ad=check_rev_over_rev,
    )
