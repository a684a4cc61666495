"""``torch.optim`` on the engine: Optimizer, SGD, Adam, AdamW."""

from .adam import Adam
from .adamw import AdamW
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["Adam", "AdamW", "Optimizer", "SGD"]
