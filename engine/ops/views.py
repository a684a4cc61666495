"""Basic-index views: ``select``, ``narrow``, slicing and the alias ``x[...]`` (Select, Slice, Alias)."""

from __future__ import annotations

import numpy as np

from .._api import public
from .._op import Op
from .._tensor import Tensor, _wrap_dim
from ._index_util import _dims_before
from ._samples import sampler
from .shape import _view_result, _ViewOp

_rand = sampler(seed=11)


# ---- basic indexing: select / slice / alias --------------------------------------------------------


class Select(_ViewOp):
    """``x.select(dim, index)`` and ``x[i]``: a view without dimension ``dim``."""

    node_name = "SelectBackward0"
    aten = "aten::select"

    def forward(self, x):
        # The trailing Ellipsis keeps a 0-d result a view instead of a numpy scalar.
        return x[_dims_before(self.dim) + (self.index, Ellipsis)]

    def vjp(self, grad):
        shape = self._in_meta[0][0]
        return (SelectBackwardBackward.apply(grad, input_shape=shape, dim=self.dim, index=self.index),)

    def jvp(self, tangents):
        return Select.apply(tangents[0], dim=self.dim, index=self.index)

    def rule(self) -> str:
        return f"grad_input = zeros of the input's shape, with grad placed at index {self.index} of dim {self.dim}"

    @staticmethod
    def samples():
        return [((_rand(3, 4),), {"dim": 1, "index": 2}), ((_rand(3),), {"dim": 0, "index": 0})]


class SelectBackwardBackward(Op):
    """Double backward of select: embed a gradient into zeros (PyTorch's ``select_backward``)."""

    node_name = "SelectBackwardBackward0"
    aten = "aten::select_backward"

    def forward(self, g):
        out = np.zeros(self.input_shape, dtype=g.dtype)
        out[_dims_before(self.dim) + (self.index, Ellipsis)] = g
        return out

    def vjp(self, grad):
        return (Select.apply(grad, dim=self.dim, index=self.index),)

    def jvp(self, tangents):
        return SelectBackwardBackward.apply(tangents[0], input_shape=self.input_shape, dim=self.dim, index=self.index)

    def rule(self) -> str:
        return f"grad_input = grad.select({self.dim}, {self.index})"

    @staticmethod
    def samples():
        return [((_rand(4),), {"input_shape": (3, 4), "dim": 0, "index": 1})]


class Slice(_ViewOp):
    """``x[start:end:step]`` along one dim (also ``narrow``); start/end are already clamped."""

    node_name = "SliceBackward0"
    aten = "aten::slice"

    def forward(self, x):
        return x[_dims_before(self.dim) + (slice(self.start, self.end, self.step),)]

    def vjp(self, grad):
        shape = self._in_meta[0][0]
        return (
            SliceBackwardBackward.apply(
                grad, input_shape=shape, dim=self.dim, start=self.start, end=self.end, step=self.step
            ),
        )

    def jvp(self, tangents):
        return Slice.apply(tangents[0], dim=self.dim, start=self.start, end=self.end, step=self.step)

    def rule(self) -> str:
        return (
            f"grad_input = zeros of the input's shape, with grad placed at "
            f"[{self.start}:{self.end}:{self.step}] of dim {self.dim}"
        )

    @staticmethod
    def samples():
        return [((_rand(4, 5),), {"dim": 1, "start": 1, "end": 5, "step": 2}), ((_rand(4, 5),), {"dim": 0, "start": 0, "end": 2, "step": 1})]


class SliceBackwardBackward(Op):
    node_name = "SliceBackwardBackward0"
    aten = "aten::slice_backward"

    def forward(self, g):
        out = np.zeros(self.input_shape, dtype=g.dtype)
        out[_dims_before(self.dim) + (slice(self.start, self.end, self.step),)] = g
        return out

    def vjp(self, grad):
        return (Slice.apply(grad, dim=self.dim, start=self.start, end=self.end, step=self.step),)

    def jvp(self, tangents):
        return SliceBackwardBackward.apply(
            tangents[0], input_shape=self.input_shape, dim=self.dim, start=self.start, end=self.end, step=self.step
        )

    def rule(self) -> str:
        return f"grad_input = grad[{self.start}:{self.end}:{self.step}] along dim {self.dim}"

    @staticmethod
    def samples():
        return [((_rand(2, 5),), {"input_shape": (4, 5), "dim": 0, "start": 1, "end": 3, "step": 1})]


class Alias(_ViewOp):
    """``x[...]`` / ``x[:, :]``: PyTorch returns an alias (a new view of the whole tensor)."""

    node_name = "AliasBackward0"
    aten = "aten::alias"

    def forward(self, x):
        return x[...]

    def vjp(self, grad):
        return (grad,)

    def jvp(self, tangents):
        return tangents[0]

    def rule(self) -> str:
        return "grad_input = grad"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {})]


@public(method=True)
def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The view ``input[..., index, ...]`` with ``dim`` removed (SelectBackward0)."""
    nd = input._data.ndim
    if nd == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, nd)
    size = input._data.shape[d]
    if not -size <= index < size:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(input._data.shape)} at dimension {d}"
        )
    return _view_result(Select.apply(input, dim=d, index=int(index) % size), input)


def _clamped_slice(size: int, start, end, step) -> tuple:
    """PyTorch's slice bounds: negatives count from the end, everything is clamped into [0, size]."""
    step = 1 if step is None else int(step)
    if step <= 0:
        raise ValueError("step must be greater than zero")
    start = 0 if start is None else int(start)
    end = size if end is None else int(end)
    if start < 0:
        start += size
    if end < 0:
        end += size
    start = min(max(start, 0), size)
    end = min(max(end, start), size)
    return start, end, step


def slice_dim(input: Tensor, dim: int, start, end, step) -> Tensor:
    """The view ``input[start:end:step]`` along ``dim`` (SliceBackward0)."""
    start, end, step = _clamped_slice(input._data.shape[dim], start, end, step)
    return _view_result(Slice.apply(input, dim=dim, start=start, end=end, step=step), input)


@public(method=True)
def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """``input`` restricted to ``[start, start + length)`` along ``dim``: a view (SliceBackward0)."""
    nd = input._data.ndim
    if nd == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, nd)
    size = input._data.shape[d]
    if not -size <= start <= size:
        raise IndexError(
            f"start out of range (expected to be in range of [{-size}, {size}], but got {start})"
        )
    if start < 0:
        start += size
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return _view_result(Slice.apply(input, dim=d, start=start, end=start + length, step=1), input)
