"""``torch.distributions``: ``Categorical`` and ``Normal`` (what policy-gradient and VAE programs use),
with PyTorch's formulas so ``log_prob``/``entropy`` build PyTorch's graph; ``kl_divergence`` for two
Normals. Samples come from the engine's generator, not PyTorch's.
"""

from __future__ import annotations

import math

# engine/__init__ imports this package last (from _program_api.install_more), once the public
# namespace is complete, so these are the public functions (the device-guarded factories).
from .. import broadcast_tensors, finfo, full, multinomial, no_grad, normal, randn, tensor
from .._tensor import Size, Tensor


def _as_tensor(value, like=None):
    if isinstance(value, Tensor):
        return value
    return tensor(value, dtype=like.dtype if like is not None else None)


class Distribution:
    has_rsample = False

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None) -> None:
        self._batch_shape = Size(batch_shape)
        self._event_shape = Size(event_shape)

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return self._event_shape

    def _extended_shape(self, sample_shape=()):
        return Size(tuple(sample_shape) + tuple(self._batch_shape) + tuple(self._event_shape))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}: {v if v.numel() == 1 else v.size()}" for k, v in self._repr_params())
        return f"{type(self).__name__}({args})"


class Categorical(Distribution):
    def __init__(self, probs=None, logits=None, validate_args=None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
            self._param = self.probs
        else:
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)
            self._param = self.logits
        self._num_events = self._param.size()[-1]
        super().__init__(self._param.size()[:-1])

    def __getattr__(self, name):
        # probs and logits are derived from each other lazily, as PyTorch's lazy_property does.
        if name == "logits":
            eps = finfo(self.probs.dtype).eps
            self.logits = self.probs.clamp(min=eps, max=1 - eps).log()
            return self.logits
        if name == "probs":
            self.probs = self.logits.softmax(-1)
            return self.probs
        raise AttributeError(name)

    def _repr_params(self):
        # PyTorch lists each parameter computed so far (logits appear once entropy() needed them).
        return [(k, self.__dict__[k]) for k in ("probs", "logits") if k in self.__dict__]

    def sample(self, sample_shape=()):
        with no_grad():
            probs_2d = self.probs.reshape(-1, self._num_events)
            n = 1
            for s in sample_shape:
                n *= s
            samples = multinomial(probs_2d, n, True).T
            return samples.reshape(self._extended_shape(sample_shape))

    def log_prob(self, value):
        value = value.long().unsqueeze(-1)
        value, log_pmf = broadcast_tensors(value, self.logits)
        value = value[..., :1]
        return log_pmf.gather(-1, value).squeeze(-1)

    def entropy(self):
        min_real = finfo(self.logits.dtype).min
        logits = self.logits.clamp(min=min_real)
        p_log_p = logits * self.probs
        return -p_log_p.sum(-1)

    @property
    def mean(self):
        return full(self._extended_shape(), math.nan, dtype=self.probs.dtype)

    @property
    def mode(self):
        return self.probs.argmax(dim=-1)


class Normal(Distribution):
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None) -> None:
        loc = _as_tensor(loc, scale if isinstance(scale, Tensor) else None)
        scale = _as_tensor(scale, loc)
        self.loc, self.scale = broadcast_tensors(loc, scale)
        super().__init__(self.loc.size())

    def _repr_params(self):
        return [("loc", self.loc), ("scale", self.scale)]

    @property
    def mean(self):
        return self.loc

    @property
    def stddev(self):
        return self.scale

    @property
    def variance(self):
        return self.stddev.pow(2)

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        with no_grad():
            return normal(self.loc.expand(shape), self.scale.expand(shape))

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        eps = randn(*shape, dtype=self.loc.dtype)
        return self.loc + eps * self.scale

    def log_prob(self, value):
        var = self.scale ** 2
        log_scale = self.scale.log()
        return -((value - self.loc) ** 2) / (2 * var) - log_scale - math.log(math.sqrt(2 * math.pi))

    def entropy(self):
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()


def kl_divergence(p, q):
    if isinstance(p, Normal) and isinstance(q, Normal):
        var_ratio = (p.scale / q.scale).pow(2)
        t1 = ((p.loc - q.loc) / q.scale).pow(2)
        return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())
    raise NotImplementedError(f"No KL(p || q) is implemented for {type(p).__name__} and {type(q).__name__}")


__all__ = ["Categorical", "Distribution", "Normal", "kl_divergence"]
