"""Helpers around ``nn.Module``: hook handles, ``load_state_dict``'s result, ``typename``, repr indenting, casts and ``zero_grad`` of one tensor."""

from __future__ import annotations

import itertools
from collections import namedtuple
from typing import Any

from ... import _dtype
from ..._tensor import Tensor, _make


def typename(obj: Any) -> str:
    """PyTorch's ``torch.typename``: ``'torch.FloatTensor'`` for tensors, else module.qualname."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    qualname = getattr(obj, "__qualname__", None) or type(obj).__qualname__
    if not hasattr(obj, "__qualname__"):
        module = type(obj).__module__
    if module in ("", "builtins"):
        return qualname
    return f"{module}.{qualname}"


def _addindent(text: str, num_spaces: int) -> str:
    """Indent every line but the first (how PyTorch nests child reprs)."""
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    first = lines.pop(0)
    return first + "\n" + "\n".join(" " * num_spaces + line for line in lines)


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the keys that were missing and unexpected."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


class RemovableHandle:
    """Returned by the module hook registrations; ``remove()`` unregisters the hook."""

    _next_id = itertools.count()

    def __init__(self, *hooks_dicts: dict) -> None:
        self.id = next(RemovableHandle._next_id)
        self._dicts = hooks_dicts

    def remove(self) -> None:
        for d in self._dicts:
            if isinstance(d, set):
                d.discard(self.id)
            else:
                d.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def _cast_floating(t: Tensor, dtype: _dtype.dtype) -> Tensor:
    """``t`` converted to ``dtype`` when it is floating point (integer buffers keep their type)."""
    if not t.is_floating_point() or t._data.dtype == dtype.numpy:
        return t
    return _make(t._data.astype(dtype.numpy))


def _zero_grad(p: Tensor, set_to_none: bool) -> None:
    """PyTorch's per-parameter zero_grad: drop the grad, or detach it and fill it with zeros in place."""
    g = p._grad
    if g is None:
        return
    if set_to_none:
        p._grad = None
        return
    if g.grad_fn is not None:
        g.detach_()
    else:
        g._requires_grad = False
    g._data[...] = 0
    g._vc[0] += 1
