"""``nn.Parameter``: a leaf tensor that a Module registers as one of its learnable weights."""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor


class Parameter(Tensor):
    """A Tensor subclass marking a module weight: a leaf that requires grad by default.

    Like PyTorch, ``Parameter(t)`` shares ``t``'s storage and version counter (it is ``t.detach()``
    re-labelled), so writes through either are visible in both.
    """

    _is_param = True

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Parameter:
        self = object.__new__(cls)
        if data is None:
            self._data = np.zeros((0,), dtype=_dtype.DEFAULTS.float_dtype.numpy)
            self._vc = [0]
        else:
            if not isinstance(data, Tensor):
                raise TypeError(f"Parameter data must be a Tensor, got {type(data).__name__}")
            self._data = data._data
            self._vc = data._vc
        if requires_grad:
            self.requires_grad_(True)
        return self

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        # Everything happens in __new__; Tensor.__init__ (the legacy constructor) must not run.
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        copied = Parameter(Tensor.__deepcopy__(self.detach(), {}), self._requires_grad)
        if self._grad is not None:
            copied._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = copied
        return copied
