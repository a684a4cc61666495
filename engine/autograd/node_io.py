"""What a backward node receives and sends: zero-fill, validation (PyTorch's messages), ``.grad`` accumulation, the anomaly NaN check."""

from __future__ import annotations

import warnings

import numpy as np

from .._dtype import _NUMPY_TO_DTYPE
from .._graph import AccumulateGrad, Node
from .._tensor import Tensor, _make
from ..ops.fill_copy import Copy


def _run_profiled(run, node: Node, prof):
    """Run one node inside the profiler's ranges, named as PyTorch names them."""
    name = "torch::autograd::AccumulateGrad" if isinstance(node, AccumulateGrad) else node.name()
    outer = prof._op_start("autograd::engine::evaluate_function: " + name, ())
    inner = prof._op_start(name, ())
    try:
        return run._run(node)
    finally:
        prof._op_end(inner)
        prof._op_end(outer)


def _quiet_numpy():
    # PyTorch never warns about inf/nan arithmetic in backward; numpy would (0/0 in a rule, log(0)).
    return np.errstate(divide="ignore", invalid="ignore", over="ignore")


def _num_outputs(node: Node) -> int:
    meta = node._out_meta
    return len(meta) if meta is not None else 1


def _fill_zeros(node: Node, received: tuple) -> tuple:
    meta = node._out_meta
    return tuple(
        g if g is not None else _make(np.zeros(shape, dtype=dt)) for g, (shape, dt) in zip(received, meta)
    )


def _validate(node: Node, sent) -> tuple:
    """Cast gradients to their input's dtype and check shapes, as PyTorch's engine does."""
    meta = node._in_meta
    for g, (shape, dt) in zip(sent, meta):
        if g is not None and (g._data.shape != shape or g._data.dtype != dt):
            break
    else:
        return tuple(sent)  # the common case: every gradient already has its input's shape and dtype
    out = list(sent)
    for i, g in enumerate(out):
        if g is None:
            continue
        shape, dt = meta[i]
        if g._data.shape != shape:
            if g._data.size == int(np.prod(shape)) and not shape:
                out[i] = g.reshape(())
            else:
                raise RuntimeError(
                    f"Function {node.name()} returned an invalid gradient at index {i} - got "
                    f"{list(g._data.shape)} but expected shape compatible with {list(shape)}"
                )
        if g._data.dtype != dt:
            out[i] = out[i].to(_dtype_of(dt))
    return tuple(out)


def _dtype_of(np_dtype):
    return _NUMPY_TO_DTYPE[np_dtype]


def _accumulate_into(t: Tensor, g: Tensor, create_graph: bool, owned: bool = False) -> None:
    """``t.grad += g`` with PyTorch's rules: the first write keeps its own copy, later ones add in place."""
    if g._data.dtype != t._data.dtype:
        g = g.to(t.dtype)
    old = t._grad
    if old is None:
        if create_graph and g._requires_grad:
            # PyTorch stores a copy made by copy_() into fresh storage: grad_fn=<CopyBackwards>.
            t._grad = Copy.apply(_make(np.zeros_like(g._data)), g)
        elif owned and g._data.flags.owndata:
            t._grad = g
        else:
            t._grad = _make(np.array(g._data, copy=True))
    elif create_graph or old._requires_grad:
        t._grad = old + g
    else:
        np.add(old._data, g._data, out=old._data, casting="unsafe")
        old._vc[0] += 1


def _check_nan(node: Node, sent) -> None:
    for i, g in enumerate(sent):
        if g is not None and g._data.dtype.kind == "f" and np.isnan(g._data).any():
            if node._anomaly_trace:
                warnings.warn(
                    f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n"
                    + node._anomaly_trace,
                    UserWarning,
                    stacklevel=3,
                )
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")
