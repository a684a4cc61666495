"""``optim.Adagrad``: per-coordinate step sizes from the running sum of squared gradients."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .._tensor import _make
from ._update import advance, grad_of, scalar, step_counter, write
from .optimizer import Optimizer, check_non_negative


class Adagrad(Optimizer):
    """PyTorch's update at step ``t`` (gradient ``g`` after maximize and L2 decay)::

        clr = lr / (1 + (t − 1)·lr_decay)
        sum = sum + g²;   p = p − clr · g / (sqrt(sum) + eps)

    Unlike the other optimizers, Adagrad fills its state (``step``, ``sum``) at construction.
    """

    def __init__(
        self, params: Iterable, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
        initial_accumulator_value: float = 0, eps: float = 1e-10, foreach=None, *, maximize: bool = False,
        differentiable: bool = False, fused=None,
    ) -> None:
        check_non_negative(("learning rate", lr), ("lr_decay value", lr_decay), ("weight_decay value", weight_decay),
                           ("initial_accumulator_value value", initial_accumulator_value), ("epsilon value", eps))
        defaults = dict(
            lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
            differentiable=differentiable, fused=fused,
        )
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p)

    def _init_state(self, p) -> dict:
        state = self.state[p]
        state["step"] = step_counter()
        # PyTorch reads the initial value from the defaults, not from the parameter's group.
        state["sum"] = _make(np.full_like(p._data, self.defaults["initial_accumulator_value"]))
        return state

    def _update(self, p, group: dict) -> None:
        state = self.state[p] or self._init_state(p)
        data = p._data
        g = grad_of(p, group)
        step = advance(state["step"])
        clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        total = state["sum"]
        write(total, total._data + g * g)
        std = np.sqrt(total._data) + scalar(group["eps"], data)
        write(p, data - scalar(clr, data) * (g / std))
