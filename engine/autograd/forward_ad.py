"""Forward-mode AD: dual tensors carry a tangent that every op pushes forward with its ``jvp`` rule."""

from __future__ import annotations

from collections import namedtuple

from .._state import STATE
from .._tensor import Tensor, _make
from ..ops.shape import View

UnpackedDualTensor = namedtuple("UnpackedDualTensor", ["primal", "tangent"])


class dual_level:  # noqa: N801 - PyTorch's spelling
    """Context in which dual tensors exist; tangents are dropped when it ends."""

    def __enter__(self) -> int:
        STATE.fw_level += 1
        self._made: list = []
        _LEVELS.append(self._made)
        return STATE.fw_level - 1

    def __exit__(self, *exc) -> None:
        for t in _LEVELS.pop():
            t._fw_grad = None
        STATE.fw_level -= 1


_LEVELS: list = []


def make_dual(tensor: Tensor, tangent: Tensor, *, level=None) -> Tensor:
    """A view of ``tensor`` carrying ``tangent`` as its forward gradient."""
    if not STATE.fw_level:
        raise RuntimeError(
            "To create a dual Tensor, you must be inside a dual_level context (use `with fwAD.dual_level():`)"
        )
    if tangent._data.shape != tensor._data.shape:
        raise RuntimeError(
            f"Trying to set a forward gradient that has a different size than that of the original Tensor, "
            f"this is not supported. Tensor is of size {list(tensor._data.shape)} while the given forward "
            f"gradient is of size {list(tangent._data.shape)}."
        )
    dual = View.apply(tensor, shape=tensor._data.shape) if tensor._requires_grad else _make(tensor._data)
    dual._vc = tensor._vc
    dual._fw_grad = tangent
    _LEVELS[-1].append(dual)
    return dual


def unpack_dual(tensor: Tensor, *, level=None) -> UnpackedDualTensor:
    primal = _make(tensor._data, tensor.grad_fn, tensor._output_nr, tensor._requires_grad)
    primal._vc = tensor._vc
    return UnpackedDualTensor(primal, tensor._fw_grad)


def _attach_tangents(node, inputs, result, tangents) -> None:
    """Called by Op.apply when an input carries a tangent: compute and attach the output tangents."""
    node.fw_inputs = tuple(_make(t._data) for t in inputs)
    results = result if isinstance(result, tuple) else (result,)
    node.fw_result = _make(results[0]._data)
    node.fw_results = tuple(_make(r._data) for r in results)
    # Tangents of tangents are not tracked: rules run without recording a graph of the tangent math
    # unless the tangents themselves require grad (then the graph is kept, as PyTorch does).
    out = node.jvp(list(tangents))
    outs = out if isinstance(out, tuple) else (out,)
    made = _LEVELS[-1] if _LEVELS else None
    for r, tan in zip(results, outs):
        if tan is None:
            continue
        if tan._data.shape != r._data.shape:
            tan = tan.expand(r._data.shape)
        if tan._data.dtype != r._data.dtype:
            tan = tan.to(r.dtype)
        r._fw_grad = tan
        if made is not None:
            made.append(r)
    del node.fw_inputs
