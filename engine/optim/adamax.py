"""``optim.Adamax``: Adam with the infinity norm in place of the second moment."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ._update import advance, grad_of, scalar, step_counter, write, zeros_like_param
from .optimizer import Optimizer, check_betas, check_non_negative


class Adamax(Optimizer):
    """PyTorch's update at step ``t`` (gradient ``g`` after maximize and L2 decay)::

        m = lerp(m, g, 1 − β1);   u = max(β2·u, |g| + eps)
        p = p − lr/(1 − β1ᵗ) · m/u
    """

    def __init__(
        self, params: Iterable, lr: float = 2e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
        weight_decay: float = 0, foreach=None, *, maximize: bool = False, differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        check_non_negative(("learning rate", lr), ("epsilon value", eps))
        check_betas(betas)
        check_non_negative(("weight_decay value", weight_decay))
        defaults = dict(
            lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach, maximize=maximize,
            differentiable=differentiable, capturable=capturable,
        )
        super().__init__(params, defaults)

    def _update(self, p, group: dict) -> None:
        state = self.state[p]
        if not state:
            state["step"] = step_counter()
            state["exp_avg"] = zeros_like_param(p)
            state["exp_inf"] = zeros_like_param(p)
        data = p._data
        g = grad_of(p, group)
        step = advance(state["step"])
        beta1, beta2 = group["betas"]
        exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
        write(exp_avg, exp_avg._data + scalar(1 - beta1, data) * (g - exp_avg._data))
        write(exp_inf, np.maximum(exp_inf._data * scalar(beta2, data), np.abs(g) + scalar(group["eps"], data)))
        clr = group["lr"] / (1 - beta1**step)
        write(p, data - scalar(clr, data) * (exp_avg._data / exp_inf._data))
