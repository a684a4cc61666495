"""In-place random fills: ``uniform_``, ``normal_``, ``bernoulli_``, ``random_``, ``exponential_``,
``geometric_``, ``log_normal_``, ``cauchy_`` (Tensor methods), with PyTorch's argument checks.

They draw from the engine's generator (``torch.manual_seed`` makes them reproducible; the numbers
are not PyTorch's). Each is the in-place form of one zero-gradient op, ``RandomFill``, recording
PyTorch's node (``UniformBackward0``, ``NormalBackward0``, ``BernoulliBackward2``, ...) on a tensor
that has history, refusing a leaf that requires grad, and bumping the version counter.
"""

from __future__ import annotations

import numpy as np

from ._factories import default_generator
from ._tensor import Tensor
from .ops.unary import ZeroGradient


class RandomFill(ZeroGradient):
    """Replace the values with draws made beforehand (``values``): the result does not depend on
    the old values, so the gradient is zero. One subclass per PyTorch node (below)."""

    abstract = True

    def forward(self, x):
        return np.asarray(self.values).astype(x.dtype, copy=False)

    def rule(self) -> str:
        return "grad_input = 0   (the old values are replaced by random draws)"

    @staticmethod
    def samples():
        x = np.array([[0.3, 1.2, -0.7], [2.2, -1.6, 0.1]])
        return [((x,), {"values": np.random.default_rng(3).uniform(size=x.shape)})]


def _rng(generator):
    return (generator or default_generator).rng


# PyTorch's node per fill (and per overload: random_(from, to) / random_(to) / random_();
# bernoulli_(tensor p) / bernoulli_(float p)), each a registered zero-gradient op.
NODES = {
    name: type(name, (RandomFill,), {"node_name": name, "aten": aten, "__module__": __name__})
    for name, aten in [
        ("UniformBackward0", "aten::uniform_"), ("NormalBackward0", "aten::normal_"),
        ("BernoulliBackward1", "aten::bernoulli_"), ("BernoulliBackward2", "aten::bernoulli_"),
        ("RandomBackward0", "aten::random_"), ("RandomBackward1", "aten::random_"),
        ("RandomBackward2", "aten::random_"), ("ExponentialBackward0", "aten::exponential_"),
        ("GeometricBackward0", "aten::geometric_"), ("LogNormalBackward0", "aten::log_normal_"),
        ("CauchyBackward0", "aten::cauchy_"),
    ]
}


def _fill(self: Tensor, values, node_name: str, aten: str) -> Tensor:
    return NODES[node_name].apply_(self, values=values)


def uniform_(self, from_: float = 0, to: float = 1, *, generator=None, **kwargs) -> Tensor:
    from_ = kwargs.pop("from", from_)
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={from_:g} > to={to:g}")
    return _fill(self, _rng(generator).uniform(from_, to, self._data.shape), "UniformBackward0", "aten::uniform_")


def normal_(self, mean: float = 0, std: float = 1, *, generator=None) -> Tensor:
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    return _fill(self, _rng(generator).normal(mean, std, self._data.shape), "NormalBackward0", "aten::normal_")


def bernoulli_(self, p=0.5, *, generator=None) -> Tensor:
    probs = p._data if isinstance(p, Tensor) else p
    if not isinstance(p, Tensor) and not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p:g}")
    return _fill(self, _rng(generator).random(self._data.shape) < probs,
                 "BernoulliBackward1" if isinstance(p, Tensor) else "BernoulliBackward2", "aten::bernoulli_")


def random_(self, from_=None, to=None, *, generator=None, **kwargs) -> Tensor:
    """``random_()``: integers over the dtype's range; ``random_(to)``: [0, to); ``random_(from, to)``."""
    from_ = kwargs.pop("from", from_)
    # PyTorch's overloads: random_(from, to) RandomBackward0, random_(to) RandomBackward1, random_() RandomBackward2.
    node = "RandomBackward0" if to is not None else ("RandomBackward1" if from_ is not None else "RandomBackward2")
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
    return _fill(self, _rng(generator).integers(from_, to, self._data.shape), node, "aten::random_")


def exponential_(self, lambd: float = 1.0, *, generator=None) -> Tensor:
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}")
    return _fill(self, _rng(generator).exponential(1.0 / lambd, self._data.shape), "ExponentialBackward0",
                 "aten::exponential_")


def geometric_(self, p: float, *, generator=None) -> Tensor:
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p:g}")
    return _fill(self, _rng(generator).geometric(p, self._data.shape), "GeometricBackward0", "aten::geometric_")


def log_normal_(self, mean: float = 1, std: float = 2, *, generator=None) -> Tensor:
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    return _fill(self, _rng(generator).lognormal(mean, std, self._data.shape), "LogNormalBackward0",
                 "aten::log_normal_")


def cauchy_(self, median: float = 0, sigma: float = 1, *, generator=None) -> Tensor:
    return _fill(self, median + sigma * _rng(generator).standard_cauchy(self._data.shape), "CauchyBackward0",
                 "aten::cauchy_")


FILLS = {f.__name__: f for f in (uniform_, normal_, bernoulli_, random_, exponential_, geometric_, log_normal_,
                                 cauchy_)}


def install() -> None:
    for name, fn in FILLS.items():
        if not hasattr(Tensor, name):
            setattr(Tensor, name, fn)
