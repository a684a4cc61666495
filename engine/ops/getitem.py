"""Reading ``x[...]``: the index interpreter.

Reading ``x[...]`` builds the nodes PyTorch builds: integers give ``SelectBackward0``, slices
``SliceBackward0`` (one per sliced dim, so ``x[1:, :2]`` is a chain of two), ``None`` an
``UnsqueezeBackward0``, and tensor/list/bool-mask indices one ``IndexBackward0`` applied after the
basic indices. Basic-index results are views (they share storage and the version counter).
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .advanced_index import Index
from .shape import _view_result, unsqueeze
from .views import Alias, Select, slice_dim

# ---- x[...] ------------------------------------------------------------------------------------------


_BAD_INDEX = (
    "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices "
    "(got {})"
)


def _classify(item):
    """One index item as (kind, value): int, slice, none, ellipsis or adv (a numpy int/bool array)."""
    if isinstance(item, Tensor):
        arr = item._data
        if arr.dtype == np.bool_ or arr.dtype == np.uint8:
            return "adv", arr.astype(bool, copy=False)
        if arr.dtype.kind not in "iu":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        if arr.ndim == 0:
            # A 0-d integer tensor indexes like an int (PyTorch builds SelectBackward0 for it).
            return "int", int(arr)
        return "adv", arr
    if isinstance(item, (bool, np.bool_)):
        raise IndexError("engine does not support indexing with a Python bool")
    if isinstance(item, (int, np.integer)):
        return "int", int(item)
    if isinstance(item, slice):
        return "slice", item
    if item is None:
        return "none", None
    if item is Ellipsis:
        return "ellipsis", None
    if isinstance(item, (list, np.ndarray)):
        arr = np.asarray([i._data if isinstance(i, Tensor) else i for i in item] if isinstance(item, list) else item)
        if arr.dtype == np.bool_:
            return "adv", arr
        if arr.size == 0:
            arr = arr.astype(np.intp)
        if arr.dtype.kind not in "iu":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return "adv", arr
    raise IndexError(_BAD_INDEX.format(type(item).__name__))


def _basic_part(self: Tensor, index) -> tuple:
    """Apply the int/slice/None/Ellipsis part of ``index`` as views, as PyTorch's applySlicing does.

    Returns ``(view, advanced)``: ``advanced`` maps a dim of ``view`` to the int/bool array indexing
    it (empty when the index is basic), in the order PyTorch dispatches them.
    """
    lone = not isinstance(index, tuple)
    items = [_classify(i) for i in ((index,) if lone else index)]
    ndim = self._data.ndim
    consumed = sum(
        (v.ndim if v.dtype == np.bool_ else 1) if k == "adv" else (1 if k in ("int", "slice") else 0)
        for k, v in items
    )
    if sum(k == "ellipsis" for k, _ in items) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if consumed > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    out = self
    d = 0
    advanced: dict = {}
    for kind, value in items:
        if kind == "ellipsis":
            d += ndim - consumed
        elif kind == "int":
            size = out._data.shape[d]
            if not -size <= value < size:
                raise IndexError(f"index {value} is out of bounds for dimension {d} with size {size}")
            out = _view_result(Select.apply(out, dim=d, index=value % size), out)
        elif kind == "slice":
            # A lone slice always makes a node (x[:] is SliceBackward0); in a tuple a slice that keeps
            # the whole dim (x[0:1, :] of a size-1 dim, x[..., 0:]) is skipped, like PyTorch's slice
            # optimisation, which compares the slice as written (x[-5:, :] is still a Slice).
            start = 0 if value.start is None else value.start
            step = 1 if value.step is None else value.step
            full = d < out._data.ndim and start == 0 and step == 1 and (
                value.stop is None or value.stop >= out._data.shape[d]
            )
            if lone or not full:
                out = slice_dim(out, d, value.start, value.stop, value.step)
            d += 1
        elif kind == "none":
            out = unsqueeze(out, d)
            d += 1
        else:
            advanced[d] = value
            d += value.ndim if value.dtype == np.bool_ else 1
    return out, advanced


def _advanced_tuple(view: Tensor, advanced: dict) -> tuple:
    """The numpy index for the advanced part, with bounds and mask-shape checks in PyTorch's words."""
    shape = view._data.shape
    parts = []
    d = 0
    last = max(advanced)
    while d <= last:
        arr = advanced.get(d)
        if arr is None:
            parts.append(slice(None))
            d += 1
            continue
        if arr.dtype == np.bool_:
            span = shape[d : d + arr.ndim]
            for k, (m, s) in enumerate(zip(arr.shape, span)):
                if m != s:
                    raise IndexError(
                        f"The shape of the mask {list(arr.shape)} at index {k} does not match the shape of "
                        f"the indexed tensor {list(shape)} at index {d + k}"
                    )
            d += arr.ndim
        else:
            size = shape[d]
            bad = arr[(arr < -size) | (arr >= size)]
            if bad.size:
                raise IndexError(f"index {int(bad.flat[0])} is out of bounds for dimension {d} with size {size}")
            arr = arr.astype(np.intp, copy=False)
            d += 1
        parts.append(arr)
    return tuple(parts)


def _getitem(self: Tensor, index) -> Tensor:
    view, advanced = _basic_part(self, index)
    if advanced:
        return Index.apply(view, indices=_advanced_tuple(view, advanced))
    if view is self:
        # x[...] / x[:, :]: PyTorch still returns a new tensor, an alias of x.
        return _view_result(Alias.apply(self), self)
    return view


Tensor.__getitem__ = _getitem
