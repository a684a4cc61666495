"""``optim.Adadelta``: steps scaled by the ratio of running RMS of updates to running RMS of gradients."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ._update import advance, grad_of, scalar, step_counter, write, zeros_like_param
from .optimizer import Optimizer, check_non_negative


class Adadelta(Optimizer):
    """PyTorch's update (gradient ``g`` after maximize and L2 decay)::

        v = ρ·v + (1 − ρ)·g²
        Δ = sqrt(u + eps) / sqrt(v + eps) · g;   u = ρ·u + (1 − ρ)·Δ²
        p = p − lr·Δ
    """

    def __init__(
        self, params: Iterable, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0,
        foreach=None, *, capturable: bool = False, maximize: bool = False, differentiable: bool = False,
    ) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_non_negative(("epsilon value", eps), ("weight_decay value", weight_decay))
        defaults = dict(
            lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize, capturable=capturable,
            foreach=foreach, differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def _update(self, p, group: dict) -> None:
        state = self.state[p]
        if not state:
            state["step"] = step_counter()
            state["square_avg"] = zeros_like_param(p)
            state["acc_delta"] = zeros_like_param(p)
        data = p._data
        g = grad_of(p, group)
        advance(state["step"])
        rho, eps = scalar(group["rho"], data), scalar(group["eps"], data)
        one_minus_rho = scalar(1 - group["rho"], data)
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        write(square_avg, square_avg._data * rho + one_minus_rho * g * g)
        std = np.sqrt(square_avg._data + eps)
        delta = np.sqrt(acc_delta._data + eps) / std * g
        write(acc_delta, acc_delta._data * rho + one_minus_rho * delta * delta)
        write(p, data - scalar(group["lr"], data) * delta)
