"""``optim.NAdam``: Adam with Nesterov momentum and a momentum-decay schedule (Dozat, 2016)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ._update import advance, float_scalar, grad_of, scalar, step_counter, write, zeros_like_param
from .optimizer import Optimizer, check_betas, check_non_negative


class NAdam(Optimizer):
    """PyTorch's update at step ``t`` (gradient ``g`` after maximize and L2 decay)::

        μₜ = β1·(1 − ½·0.96^(t·ψ)),  μₜ₊₁ likewise;  Π = Π·μₜ   (ψ = momentum_decay)
        m = lerp(m, g, 1 − β1);   v = β2·v + (1 − β2)·g²;   d = sqrt(v/(1 − β2ᵗ)) + eps
        p = p − lr·(1 − μₜ)/(1 − Π) · g/d − lr·μₜ₊₁/(1 − Π·μₜ₊₁) · m/d
    """

    def __init__(
        self, params: Iterable, lr: float = 2e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
        weight_decay: float = 0, momentum_decay: float = 4e-3, decoupled_weight_decay: bool = False, *,
        foreach=None, maximize: bool = False, capturable: bool = False, differentiable: bool = False,
    ) -> None:
        check_non_negative(("learning rate", lr), ("epsilon value", eps))
        check_betas(betas)
        check_non_negative(("weight_decay value", weight_decay), ("momentum_decay value", momentum_decay))
        defaults = dict(
            lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
            decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
            capturable=capturable, differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def _update(self, p, group: dict) -> None:
        state = self.state[p]
        if not state:
            state["step"] = step_counter()
            state["mu_product"] = float_scalar(1.0)  # a float32 scalar tensor, as in PyTorch
            state["exp_avg"] = zeros_like_param(p)
            state["exp_avg_sq"] = zeros_like_param(p)
        g = grad_of(p, group)
        step = advance(state["step"])
        lr, wd, psi = group["lr"], group["weight_decay"], group["momentum_decay"]
        beta1, beta2 = group["betas"]
        bias_correction2 = 1 - beta2**step
        if wd != 0 and group["decoupled_weight_decay"]:
            write(p, p._data * scalar(1 - lr * wd, p._data))
        data = p._data
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * psi)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * psi)))
        mu_product = state["mu_product"]
        write(mu_product, mu_product._data * np.float32(mu))
        product = float(mu_product._data)
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        write(exp_avg, exp_avg._data + scalar(1 - beta1, data) * (g - exp_avg._data))
        write(exp_avg_sq, exp_avg_sq._data * scalar(beta2, data) + scalar(1 - beta2, data) * g * g)
        denom = np.sqrt(exp_avg_sq._data / scalar(bias_correction2, data)) + scalar(group["eps"], data)
        grad_weight = -lr * (1.0 - mu) / (1.0 - product)
        avg_weight = -lr * mu_next / (1.0 - product * mu_next)
        write(p, data + scalar(grad_weight, data) * (g / denom))
        write(p, p._data + scalar(avg_weight, data) * (exp_avg._data / denom))
