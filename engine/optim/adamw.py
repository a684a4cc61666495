"""``optim.AdamW``: Adam with decoupled weight decay (default 0.01), as PyTorch defines it."""

from __future__ import annotations

from collections.abc import Iterable

from .adam import Adam


class AdamW(Adam):
    """Adam whose weight decay shrinks the parameters directly: ``p = p·(1 − lr·weight_decay)``."""

    def __init__(
        self, params: Iterable, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
        weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False, foreach=None,
        capturable: bool = False, differentiable: bool = False, fused=None,
    ) -> None:
        super().__init__(
            params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
            capturable=capturable, differentiable=differentiable, fused=fused, decoupled_weight_decay=True,
        )
