"""``torch.optim.lr_scheduler``: learning-rate schedules (PyTorch 2.13's behaviour and state dicts)."""

from ._scheduler_base import LRScheduler, _LRScheduler
from ._scheduler_cyclic import CyclicLR
from ._schedulers_composite import ChainedScheduler, OneCycleLR, ReduceLROnPlateau, SequentialLR
from ._schedulers_decay import (
    ConstantLR,
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiplicativeLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)

__all__ = [
    "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR", "ExponentialLR",
    "SequentialLR", "CosineAnnealingLR", "ChainedScheduler", "ReduceLROnPlateau", "CyclicLR", "CosineAnnealingWarmRestarts",
    "OneCycleLR", "PolynomialLR", "LRScheduler", "_LRScheduler",
]
