"""``Tensor.new_tensor/new_zeros/new_ones/new_empty/new_full``: a new tensor with ``self``'s dtype
(unless ``dtype`` is given) and device; ``new_empty`` is zero-filled (PyTorch leaves it uninitialised)."""

from __future__ import annotations

import warnings

import numpy as np

from ._device import check_usable
from ._tensor import Tensor, _make

_COPY_WARNING = (
    "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
    "sourceTensor.detach().clone().requires_grad_(True), rather than tensor.new_tensor(sourceTensor)."
)


def _size(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    return tuple(int(s) for s in size)


def _np_dtype(self: Tensor, dtype):
    return dtype.numpy if dtype is not None else self._data.dtype


def _finish(data: np.ndarray, device, requires_grad: bool) -> Tensor:
    check_usable(device)
    t = _make(data)
    if requires_grad:
        t.requires_grad_(True)
    return t


def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    if isinstance(data, Tensor):
        warnings.warn(_COPY_WARNING, UserWarning, stacklevel=2)
        data = data._data
    return _finish(np.array(data, dtype=_np_dtype(self, dtype)), device, requires_grad)


def _filled(value):
    def make(self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
        return _finish(np.full(_size(size), value, dtype=_np_dtype(self, dtype)), device, requires_grad)

    return make


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False, layout=None,
             pin_memory=False):
    return _finish(np.full(_size((size,)), fill_value, dtype=_np_dtype(self, dtype)), device, requires_grad)


METHODS = {"new_tensor": new_tensor, "new_zeros": _filled(0), "new_ones": _filled(1), "new_empty": _filled(0),
           "new_full": new_full}


def install() -> None:
    for name, fn in METHODS.items():
        if not hasattr(Tensor, name):  # another module may define them first; theirs wins
            fn.__name__ = name
            setattr(Tensor, name, fn)
