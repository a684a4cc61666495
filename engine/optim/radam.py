"""``optim.RAdam``: Adam with the variance of the adaptive step rectified (Liu et al., 2019)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from ._update import advance, grad_of, scalar, step_counter, write, zeros_like_param
from .optimizer import Optimizer, check_betas, check_non_negative


class RAdam(Optimizer):
    """PyTorch's update at step ``t`` (gradient ``g`` after maximize and L2 decay)::

        m = lerp(m, g, 1 − β1);   v = β2·v + (1 − β2)·g²;   m̂ = m/(1 − β1ᵗ)
        ρ∞ = 2/(1 − β2) − 1;   ρₜ = ρ∞ − 2t·β2ᵗ/(1 − β2ᵗ)
        p = p − lr·m̂·r·sqrt(1 − β2ᵗ)/(sqrt(v) + eps)   when ρₜ > 5, r = sqrt((ρₜ−4)(ρₜ−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρₜ))
        p = p − lr·m̂                                   otherwise (SGD with momentum for the first steps)
    """

    def __init__(
        self, params: Iterable, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
        weight_decay: float = 0, decoupled_weight_decay: bool = False, *, foreach=None, maximize: bool = False,
        capturable: bool = False, differentiable: bool = False,
    ) -> None:
        check_non_negative(("learning rate", lr), ("epsilon value", eps))
        check_betas(betas)
        check_non_negative(("weight_decay value", weight_decay))
        defaults = dict(
            lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize, foreach=foreach,
            capturable=capturable, decoupled_weight_decay=decoupled_weight_decay, differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def _update(self, p, group: dict) -> None:
        state = self.state[p]
        if not state:
            state["step"] = step_counter()
            state["exp_avg"] = zeros_like_param(p)
            state["exp_avg_sq"] = zeros_like_param(p)
        g = grad_of(p, group)
        step = advance(state["step"])
        lr, wd, eps = group["lr"], group["weight_decay"], group["eps"]
        beta1, beta2 = group["betas"]
        if wd != 0 and group["decoupled_weight_decay"]:
            write(p, p._data * scalar(1 - lr * wd, p._data))
        data = p._data
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        write(exp_avg, exp_avg._data + scalar(1 - beta1, data) * (g - exp_avg._data))
        write(exp_avg_sq, exp_avg_sq._data * scalar(beta2, data) + scalar(1 - beta2, data) * g * g)
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        corrected = exp_avg._data / scalar(bias_correction1, data)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            adaptive = scalar(bias_correction2**0.5, data) / (np.sqrt(exp_avg_sq._data) + scalar(eps, data))
            update = corrected * scalar(lr, data) * adaptive * scalar(rect, data)
        else:
            update = corrected * scalar(lr, data)
        write(p, data - update)
