"""``optim.Adam``: adaptive moment estimation (optionally AMSGrad, maximize, L2 or decoupled decay)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from .._tensor import _make
from ._update import scalar, write
from .optimizer import Optimizer


class Adam(Optimizer):
    """PyTorch's update at step ``t`` for parameter ``p`` with gradient ``g``::

        g = -g if maximize
        p = p·(1 − lr·wd) if decoupled_weight_decay else g = g + wd·p
        m = m + (1 − β1)·(g − m);    v = β2·v + (1 − β2)·g²    (v_max = max(v_max, v) for amsgrad)
        p = p − lr/(1 − β1ᵗ) · m / (sqrt(v)/sqrt(1 − β2ᵗ) + eps)
    """

    def __init__(
        self, params: Iterable, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
        weight_decay: float = 0, amsgrad: bool = False, *, foreach=None, maximize: bool = False,
        capturable: bool = False, differentiable: bool = False, fused=None, decoupled_weight_decay: bool = False,
    ) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(
            lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
            foreach=foreach, capturable=capturable, differentiable=differentiable, fused=fused,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def _state_for(self, p, amsgrad: bool) -> dict:
        state = self.state[p]
        if not state:
            # PyTorch keeps the step count as a float32 scalar tensor.
            state["step"] = _make(np.array(0.0, dtype=np.float32))
            state["exp_avg"] = _make(np.zeros_like(p._data))
            state["exp_avg_sq"] = _make(np.zeros_like(p._data))
            if amsgrad:
                state["max_exp_avg_sq"] = _make(np.zeros_like(p._data))
        return state

    def _update(self, p, group: dict) -> None:
        data = p._data
        g = p._grad._data
        if group["maximize"]:
            g = -g
        amsgrad = group["amsgrad"]
        state = self._state_for(p, amsgrad)
        beta1, beta2 = group["betas"]
        lr, wd, eps = group["lr"], group["weight_decay"], group["eps"]
        step_t = state["step"]
        write(step_t, step_t._data + 1)
        if wd != 0:
            if group["decoupled_weight_decay"]:
                write(p, data * scalar(1 - lr * wd, data))
            else:
                g = g + scalar(wd, data) * data
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        m = exp_avg._data
        write(exp_avg, m + scalar(1 - beta1, data) * (g - m))  # lerp_(g, 1 - beta1)
        write(exp_avg_sq, exp_avg_sq._data * scalar(beta2, data) + scalar(1 - beta2, data) * g * g)
        step = float(step_t._data)
        bias_correction1 = 1 - beta1**step
        bias_correction2_sqrt = math.sqrt(1 - beta2**step)
        step_size = lr / bias_correction1
        second = exp_avg_sq._data
        if amsgrad:
            max_sq = state["max_exp_avg_sq"]
            write(max_sq, np.maximum(max_sq._data, second))
            second = max_sq._data
        denom = np.sqrt(second) / scalar(bias_correction2_sqrt, data) + scalar(eps, data)
        write(p, p._data - scalar(step_size, data) * (exp_avg._data / denom))
