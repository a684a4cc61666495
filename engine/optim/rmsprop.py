"""``optim.RMSprop``: divide the gradient by a running root-mean-square (optionally centred, with momentum)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ._update import advance, grad_of, scalar, step_counter, write, zeros_like_param
from .optimizer import Optimizer, check_non_negative


class RMSprop(Optimizer):
    """PyTorch's update for parameter ``p`` with gradient ``g`` (after maximize and L2 decay)::

        v = α·v + (1 − α)·g²
        avg = sqrt(v − ḡ²) with ḡ = lerp(ḡ, g, 1 − α) if centered else sqrt(v);   avg = avg + eps
        buf = momentum·buf + g/avg;  p = p − lr·buf     (momentum > 0)
        p = p − lr·g/avg                                (otherwise)
    """

    def __init__(
        self, params: Iterable, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
        weight_decay: float = 0, momentum: float = 0, centered: bool = False, capturable: bool = False,
        foreach=None, maximize: bool = False, differentiable: bool = False,
    ) -> None:
        check_non_negative(("learning rate", lr), ("epsilon value", eps), ("momentum value", momentum),
                           ("weight_decay value", weight_decay), ("alpha value", alpha))
        defaults = dict(
            lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered, weight_decay=weight_decay,
            capturable=capturable, foreach=foreach, maximize=maximize, differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def _update(self, p, group: dict) -> None:
        state = self.state[p]
        if not state:
            state["step"] = step_counter()
            state["square_avg"] = zeros_like_param(p)
            if group["momentum"] > 0:
                state["momentum_buffer"] = zeros_like_param(p)
            if group["centered"]:
                state["grad_avg"] = zeros_like_param(p)
        data = p._data
        g = grad_of(p, group)
        advance(state["step"])
        alpha, eps, lr, momentum = group["alpha"], group["eps"], group["lr"], group["momentum"]
        square_avg = state["square_avg"]
        write(square_avg, square_avg._data * scalar(alpha, data) + scalar(1 - alpha, data) * g * g)
        if group["centered"]:
            grad_avg = state["grad_avg"]
            write(grad_avg, grad_avg._data + scalar(1 - alpha, data) * (g - grad_avg._data))
            avg = np.sqrt(square_avg._data - grad_avg._data * grad_avg._data)
        else:
            avg = np.sqrt(square_avg._data)
        avg = avg + scalar(eps, data)
        if momentum > 0:
            buf = state["momentum_buffer"]
            write(buf, buf._data * scalar(momentum, data) + g / avg)
            write(p, data - scalar(lr, data) * buf._data)
        else:
            write(p, data - scalar(lr, data) * (g / avg))
