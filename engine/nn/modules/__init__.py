"""The layer classes of ``engine.nn``."""

from .activation import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .container import ModuleDict, ModuleList, Sequential
from .dropout import Dropout
from .flatten import Flatten
from .linear import Identity, Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .module import Module

# norm branch: normalisation, embedding, channel dropout
from .activation_extra import (
    CELU, ELU, GELU, GLU, SELU, Hardsigmoid, Hardswish, Hardtanh, LogSigmoid, Mish, PReLU, ReLU6, SiLU,
    Softmax2d, Softmin, Softplus, Softsign, Threshold,
)
from .batchnorm import BatchNorm1d, BatchNorm2d
from .channel_dropout import Dropout1d, Dropout2d
from .group_norm import GroupNorm
from .loss_extra import (
    CosineEmbeddingLoss, GaussianNLLLoss, HuberLoss, KLDivLoss, MarginRankingLoss, PoissonNLLLoss, SmoothL1Loss,
    TripletMarginLoss,
)
from .sparse import Embedding

__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Dropout", "Flatten", "Identity", "L1Loss",
    "LeakyReLU", "Linear", "LogSoftmax", "MSELoss", "Module", "ModuleDict", "ModuleList", "NLLLoss",
    "ReLU", "Sequential", "Sigmoid", "Softmax", "Tanh",
]
__all__ += ["BatchNorm1d", "BatchNorm2d", "Dropout1d", "Dropout2d", "Embedding", "GroupNorm"]
__all__ += [
    "CELU", "ELU", "GELU", "GLU", "SELU", "Hardsigmoid", "Hardswish", "Hardtanh", "LogSigmoid", "Mish", "PReLU",
    "ReLU6", "SiLU", "Softmax2d", "Softmin", "Softplus", "Softsign", "Threshold",
]
__all__ += [
    "CosineEmbeddingLoss", "GaussianNLLLoss", "HuberLoss", "KLDivLoss", "MarginRankingLoss", "PoissonNLLLoss",
    "SmoothL1Loss", "TripletMarginLoss",
]
