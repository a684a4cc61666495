"""Rebuilding a pickled tensor (see ``Tensor.__reduce_ex__``)."""

from __future__ import annotations

import numpy as np


def rebuild_tensor(cls, raw: bytes, dtype_name: str, shape: tuple, requires_grad: bool):
    # lazy: _tensor imports this module (for __reduce_ex__), and engine.nn builds on Tensor
    from ._tensor import _make

    # np.dtype(name) is numpy's canonical dtype object, which the engine compares by identity.
    data = np.frombuffer(raw, dtype=np.dtype(dtype_name)).reshape(shape).copy()
    from .nn.parameter import Parameter

    t = _make(data)
    if issubclass(cls, Parameter):
        return cls(t, requires_grad=requires_grad)
    if requires_grad:
        t.requires_grad_(True)
    return t
