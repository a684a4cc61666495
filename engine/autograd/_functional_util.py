"""Argument and result plumbing for ``autograd.functional`` (PyTorch's helpers, with its messages)."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor, _make
from . import grad


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
