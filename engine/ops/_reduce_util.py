"""Shape helpers and the ``grad · D`` rule base the reductions share."""

from __future__ import annotations

import numpy as np

from .._op import Op
from .._tensor import _make
from ._util import normalize_dims


def _keepdim_shape(shape: tuple, dims: tuple) -> tuple:
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _expand_back(grad, in_shape: tuple, dims: tuple, keepdim: bool):
    """Broadcast a reduced gradient back over the reduced dims."""
    if not keepdim and dims:
        grad = grad.reshape(_keepdim_shape(in_shape, dims))
    return grad.expand(in_shape)



# ---- norms, variance, products, extrema ------------------------------------------------------------
# These reductions share one shape of rule: with D the local derivative d result / d input (same shape
# as the input, built from engine ops or constant masks), the reverse rule is ``grad · D`` (grad put
# back over the reduced dims) and the forward rule is ``sum(tangent · D)`` over the same dims.


def _keep(t, in_shape: tuple, dims: tuple, keepdim: bool):
    """A reduced tensor reshaped so it broadcasts against the input (the reduced dims as size 1)."""
    if keepdim or not dims:
        return t if t._data.ndim == len(in_shape) or not dims else t.reshape(_keepdim_shape(in_shape, dims))
    return t.reshape(_keepdim_shape(in_shape, dims))


def _const(values, like):
    return _make(np.asarray(values, dtype=like._data.dtype))


class _LocalGradReduction(Op):
    """A reduction over ``self.dims`` whose rules are ``grad · D`` and ``sum(tangent · D)``."""

    abstract = True
    saves = ("self",)
    saves_result = True
    keepdim = False

    def local_grad(self, x, r_kept):  # pragma: no cover - abstract
        raise NotImplementedError

    def _dims_of(self, ndim: int) -> tuple:
        return normalize_dims(self.dim, ndim) if getattr(self, "dim", None) not in (None, ()) else tuple(range(ndim))

    def vjp(self, grad):
        (x,) = self.saved
        shape = x._data.shape
        d = self.local_grad(x, _keep(self.result, shape, self.dims, self.keepdim))
        return (_keep(grad, shape, self.dims, self.keepdim) * d,)

    def jvp(self, tangents):
        x = self.fw_inputs[0]
        shape = x._data.shape
        d = self.local_grad(x, _keep(self.fw_result, shape, self.dims, self.keepdim))
        out = tangents[0] * d
        if not self.dims:
            return out
        return out.sum(dim=self.dims, keepdim=self.keepdim)


def _out_shape(shape: tuple, dims: tuple, keepdim: bool) -> tuple:
    if keepdim:
        return _keepdim_shape(shape, dims)
    return tuple(s for i, s in enumerate(shape) if i not in dims)
