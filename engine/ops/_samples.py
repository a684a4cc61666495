"""Sample inputs for the ops' ``samples()``, drawn one way for every op file.

The registry-driven gradient tests (``tests/engine/test_op_gradients.py``) call each op's
``samples()`` and check vjp, jvp and second order against finite differences; the inputs only need
to be deterministic and away from the points where an op is not differentiable. Each op file binds
the range its ops need once (``_rand = sampler(low=0.2, high=1.4)`` for logs and square roots)
instead of writing its own generator.
"""

from __future__ import annotations

from functools import partial

import numpy as np


def uniform(*shape: int, low: float = -1.0, high: float = 1.0, seed: int = 0) -> np.ndarray:
    """float64 values in [low, high), the same for the same shape and seed."""
    return np.random.default_rng(seed + 17 * len(shape) + sum(shape)).uniform(low, high, shape)


def distinct(*shape: int, seed: int = 0, step: float = 0.1, jitter: float = 0.02) -> np.ndarray:
    """Values at least ``step - 2·jitter`` apart: max, sort and pooling are not differentiable at ties."""
    rng = np.random.default_rng(seed + 41 + sum(shape))
    count = int(np.prod(shape))
    return rng.permutation(count).reshape(shape) * step + rng.uniform(-jitter, jitter, shape)


def sampler(*, low: float = -1.0, high: float = 1.0, seed: int = 0):
    """``uniform`` with this file's range bound: ``_rand(2, 3)``, ``_rand(2, 3, seed=1)``."""
    return partial(uniform, low=low, high=high, seed=seed)
