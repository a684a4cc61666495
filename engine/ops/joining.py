"""Joining and splitting: cat, stack, split, chunk, unbind.

split/chunk/unbind are multi-output nodes: each piece is output ``output_nr`` of one node and a
view of the input (like PyTorch, the pieces share the input's storage and version counter).
"""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._api import public
from .._dtype import _NUMPY_TO_DTYPE
from .._op import Op
from .._tensor import Tensor, _make, _wrap_dim
from ._samples import sampler
from .shape import _view_result
from .views import narrow, select

_rand = sampler(seed=23)


def _is_legacy_empty(shape: tuple) -> bool:
    # PyTorch's cat skips 1-d empty tensors whatever the other shapes are (legacy behaviour).
    return shape == (0,)


class Cat(Op):
    node_name = "CatBackward0"
    aten = "aten::cat"
    inputs = ("tensors",)
    out_dtype = None

    def forward(self, *arrays):
        kept = [a for a in arrays if not _is_legacy_empty(a.shape)] or list(arrays)
        out = np.concatenate(kept, axis=self.dim)
        return out if self.out_dtype is None else out.astype(self.out_dtype, copy=False)

    def vjp(self, grad):
        grads = []
        offset = 0
        for (shape, dt), (fn, _) in zip(self._in_meta, self.next_functions):
            if _is_legacy_empty(shape) and grad._data.ndim != 1:
                grads.append(_make(np.zeros(shape, dtype=dt)) if fn is not None else None)
                continue
            size = shape[self.dim]
            grads.append(narrow(grad, self.dim, offset, size) if fn is not None else None)
            offset += size
        return tuple(grads)

    def jvp(self, tangents):
        parts = [t if t is not None else _make(np.zeros(x._data.shape, x._data.dtype)) for t, x in zip(tangents, self.fw_inputs)]
        return cat(parts, self.dim)

    def rule(self) -> str:
        return f"grad_input_i = grad narrowed to input i's rows along dim {self.dim}"

    @staticmethod
    def samples():
        return [((_rand(2, 3), _rand(1, 3)), {"dim": 0}), ((_rand(2, 3), _rand(2, 2), _rand(2, 1)), {"dim": 1})]


class Stack(Op):
    node_name = "StackBackward0"
    aten = "aten::stack"
    inputs = ("tensors",)
    out_dtype = None

    def forward(self, *arrays):
        out = np.stack(arrays, axis=self.dim)
        return out if self.out_dtype is None else out.astype(self.out_dtype, copy=False)

    def vjp(self, grad):
        return tuple(
            select(grad, self.dim, i) if fn is not None else None for i, (fn, _) in enumerate(self.next_functions)
        )

    def jvp(self, tangents):
        parts = [t if t is not None else _make(np.zeros(x._data.shape, x._data.dtype)) for t, x in zip(tangents, self.fw_inputs)]
        return stack(parts, self.dim)

    def rule(self) -> str:
        return f"grad_input_i = grad.select({self.dim}, i)"

    @staticmethod
    def samples():
        return [((_rand(2, 3), _rand(2, 3)), {"dim": 0}), ((_rand(2, 3), _rand(2, 3), _rand(2, 3)), {"dim": 2})]


class SplitWithSizes(Op):
    """``split(x, [sizes])``: one output per piece; backward concatenates the pieces' gradients."""

    node_name = "SplitWithSizesBackward0"
    aten = "aten::split_with_sizes"
    # The number of outputs varies per call; any value but 1 makes Op.apply return a tuple.
    num_outputs = 2

    def forward(self, x):
        cuts = np.cumsum(self.sizes)[:-1]
        return tuple(np.split(x, cuts, axis=self.dim))

    def vjp(self, *grads):
        # Outputs that received no gradient arrive as zeros (the backward run fills them in).
        return (cat(list(grads), self.dim),)

    def jvp(self, tangents):
        return type(self).apply(tangents[0], **self._params())

    def _params(self) -> dict:
        return {"dim": self.dim, "sizes": self.sizes}

    def rule(self) -> str:
        return f"grad_input = cat(grads of the pieces, dim={self.dim})"

    @staticmethod
    def samples():
        return [((_rand(5, 3),), {"dim": 0, "sizes": (1, 3, 1)}), ((_rand(2, 4),), {"dim": 1, "sizes": (2, 2)})]


class Split(SplitWithSizes):
    """``split(x, int)`` and ``chunk``: equal pieces (the last may be smaller)."""

    node_name = "SplitBackward0"
    aten = "aten::split"

    def forward(self, x):
        size = x.shape[self.dim]
        step = self.split_size
        cuts = list(range(step, size, step)) if step else []
        return tuple(np.split(x, cuts, axis=self.dim))

    def _params(self) -> dict:
        return {"dim": self.dim, "split_size": self.split_size}

    @staticmethod
    def samples():
        return [((_rand(5, 3),), {"dim": 0, "split_size": 2})]


class Unbind(Op):
    node_name = "UnbindBackward0"
    aten = "aten::unbind"
    num_outputs = 2  # varies per call (see SplitWithSizes)

    def forward(self, x):
        prefix = (slice(None),) * self.dim
        return tuple(x[prefix + (i, Ellipsis)] for i in range(x.shape[self.dim]))

    def vjp(self, *grads):
        return (stack(list(grads), self.dim),)

    def jvp(self, tangents):
        return Unbind.apply(tangents[0], dim=self.dim)

    def rule(self) -> str:
        return f"grad_input = stack(grads of the slices, dim={self.dim})"

    @staticmethod
    def samples():
        return [((_rand(3, 2),), {"dim": 0}), ((_rand(3, 2),), {"dim": 1})]


# ---- public functions --------------------------------------------------------------------------------


def _tensor_list(tensors, name: str) -> list:
    if isinstance(tensors, Tensor):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"torch.{name}(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            # PyTorch's argument parser, before any shape check (a topk result is a named tuple)
            kind = type(t)
            shown = f"torch.return_types.{kind.__name__}" if kind.__module__.endswith("return_types") else kind.__name__
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {shown}")
    return tensors


def _common_dtype(tensors: list):
    """PyTorch's promotion across a list (cat/stack): None when every tensor already agrees."""
    first = tensors[0]._data.dtype
    if all(t._data.dtype is first for t in tensors):
        return None
    dt = _NUMPY_TO_DTYPE[first]
    for t in tensors[1:]:
        dt = _dtype.result_type(dt, 1, _NUMPY_TO_DTYPE[t._data.dtype], 1)
    return dt.numpy


@public(method=False)
def cat(tensors, dim: int = 0) -> Tensor:
    """Concatenate along an existing dim (CatBackward0)."""
    tensors = _tensor_list(tensors, "cat")
    for i, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    shaped = [t for t in tensors if not _is_legacy_empty(t._data.shape)] or tensors
    ref = shaped[0]._data.shape
    d = _wrap_dim(dim, len(ref))
    for i, t in enumerate(tensors):
        shape = t._data.shape
        if _is_legacy_empty(shape) and t is not shaped[0] and len(ref) != 1:
            continue
        if len(shape) != len(ref):
            raise RuntimeError(f"Tensors must have same number of dimensions: got {len(ref)} and {len(shape)}")
        for k, (a, b) in enumerate(zip(ref, shape)):
            if k != d and a != b:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size {a} but got size {b} "
                    f"for tensor number {i} in the list."
                )
    dt = _common_dtype(tensors)
    if dt is not None:
        return Cat.apply(*tensors, dim=d, out_dtype=dt)
    return Cat.apply(*tensors, dim=d)


concat = public("concat")(cat)
concatenate = public("concatenate")(cat)


@public()
def stack(tensors, dim: int = 0) -> Tensor:
    """Join along a new dim (StackBackward0)."""
    tensors = _tensor_list(tensors, "stack")
    ref = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != ref:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(ref)} at entry 0 and "
                f"{list(t._data.shape)} at entry {i}"
            )
    d = _wrap_dim(dim, len(ref) + 1)
    dt = _common_dtype(tensors)
    if dt is not None:
        return Stack.apply(*tensors, dim=d, out_dtype=dt)
    return Stack.apply(*tensors, dim=d)


def _as_views(pieces: tuple, input: Tensor) -> tuple:
    views = tuple(_view_result(p, input) for p in pieces)
    if views and views[0].grad_fn is not None:
        # PyTorch refuses in-place ops on these (several views of one base from one node).
        forward_name = views[0].grad_fn.node_name.rsplit("Backward", 1)[0]
        for v in views:
            v._multi_view = forward_name
    return views


@public(method=True)
def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Pieces of ``split_size`` (SplitBackward0) or of the listed sizes (SplitWithSizesBackward0)."""
    if isinstance(split_size_or_sections, (int, np.integer)):
        d, step = split_size_checked(tensor, split_size_or_sections, dim)
        return _as_views(Split.apply(tensor, dim=d, split_size=step), tensor)
    nd = tensor._data.ndim
    if nd == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = _wrap_dim(dim, nd)
    size = tensor._data.shape[d]
    sizes = tuple(int(s) for s in split_size_or_sections)
    if sum(sizes) != size or any(s < 0 for s in sizes):
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size at dimension "
            f"{d}), but got split_sizes=[{', '.join(map(str, sizes))}]"
        )
    return _as_views(SplitWithSizes.apply(tensor, dim=d, sizes=sizes), tensor)


@public(method=True)
def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """At most ``chunks`` equal pieces: a split of size ceil(n / chunks) (SplitBackward0)."""
    d, step = chunk_size_checked(input, chunks, dim)
    return split(input, step, d) if step else _as_views(Split.apply(input, dim=d, split_size=0), input)


def split_size_checked(tensor: Tensor, split_size, dim: int) -> tuple:
    """``(dim, split_size)`` after PyTorch's checks for split/unsafe_split, in PyTorch's order."""
    nd = tensor._data.ndim
    if nd == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    step = int(split_size)
    if step < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={step}")
    d = _wrap_dim(dim, nd)
    size = tensor._data.shape[d]
    if step == 0 and size != 0:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}")
    return d, step


def chunk_size_checked(input: Tensor, chunks: int, dim: int) -> tuple:
    """``(dim, split_size)`` of chunk/unsafe_chunk after PyTorch's checks, in PyTorch's order."""
    nd = input._data.ndim
    if nd == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    d = _wrap_dim(dim, nd)
    return d, -(-input._data.shape[d] // chunks)


@public(method=True)
def unbind(input: Tensor, dim: int = 0) -> tuple:
    """The slices along ``dim`` (UnbindBackward0), views of ``input``."""
    nd = input._data.ndim
    if nd == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = _wrap_dim(dim, nd)
    return _as_views(Unbind.apply(input, dim=d), input)
