"""Random sampling functions: ``multinomial``, ``bernoulli``, ``normal``, ``poisson``.

They draw from the engine's generator (reproducible under ``torch.manual_seed``; not PyTorch's
numbers) and return tensors without a graph: PyTorch attaches zero-gradient nodes
(``BernoulliBackward0``...) when an input requires grad, which the engine does not model.
"""

from __future__ import annotations

import numpy as np

from . import _dtype
from ._factories import default_generator
from ._tensor import Tensor, _make


def _rng(generator):
    return (generator or default_generator).rng


def _float_dtype():
    return _dtype.get_default_dtype().numpy


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *, generator=None) -> Tensor:
    """Indices drawn from the rows of ``input`` (non-negative weights, not necessarily normalised)."""
    probs = input._data.astype(np.float64)
    if probs.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > probs.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if not np.all(np.isfinite(probs)) or np.any(probs < 0):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    rows = probs.reshape(-1, probs.shape[-1])
    totals = rows.sum(axis=1)
    if np.any(totals <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rng = _rng(generator)
    drawn = np.stack([
        rng.choice(rows.shape[1], num_samples, replace=replacement, p=row / total)
        for row, total in zip(rows, totals)
    ])
    return _make(drawn.reshape(probs.shape[:-1] + (num_samples,)).astype(np.int64))


def bernoulli(input: Tensor, p=None, *, generator=None) -> Tensor:
    """0/1 draws with probabilities ``input`` (or the scalar ``p``), in ``input``'s dtype."""
    probs = np.asarray(p if p is not None else input._data, dtype=np.float64)
    if p is None and (np.any(probs < 0) or np.any(probs > 1)):
        raise RuntimeError(
            "Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message be improved?  "
            "If so, please report an enhancement request to PyTorch.)"
        )
    draws = _rng(generator).random(input._data.shape) < probs
    return _make(draws.astype(input._data.dtype))


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, **kwargs) -> Tensor:
    """Samples of N(mean, std²): tensor or float mean/std (broadcast), or floats with ``size``."""
    m_is_t, s_is_t = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not m_is_t and not s_is_t and size is None:
        raise TypeError(
            "normal() received an invalid combination of arguments - got (float, float), but expected one of:\n"
            " * (Tensor mean, Tensor std, *, torch.Generator generator = None, Tensor out = None)\n"
            " * (Tensor mean, float std = 1, *, torch.Generator generator = None, Tensor out = None)\n"
            " * (float mean, Tensor std, *, torch.Generator generator = None, Tensor out = None)\n"
            " * (float mean, float std, tuple of ints size, *, torch.Generator generator = None, Tensor out = None, "
            "torch.dtype dtype = None, torch.layout layout = None, torch.device device = None, bool pin_memory = "
            "False, bool requires_grad = False)\n"
        )
    m = mean._data if m_is_t else np.asarray(mean)
    s = std._data if s_is_t else np.asarray(std)
    if not s_is_t and float(s) < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    shape = tuple(size) if size is not None else np.broadcast_shapes(np.shape(m), np.shape(s))
    like = mean._data.dtype if m_is_t else (std._data.dtype if s_is_t else (dtype.numpy if dtype else _float_dtype()))
    return _make((m + s * _rng(generator).standard_normal(shape)).astype(like))


def poisson(input: Tensor, generator=None) -> Tensor:
    """Poisson draws with rates ``input``."""
    return _make(_rng(generator).poisson(input._data).astype(input._data.dtype))


FUNCTIONS = {"multinomial": multinomial, "bernoulli": bernoulli, "normal": normal, "poisson": poisson}


def install(namespace: dict) -> None:
    for name, fn in FUNCTIONS.items():
        namespace.setdefault(name, fn)
    for name in ("multinomial", "bernoulli"):
        if not hasattr(Tensor, name):
            setattr(Tensor, name, FUNCTIONS[name])
