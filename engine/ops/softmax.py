"""``softmax``, ``log_softmax`` and ``logsumexp`` (``engine.<name>`` and ``Tensor.<name>`` as in PyTorch).

The forwards subtract the maximum so large inputs do not overflow exp().
"""

from __future__ import annotations

import numpy as np

from .._api import public
from .._op import Op
from .._tensor import Tensor, _wrap_dim
from ._reduce_util import _LocalGradReduction
from ._samples import sampler
from ._util import float_dtype_for, normalize_dims
from .backward_ops import LogSoftmaxBackwardData, SoftmaxBackwardData
from .nn_ops import _type_name

_rand = sampler(low=-2.0, high=2.0, seed=31)

_MISSING = object()


# ---- softmax family --------------------------------------------------------------------------------


class _SoftmaxBase(Op):
    abstract = True
    saves_result = True
    kernel = "softmax"

    def _shifted(self, x: np.ndarray) -> np.ndarray:
        if x.dtype.kind != "f":
            last = x.ndim == 0 or self.dim in (-1, x.ndim - 1)
            kernel = f"{self.kernel}_lastdim_kernel_impl" if last else f"{self.kernel}_kernel_impl"
            raise NotImplementedError(f"\"{kernel}\" not implemented for '{_type_name(x)}'")
        if x.ndim == 0 or x.size == 0:  # an empty input has an empty result (numpy's max refuses it)
            return x - x
        m = np.max(x, axis=self.dim, keepdims=True)
        # As PyTorch's kernel: x - max, infinite maxima included. A row holding +inf is then all
        # nan (inf - inf, and the nan enters every element through the sum), and so is a row of
        # -inf only, which is what PyTorch returns for both.
        with np.errstate(invalid="ignore"):
            return x - m


class Softmax(_SoftmaxBase):
    node_name = "SoftmaxBackward0"
    aten = "aten::_softmax"

    def forward(self, x):
        e = np.exp(self._shifted(x))
        if x.ndim == 0:
            return e
        return e / np.sum(e, axis=self.dim, keepdims=True)

    def vjp(self, grad):
        # PyTorch's rule is the kernel _softmax_backward_data (its node under create_graph)
        return (SoftmaxBackwardData.apply(grad, self.result, dim=self.dim),)

    def jvp(self, tangents):
        r = self.fw_result
        t = tangents[0]
        return r * (t - (t * r).sum(dim=self.dim, keepdim=True))

    def rule(self) -> str:
        return f"grad_input = result · (grad − Σ_dim{self.dim}(grad · result))"

    @staticmethod
    def samples():
        return [((_rand(2, 3, 4),), {"dim": 1}), ((_rand(3, 4),), {"dim": -1})]


class LogSoftmax(_SoftmaxBase):
    node_name = "LogSoftmaxBackward0"
    aten = "aten::_log_softmax"
    kernel = "log_softmax"

    def forward(self, x):
        s = self._shifted(x)
        if x.ndim == 0:
            return s
        return s - np.log(np.sum(np.exp(s), axis=self.dim, keepdims=True))

    def vjp(self, grad):
        # PyTorch's rule is the kernel _log_softmax_backward_data (its node under create_graph)
        return (LogSoftmaxBackwardData.apply(grad, self.result, dim=self.dim),)

    def jvp(self, tangents):
        r = self.fw_result
        t = tangents[0]
        return t - (r.exp() * t).sum(dim=self.dim, keepdim=True)

    def rule(self) -> str:
        return f"grad_input = grad − exp(result) · Σ_dim{self.dim} grad"

    @staticmethod
    def samples():
        return [((_rand(2, 3, 4),), {"dim": 2}), ((_rand(3, 4),), {"dim": 0})]


def _softmax_call(cls, name: str, input: Tensor, dim, dtype) -> Tensor:
    if dim is _MISSING:
        raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
    if dtype is not None:
        input = input.to(dtype)
    d = _wrap_dim(dim, input._data.ndim)
    return cls.apply(input, dim=d)


@public(method=True)
def softmax(input: Tensor, dim=_MISSING, dtype=None) -> Tensor:
    """exp(x) / Σ exp(x) along ``dim`` (computed with the maximum subtracted, so it never overflows)."""
    return _softmax_call(Softmax, "softmax", input, dim, dtype)


@public(method=True)
def log_softmax(input: Tensor, dim=_MISSING, dtype=None) -> Tensor:
    """log(softmax(x)) along ``dim``, computed as x − max − log Σ exp(x − max)."""
    return _softmax_call(LogSoftmax, "log_softmax", input, dim, dtype)


class Logsumexp(_LocalGradReduction):
    node_name = "LogsumexpBackward0"
    aten = "aten::logsumexp"

    def forward(self, x):
        x = x if x.dtype.kind == "f" else x.astype(float_dtype_for(x))
        self.dims = normalize_dims(self.dim, x.ndim)
        if not self.dims:
            return x.copy()
        if x.size:
            m = np.max(x, axis=self.dims, keepdims=True)
        else:  # an empty input: log(sum over nothing) = -inf, in the reduced (keepdim) shape
            m = np.zeros([1 if i in self.dims else n for i, n in enumerate(x.shape)], x.dtype)
        m = np.where(np.isfinite(m), m, 0)
        with np.errstate(divide="ignore"):
            out = np.log(np.sum(np.exp(x - m), axis=self.dims, keepdims=True)) + m
        return out if self.keepdim else out.reshape([s for i, s in enumerate(x.shape) if i not in self.dims])

    def local_grad(self, x, r):
        return (x - r).exp()

    def rule(self) -> str:
        return f"grad_input = grad · exp(input − result)   (softmax over dim {self.dim})"

    @staticmethod
    def samples():
        x = _rand(2, 3, 4)
        return [((x,), {"dim": (1,)}), ((x,), {"dim": (0, 2), "keepdim": True})]


@public(method=True)
def logsumexp(input: Tensor, dim=_MISSING, keepdim: bool = False) -> Tensor:
    """log Σ exp(x) over ``dim``, stable for large inputs."""
    if dim is _MISSING:
        raise TypeError('logsumexp() missing 1 required positional arguments: "dim"')
    if isinstance(dim, int):
        dim = (dim,)
    # An empty dim list reduces over every dim in PyTorch's logsumexp (unlike an identity reduction).
    return Logsumexp.apply(input, dim=tuple(dim) or tuple(range(input._data.ndim)), keepdim=keepdim)
