"""The high-level autograd API: ``jacobian``, ``hessian``, ``vjp``, ``jvp``, ``vhp``, ``hvp``.

Signatures, result structures and error messages follow ``torch.autograd.functional``:
a Tensor argument gives a Tensor result, a tuple gives a tuple; with several outputs and several
inputs the Jacobian is a tuple (one per output) of tuples (one per input), each block shaped
``output.shape + input.shape``.

How each is computed:

* ``vjp`` and the reverse-mode ``jacobian``: ``engine.autograd.grad`` (one backward per output
  element for the Jacobian, with a one-hot ``grad_outputs`` row);
* ``jvp`` and ``jacobian(strategy="forward-mode")``: forward-mode AD (``forward_ad`` dual tensors
  and each op's ``jvp`` rule); with ``create_graph=True`` ``jvp`` falls back to PyTorch's own
  double-backward trick, because engine's forward tangents are not themselves differentiable;
* ``hessian``, ``vhp``, ``hvp``: double backward (``grad(..., create_graph=True)`` twice).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._tensor import Tensor, _make
from . import forward_ad
from ._functional_util import (
    _as_tuple,
    _assemble_rows,
    _autograd_grad,
    _check_requires_grad,
    _fill_in_zeros,
    _grad_postprocess,
    _grad_preprocess,
    _one_hot,
    _tuple_postprocess,
    _validate_v,
)
from .grad_mode import enable_grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


# ---- the public functions ---------------------------------------------------------------------
def vjp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), v^T J)``: the vector-Jacobian product at ``inputs``."""
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "vjp")
        _check_requires_grad(outputs, "outputs", strict=strict)
        if v is not None:
            _, v = _as_tuple(v, "v", "vjp")
            v = _grad_preprocess(v, create_graph=create_graph, need_graph=False)
            _validate_v(v, outputs, is_outputs_tuple)
        elif len(outputs) != 1 or outputs[0].nelement() != 1:
            raise RuntimeError(
                "The vector v can only be None if the user-provided function returns "
                "a single Tensor with a single element."
            )
        grad_res = _autograd_grad(outputs, inputs, v, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, inputs, strict, create_graph, "back")
    outputs = _grad_postprocess(outputs, create_graph)
    result = _grad_postprocess(result, create_graph)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(result, is_inputs_tuple)


def jvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), J v)``: the Jacobian-vector product, by forward-mode AD."""
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        if v is not None:
            _, v = _as_tuple(v, "v", "jvp")
            v = _grad_preprocess(v, create_graph=create_graph, need_graph=False)
            _validate_v(v, inputs, is_inputs_tuple)
        else:
            if len(inputs) != 1 or inputs[0].nelement() != 1:
                raise RuntimeError(
                    "The vector v can only be None if the input to the user-provided function "
                    "is a single Tensor with a single element."
                )
            v = (_make(np.ones_like(inputs[0]._data)),)
        if create_graph:
            outputs, result, is_outputs_tuple = _jvp_double_backward(func, inputs, v, strict)
        else:
            outputs, result, is_outputs_tuple = _jvp_forward_mode(func, inputs, v, strict)
    outputs = _grad_postprocess(outputs, create_graph)
    result = _grad_postprocess(result, create_graph)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(result, is_outputs_tuple)


def _jvp_forward_mode(func: Callable, inputs: tuple, v: tuple, strict: bool):
    with forward_ad.dual_level():
        duals = tuple(forward_ad.make_dual(inp, t) for inp, t in zip(inputs, v))
        outputs = func(*duals)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "jvp")
        _check_requires_grad(outputs, "outputs", strict=strict)
        unpacked = [forward_ad.unpack_dual(o) for o in outputs]
    primals = tuple(u.primal for u in unpacked)
    tangents = []
    for i, (u, out) in enumerate(zip(unpacked, primals)):
        t = u.tangent
        if t is None:
            if strict:
                raise RuntimeError(
                    f"The output of the user-provided function is independent of input {i}. "
                    "This is not allowed in strict mode."
                )
            t = _make(np.zeros_like(out._data))
        else:
            t = t.detach()
        tangents.append(t)
    return primals, tuple(tangents), is_outputs_tuple


def _jvp_double_backward(func: Callable, inputs: tuple, v: tuple, strict: bool):
    """PyTorch's trick: J v = d/du (u^T J) v, with u a dummy that requires grad."""
    outputs = func(*inputs)
    is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "jvp")
    _check_requires_grad(outputs, "outputs", strict=strict)
    grad_outputs = tuple(_make(np.zeros_like(out._data), None, 0, True) for out in outputs)
    grad_inputs = _autograd_grad(outputs, inputs, grad_outputs, create_graph=True)
    _check_requires_grad(grad_inputs, "grad_inputs", strict=strict)
    grad_res = _autograd_grad(grad_inputs, grad_outputs, v, create_graph=True)
    result = _fill_in_zeros(grad_res, outputs, strict, True, "back_trick")
    return outputs, result, is_outputs_tuple


def jacobian(func: Callable, inputs, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: blocks of shape ``output.shape + input.shape``.

    ``vectorize`` is accepted for compatibility: engine computes the same rows either way.
    ``strategy="forward-mode"`` (which, as in PyTorch, needs ``vectorize=True``) builds the
    Jacobian a column at a time with forward-mode AD.
    """
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(
            'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
            'function has more outputs than inputs, "forward-mode" tends to be more performant. '
            'Otherwise, prefer to use "reverse-mode".'
        )
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(
                "torch.autograd.functional.jacobian: `create_graph=True` "
                'and `strategy="forward-mode"` are not supported together (yet). '
                "Please either set `create_graph=False` or "
                '`strategy="reverse-mode"`.'
            )
    if vectorize and strict:
        raise RuntimeError(
            "torch.autograd.functional.jacobian: `strict=True` "
            "and `vectorized=True` are not supported together. "
            "Please either set `strict=False` or "
            "`vectorize=False`."
        )
    if strategy == "forward-mode":
        if not vectorize:
            raise NotImplementedError(
                "Computing Jacobian using forward-AD or forward-over-reverse Hessian is"
                "only implemented for `vectorize=True`."
            )
        return _jacobian_forward_mode(func, inputs)

    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "jacobian")
        _check_requires_grad(outputs, "outputs", strict=strict)

        blocks = []
        for i, out in enumerate(outputs):
            rows: tuple = tuple([] for _ in inputs)
            for j in range(out.nelement()):
                # Row j of the Jacobian is the gradient of output element j: a backward seeded with e_j.
                vj = _autograd_grad((out,), inputs, (_one_hot(out.nelement(), j, out),),
                                    retain_graph=True, create_graph=create_graph)
                for k, (rows_k, vj_k, inp_k) in enumerate(zip(rows, vj, inputs)):
                    if vj_k is not None:
                        if strict and create_graph and not vj_k.requires_grad:
                            raise RuntimeError(
                                "The jacobian of the user-provided function is "
                                f"independent of input {i}. This is not allowed in "
                                "strict mode when create_graph=True."
                            )
                        rows_k.append(vj_k)
                    else:
                        if strict:
                            raise RuntimeError(
                                f"Output {i} of the user-provided function is "
                                f"independent of input {k}. This is not allowed in "
                                "strict mode."
                            )
                        rows_k.append(_make(np.zeros_like(inp_k._data)))
            if out.nelement() == 0:
                blocks.append(tuple(
                    _make(np.zeros(tuple(out.shape) + tuple(inp.shape), dtype=inp._data.dtype)) for inp in inputs
                ))
                continue
            blocks.append(tuple(
                _assemble_rows(rows_k, out.shape, inp.shape, create_graph) for rows_k, inp in zip(rows, inputs)
            ))
        result = _grad_postprocess(tuple(blocks), create_graph)
        return _tuple_postprocess(result, (is_outputs_tuple, is_inputs_tuple))


def _jacobian_forward_mode(func: Callable, inputs):
    """Column by column: push a one-hot tangent per input element through ``func``."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    inputs = tuple(inp.detach() for inp in inputs)
    columns: list = []  # columns[k][c] = tuple of output tangents for input k, element c
    outputs = None
    is_outputs_tuple = False
    for k, inp in enumerate(inputs):
        cols_k = []
        for c in range(inp.nelement()):
            tangents = tuple(_one_hot(x.nelement(), c, x) if m == k else _make(np.zeros_like(x._data))
                             for m, x in enumerate(inputs))
            outs, tans, is_outputs_tuple = _jvp_forward_mode(func, inputs, tangents, strict=False)
            outputs = outs
            cols_k.append(tans)
        columns.append(cols_k)
    if outputs is None:  # every input is empty: evaluate once for the output shapes
        outs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outs, "outputs of the user-provided function", "jacobian")
    blocks = []
    for i, out in enumerate(outputs):
        row = []
        for k, inp in enumerate(inputs):
            shape = tuple(out.shape) + tuple(inp.shape)
            if inp.nelement() == 0:
                row.append(_make(np.zeros(shape, dtype=inp._data.dtype)))
                continue
            cols = np.stack([col[i]._data.reshape(-1) for col in columns[k]], axis=-1)
            row.append(_make(cols.reshape(shape)))
        blocks.append(row)
    # PyTorch's forward-mode path returns lists here (not tuples); kept for identical printing.
    return _tuple_postprocess(blocks, (is_outputs_tuple, is_inputs_tuple))


def hessian(func: Callable, inputs, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode"):
    """The Hessian of a scalar ``func``: the Jacobian of its gradient (double backward)."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def ensure_single_output_function(*inp):
        out = func(*inp)
        is_out_tuple, t_out = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(t_out, "outputs", strict=strict)
        if is_out_tuple or not isinstance(out, Tensor):
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.nelement() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should contain a single element")
        return out.squeeze()

    def jac_func(*inp):
        jac = jacobian(ensure_single_output_function, inp, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict=strict)
        return jac

    if outer_jacobian_strategy == "forward-mode":
        # Forward-over-reverse: engine's forward tangents do not flow through a backward pass, so the
        # outer Jacobian is taken in reverse mode; the Hessian is the same matrix.
        outer_jacobian_strategy = "reverse-mode"
        vectorize = False
    res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict, vectorize=vectorize,
                   strategy=outer_jacobian_strategy)
    return _tuple_postprocess(res, (is_inputs_tuple, is_inputs_tuple))


def vhp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), v^T H)`` for a scalar ``func``."""
    return _hessian_vector(func, inputs, v, create_graph, strict, "vhp")


def hvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), H v)`` for a scalar ``func``.

    For twice continuously differentiable functions the Hessian is symmetric, so H v = (v^T H)^T and
    the same double backward as ``vhp`` computes it (PyTorch's docs note the same equivalence).
    """
    return _hessian_vector(func, inputs, v, create_graph, strict, "hvp")


def _hessian_vector(func: Callable, inputs, v, create_graph: bool, strict: bool, name: str):
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", name)
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        if v is not None:
            _, v = _as_tuple(v, "v", name)
            v = _grad_preprocess(v, create_graph=create_graph, need_graph=False)
            _validate_v(v, inputs, is_inputs_tuple)
        elif len(inputs) != 1 or inputs[0].nelement() != 1:
            raise RuntimeError(
                "The vector v can only be None if the input to the user-provided function "
                "is a single Tensor with a single element."
            )
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", name)
        _check_requires_grad(outputs, "outputs", strict=strict)
        if is_outputs_tuple or not isinstance(outputs[0], Tensor):
            raise RuntimeError(f"The function given to {name} should return a single Tensor")
        if outputs[0].nelement() != 1:
            raise RuntimeError(f"The Tensor returned by the function given to {name} should contain a single element")
        jac = _autograd_grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict=strict)
        grad_res = _autograd_grad(jac, inputs, v, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, inputs, strict, create_graph, "double_back")
    outputs = _grad_postprocess(outputs, create_graph)
    result = _grad_postprocess(result, create_graph)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(result, is_inputs_tuple)
