"""Writing ``x[...] = value``.

Writing ``x[idx] = value`` copies into the view ``x[idx]`` (or, for tensor indices, runs
``index_put_``); when autograd records it, the in-place machinery of ``Op.apply_`` makes the base's
``grad_fn`` a ``CopySlices`` node (see ``ops/inplace.py``).
"""

from __future__ import annotations

import numpy as np

from .._state import STATE
from .._tensor import Tensor, _make
from .advanced_index import IndexPut
from .fill_copy import copy_
from .getitem import _advanced_tuple, _basic_part
from .inplace import regenerate_view
from .shape import _view_result
from .views import Alias


def _setitem(self: Tensor, index, value) -> None:
    if not isinstance(value, Tensor):
        if isinstance(value, (bool, int, float)):
            value = _make(np.asarray(value, dtype=self._data.dtype))
        else:
            value = _make(np.asarray(value, dtype=self._data.dtype))
    # The view x[basic part] is only a place to write through: building it records no nodes.
    state = STATE
    mode = state.grad_enabled
    state.grad_enabled = False
    try:
        view, advanced = _basic_part(self, index)
    finally:
        state.grad_enabled = mode
    if view is not self:
        view._no_grad_view = self._no_grad_view  # built under no_grad here, but only x's own status counts
    # PyTorch drops the value's leading size-1 dims first (b[0] = tensor([5.]) writes a 0-d view).
    # Its strip records no node; here it is a reshape, so take only the dims the copy could not
    # broadcast anyway (those beyond the target's rank): a same-rank write (F.pad's circular
    # borders) keeps PyTorch's graph, CopySlices straight onto the value's own history.
    lead = 0
    while value._data.ndim - lead > view._data.ndim and value._data.shape[lead] == 1:
        lead += 1
    if lead:
        value = value.reshape(value._data.shape[lead:])
    if advanced:
        # index_put_ runs on the sliced view; with tensor indices only, that is x itself
        # (IndexPutBackward0 on x, no CopySlices), as in PyTorch.
        IndexPut.apply_(view, value, indices=_advanced_tuple(view, advanced))
    else:
        if view is self:
            # x[...] = v copies into an alias of x: PyTorch records CopySlices for it too.
            state.grad_enabled = False
            try:
                view = _view_result(Alias.apply(self), self)
            finally:
                state.grad_enabled = mode
            view._no_grad_view = self._no_grad_view  # an internal alias: only x's own status counts
        copy_(view, value)
    base = self._base
    if view is not self and base is not None and mode and base._requires_grad:
        # x is itself a view whose base was just rebased: like PyTorch, x now reads itself out of the
        # updated base (AsStridedBackward0 <- CopySlices).
        regenerate_view(self)
Tensor.__setitem__ = _setitem
