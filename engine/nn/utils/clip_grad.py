"""``clip_grad_norm_`` and ``clip_grad_value_``: rescale or clamp ``.grad`` in place, as PyTorch does."""

from __future__ import annotations

import math
import types
import warnings
from collections.abc import Iterable

import numpy as np

from ..._tensor import Tensor, _make


def _as_list(tensors) -> list:
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _vector_norm(values: np.ndarray, norm_type: float) -> np.ndarray:
    """``linalg.vector_norm`` of a flattened array, kept in the array's dtype."""
    a = np.abs(values.reshape(-1))
    if norm_type == math.inf:
        return a.max(initial=0).astype(values.dtype)
    if norm_type == -math.inf:
        return a.min().astype(values.dtype)
    if norm_type == 0:
        return np.asarray(np.count_nonzero(a), dtype=values.dtype)
    if norm_type == 1:
        return a.sum(dtype=values.dtype)
    if norm_type == 2:
        return np.sqrt(np.dot(a, a)).astype(values.dtype)
    return (a**norm_type).sum(dtype=values.dtype) ** values.dtype.type(1.0 / norm_type)


def get_total_norm(tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """The norm of the per-tensor norms (= the norm of everything concatenated)."""
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return _make(np.array(0.0, dtype=np.float32))
    norms = [_vector_norm(t._data, norm_type) for t in tensors]
    dtype = np.result_type(*norms)
    total = _vector_norm(np.stack([np.asarray(n, dtype=dtype) for n in norms]), norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it cannot be "
            "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
            "`error_if_nonfinite=False`"
        )
    return _make(np.asarray(total, dtype=dtype))


def _scale_in_place(grad: Tensor, factor: np.ndarray) -> None:
    grad._data[...] = grad._data * factor.astype(grad._data.dtype)
    grad._vc[0] += 1


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0,
    error_if_nonfinite: bool = False, foreach=None,
) -> Tensor:
    """Scale all gradients together so their total norm is at most ``max_norm``; return the norm
    before clipping. PyTorch always multiplies by ``min(max_norm/(norm + 1e-6), 1)``, even when it
    is 1, and so does this."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        was_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if was_generator and not parameters:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=2)
    grads = [p._grad for p in parameters if p._grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    if grads:
        coef = np.float64(max_norm) / (total._data + total._data.dtype.type(1e-6))
        coef = np.minimum(coef, total._data.dtype.type(1.0))
        for g in grads:
            _scale_in_place(g, np.asarray(coef))
    return total


def clip_grad_norm(parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach=None) -> Tensor:
    """Deprecated spelling of ``clip_grad_norm_`` (PyTorch warns with a FutureWarning)."""
    warnings.warn(
        "`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
        FutureWarning, stacklevel=2,
    )
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float, foreach=None) -> None:
    """Clamp every gradient element into ``[-clip_value, clip_value]`` in place."""
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        g = p._grad
        if g is not None:
            limit = g._data.dtype.type(clip_value) if g._data.dtype.kind == "f" else clip_value
            g._data[...] = np.clip(g._data, -limit, limit)
            g._vc[0] += 1
