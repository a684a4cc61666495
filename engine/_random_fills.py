"""In-place random fills: ``uniform_``, ``normal_``, ``bernoulli_``, ``random_``, ``exponential_``,
``geometric_``, ``log_normal_``, ``cauchy_`` (Tensor methods), with PyTorch's argument checks.

They draw from the engine's generator (``torch.manual_seed`` makes them reproducible; the numbers
are not PyTorch's). Like every in-place op they refuse a leaf that requires grad while grad mode is
on, and bump the version counter.
"""

from __future__ import annotations

import numpy as np

from ._tensor import Tensor


def _rng(generator):
    from ._factories import default_generator

    return (generator or default_generator).rng


def _fill(self: Tensor, values) -> Tensor:
    from .autograd.grad_mode import is_grad_enabled

    if self._requires_grad and self.grad_fn is None and is_grad_enabled():
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    self._data[...] = np.asarray(values).astype(self._data.dtype, copy=False)
    self._vc[0] += 1
    return self


def uniform_(self, from_: float = 0, to: float = 1, *, generator=None, **kwargs) -> Tensor:
    from_ = kwargs.pop("from", from_)
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={from_:g} > to={to:g}")
    return _fill(self, _rng(generator).uniform(from_, to, self._data.shape))


def normal_(self, mean: float = 0, std: float = 1, *, generator=None) -> Tensor:
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    return _fill(self, _rng(generator).normal(mean, std, self._data.shape))


def bernoulli_(self, p=0.5, *, generator=None) -> Tensor:
    probs = p._data if isinstance(p, Tensor) else p
    if not isinstance(p, Tensor) and not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p:g}")
    return _fill(self, _rng(generator).random(self._data.shape) < probs)


def random_(self, from_=None, to=None, *, generator=None, **kwargs) -> Tensor:
    """``random_()``: integers over the dtype's range; ``random_(to)``: [0, to); ``random_(from, to)``."""
    from_ = kwargs.pop("from", from_)
    if to is None and from_ is not None:
        from_, to = 0, from_
    if from_ is None:
        from_ = 0
        if self._data.dtype.kind == "f":
            to = 2 ** np.finfo(self._data.dtype).nmant + 1  # integers exactly representable in the dtype
        elif self._data.dtype.kind == "b":
            to = 2
        else:
            to = int(np.iinfo(self._data.dtype).max) + 1
    if from_ >= to:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={from_} >= to={to}")
    return _fill(self, _rng(generator).integers(from_, to, self._data.shape))


def exponential_(self, lambd: float = 1.0, *, generator=None) -> Tensor:
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}")
    return _fill(self, _rng(generator).exponential(1.0 / lambd, self._data.shape))


def geometric_(self, p: float, *, generator=None) -> Tensor:
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p:g}")
    return _fill(self, _rng(generator).geometric(p, self._data.shape))


def log_normal_(self, mean: float = 1, std: float = 2, *, generator=None) -> Tensor:
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    return _fill(self, _rng(generator).lognormal(mean, std, self._data.shape))


def cauchy_(self, median: float = 0, sigma: float = 1, *, generator=None) -> Tensor:
    return _fill(self, median + sigma * _rng(generator).standard_cauchy(self._data.shape))


FILLS = {f.__name__: f for f in (uniform_, normal_, bernoulli_, random_, exponential_, geometric_, log_normal_,
                                 cauchy_)}


def install() -> None:
    for name, fn in FILLS.items():
        if not hasattr(Tensor, name):
            setattr(Tensor, name, fn)
