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

from typing import Callable

import numpy as np

from .._tensor import Tensor, _make
from . import forward_ad, grad
from .grad_mode import enable_grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


# ---- argument and result plumbing (PyTorch's helpers, same messages) ---------------------------
def _as_tuple(inp, arg_name: str, fn_name: str) -> tuple[bool, tuple]:
    """(was it a tuple, the tensors as a tuple), rejecting anything but tensors."""
    is_tuple = True
    if not isinstance(inp, tuple):
        inp = (inp,)
        is_tuple = False
    for i, el in enumerate(inp):
        if not isinstance(el, Tensor):
            if is_tuple:
                raise TypeError(
                    f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but the"
                    f" value at index {i} has type {type(el)}."
                )
            raise TypeError(
                f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but the"
                f" given {arg_name} has type {type(el)}."
            )
    return is_tuple, inp


def _tuple_postprocess(res, to_unpack):
    """Undo the tupling of arguments: unwrap levels that were single Tensors for the user."""
    if isinstance(to_unpack, tuple):
        if not to_unpack[1]:
            res = tuple(el[0] for el in res)
        if not to_unpack[0]:
            res = res[0]
    elif not to_unpack:
        res = res[0]
    return res


def _grad_preprocess(inputs: tuple, create_graph: bool, need_graph: bool) -> tuple:
    """Fresh inputs for the user's function so its graph starts here.

    With create_graph the result must stay connected to the caller's graph (a differentiable view);
    otherwise the inputs are detached copies that require grad only when a graph is needed.
    """
    res = []
    for inp in inputs:
        if create_graph and inp.requires_grad:
            res.append(inp.view_as(inp))
        else:
            res.append(inp.detach().requires_grad_(need_graph))
    return tuple(res)


def _grad_postprocess(inputs, create_graph: bool):
    """Detach results unless the caller asked for a graph through them."""
    if isinstance(inputs[0], Tensor):
        if not create_graph:
            return tuple(inp.detach() for inp in inputs)
        return inputs
    return tuple(_grad_postprocess(inp, create_graph) for inp in inputs)


def _validate_v(v: tuple, other: tuple, is_other_tuple: bool) -> None:
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for idx, (el_v, el_other) in enumerate(zip(v, other)):
        if el_v.size() != el_other.size():
            prepend = f"Entry {idx} in " if is_other_tuple else ""
            raise RuntimeError(f"{prepend}v has invalid size: should be {el_other.size()} but got {el_v.size()}.")


def _check_requires_grad(inputs: tuple, input_type: str, strict: bool) -> None:
    """In strict mode, complain about results that cannot depend on the inputs."""
    if not strict:
        return
    for i, inp in enumerate(inputs):
        if inp is None:
            raise RuntimeError(
                f"The output of the user-provided function is independent of input {i}."
                " This is not allowed in strict mode."
            )
        if inp.requires_grad:
            continue
        if input_type == "hessian":
            raise RuntimeError(
                f"The hessian of the user-provided function with respect to input {i}"
                " is independent of the input. This is not allowed in strict mode."
                " You should ensure that your function is thrice differentiable and that"
                " the hessian depends on the inputs."
            )
        if input_type == "jacobian":
            raise RuntimeError(
                "While computing the hessian, found that the jacobian of the user-provided"
                f" function with respect to input {i} is independent of the input. This is not"
                " allowed in strict mode. You should ensure that your function is twice"
                " differentiable and that the jacobian depends on the inputs (this would be"
                " violated by a linear function for example)."
            )
        if input_type == "grad_inputs":
            raise RuntimeError(
                f"The gradient with respect to input {i} is independent of the inputs of the"
                " user-provided function. This is not allowed in strict mode."
            )
        raise RuntimeError(
            f"Output {i} of the user-provided function does not require gradients."
            " The outputs must be computed in a differentiable manner from the input"
            " when running in strict mode."
        )


def _autograd_grad(outputs: tuple, inputs: tuple, grad_outputs=None, create_graph: bool = False,
                   retain_graph=None) -> tuple:
    """``autograd.grad`` that skips outputs without a graph and returns None for unused inputs."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    new_outputs, new_grads = [], []
    for out, g in zip(outputs, grad_outputs):
        if out is not None and out.requires_grad:
            new_outputs.append(out)
            new_grads.append(g)
    if not new_outputs:
        return (None,) * len(inputs)
    return grad(tuple(new_outputs), inputs, tuple(new_grads), allow_unused=True,
                create_graph=create_graph, retain_graph=retain_graph)


def _fill_in_zeros(grads: tuple, refs: tuple, strict: bool, create_graph: bool, stage: str) -> tuple:
    """Zeros where nothing flowed (the mathematically right value), or PyTorch's strict-mode error."""
    res = []
    for i, (g, ref) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                messages = {
                    "back": f"The output of the user-provided function is independent of input {i}. "
                            "This is not allowed in strict mode.",
                    "back_trick": f"The gradient with respect to the input is independent of entry {i} in the "
                                  "grad_outputs when using the double backward trick to compute forward mode "
                                  "gradients. This is not allowed in strict mode.",
                    "double_back": f"The jacobian of the user-provided function is independent of input {i}. "
                                   "This is not allowed in strict mode.",
                    "double_back_trick": f"The hessian of the user-provided function is independent of entry {i} "
                                         "in the grad_jacobian. This is not allowed in strict mode as it prevents "
                                         "from using the double backward trick to replace forward mode AD.",
                }
                raise RuntimeError(messages[stage])
            g = _make(np.zeros_like(ref._data))
        elif strict and create_graph and not g.requires_grad:
            if "double" not in stage:
                raise RuntimeError(
                    f"The jacobian of the user-provided function is independent of input {i}. "
                    "This is not allowed in strict mode when create_graph=True."
                )
            raise RuntimeError(
                f"The hessian of the user-provided function is independent of input {i}. "
                "This is not allowed in strict mode when create_graph=True."
            )
        res.append(g)
    return tuple(res)


def _one_hot(n: int, j: int, like: Tensor) -> Tensor:
    e = np.zeros(like._data.shape, dtype=like._data.dtype)
    e.reshape(-1)[j] = 1
    return _make(e)


def _assemble_rows(rows: list, out_shape: tuple, in_shape: tuple, create_graph: bool) -> Tensor:
    """Stack the Jacobian rows (one per output element) into a block of shape out_shape + in_shape."""
    shape = tuple(out_shape) + tuple(in_shape)
    if len(rows) == 1:
        return rows[0].reshape(shape)
    if not create_graph or not any(r.requires_grad for r in rows):
        return _make(np.stack([r._data.reshape(-1) for r in rows]).reshape(shape))
    # A differentiable stack built from mul/add only: sum_j onehot_j (outer) row_j. Quadratic in the
    # number of rows, but only used for create_graph=True, i.e. for small Hessian-style problems.
    n = len(rows)
    block = None
    for j, r in enumerate(rows):
        e = np.zeros((n, 1), dtype=r._data.dtype)
        e[j, 0] = 1
        term = _make(e) * r.reshape(1, -1)
        block = term if block is None else block + term
    return block.reshape(shape)


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
