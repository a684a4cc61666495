"""``optim.SGD``: stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from collections.abc import Iterable

from .._tensor import _make
from ._update import scalar, write
from .optimizer import Optimizer


class SGD(Optimizer):
    """PyTorch's update, per parameter ``p`` with gradient ``g``::

        g = -g if maximize;  g = g + weight_decay·p
        buf = g (first step) | momentum·buf + (1 − dampening)·g
        g = g + momentum·buf if nesterov else buf          (when momentum ≠ 0)
        p = p − lr·g
    """

    def __init__(
        self, params: Iterable, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
        weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False, foreach=None,
        differentiable: bool = False, fused=None,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(
            lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
            maximize=maximize, foreach=foreach, differentiable=differentiable, fused=fused,
        )
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _update(self, p, group: dict) -> None:
        data = p._data
        g = p._grad._data
        if group["maximize"]:
            g = -g
        wd, momentum = group["weight_decay"], group["momentum"]
        if wd != 0:
            g = g + scalar(wd, data) * data
        if momentum != 0:
            state = self.state[p]
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = _make(g.copy())
                state["momentum_buffer"] = buf
            else:
                write(buf, buf._data * scalar(momentum, data) + scalar(1 - group["dampening"], data) * g)
            g = g + scalar(momentum, data) * buf._data if group["nesterov"] else buf._data
        write(p, data - scalar(group["lr"], data) * g)
