"""The layer classes of ``engine.nn``."""

from .activation import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .container import ModuleDict, ModuleList, Sequential
from .dropout import Dropout
from .flatten import Flatten
from .linear import Identity, Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .module import Module
# convolution, pooling, fold/unfold and upsampling
from .conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d
from .fold import Fold, Unfold, Upsample, UpsamplingBilinear2d, UpsamplingNearest2d
from .padding import (
    ConstantPad1d, ConstantPad2d, ReflectionPad1d, ReflectionPad2d, ReplicationPad1d, ReplicationPad2d, ZeroPad1d, ZeroPad2d,
)
from .pooling import (
    AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d,
)

__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Dropout", "Flatten", "Identity", "L1Loss",
    "LeakyReLU", "Linear", "LogSoftmax", "MSELoss", "Module", "ModuleDict", "ModuleList", "NLLLoss",
    "ReLU", "Sequential", "Sigmoid", "Softmax", "Tanh",
]

# ---- norm branch: normalisation, embedding, channel dropout, more activations and losses ----------
from .activation_extra import (  # noqa: E402
    CELU,
    ELU,
    GELU,
    GLU,
    SELU,
    Hardshrink,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LogSigmoid,
    Mish,
    PReLU,
    ReLU6,
    SiLU,
    Softmax2d,
    Softmin,
    Softplus,
    Softshrink,
    Softsign,
    Tanhshrink,
    Threshold,
)
from .batchnorm import BatchNorm1d, BatchNorm2d  # noqa: E402
from .channel_dropout import Dropout1d, Dropout2d  # noqa: E402
from .group_norm import GroupNorm  # noqa: E402
from .loss_extra import (  # noqa: E402
    CosineEmbeddingLoss,
    GaussianNLLLoss,
    HuberLoss,
    KLDivLoss,
    MarginRankingLoss,
    PoissonNLLLoss,
    SmoothL1Loss,
    TripletMarginLoss,
)
from .sparse import Embedding  # noqa: E402

__all__ += [
    "BatchNorm1d",
    "BatchNorm2d",
    "CELU",
    "CosineEmbeddingLoss",
    "Dropout1d",
    "Dropout2d",
    "ELU",
    "Embedding",
    "GELU",
    "GLU",
    "GaussianNLLLoss",
    "GroupNorm",
    "Hardshrink",
    "Hardsigmoid",
    "Hardswish",
    "Hardtanh",
    "HuberLoss",
    "KLDivLoss",
    "LogSigmoid",
    "MarginRankingLoss",
    "Mish",
    "PReLU",
    "PoissonNLLLoss",
    "ReLU6",
    "SELU",
    "SiLU",
    "SmoothL1Loss",
    "Softmax2d",
    "Softmin",
    "Softplus",
    "Softshrink",
    "Softsign",
    "Tanhshrink",
    "Threshold",
    "TripletMarginLoss",
]
__all__ += [
    "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AvgPool1d", "AvgPool2d",
    "Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d", "Fold", "MaxPool1d", "MaxPool2d", "Unfold", "Upsample",
    "ConstantPad1d", "ConstantPad2d", "ReflectionPad1d", "ReflectionPad2d", "ReplicationPad1d", "ReplicationPad2d",
    "ZeroPad1d", "ZeroPad2d", "UpsamplingBilinear2d", "UpsamplingNearest2d",
]
# Sequence layers (LayerNorm, recurrent, attention, transformer).
from .layernorm import LayerNorm  # noqa: E402
from .activation_attention import MultiheadAttention, NonDynamicallyQuantizableLinear  # noqa: E402
from .transformer import (  # noqa: E402
    Transformer, TransformerDecoder, TransformerDecoderLayer, TransformerEncoder, TransformerEncoderLayer,
)
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase  # noqa: E402

__all__ += ["LayerNorm", "GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNBase", "RNNCell", "RNNCellBase",
            "MultiheadAttention", "NonDynamicallyQuantizableLinear",
            "Transformer", "TransformerDecoder", "TransformerDecoderLayer", "TransformerEncoder", "TransformerEncoderLayer"]
# 3-D convolution, pooling and batch norm (nnbreadth branch).
from .layers3d import (  # noqa: E402
    AdaptiveAvgPool3d, AvgPool3d, BatchNorm3d, ConstantPad3d, Conv3d, ConvTranspose3d, MaxPool3d, ReflectionPad3d,
    ReplicationPad3d, ZeroPad3d,
)

from .bilinear import Bilinear  # noqa: E402

__all__ += ["AdaptiveAvgPool3d", "AvgPool3d", "BatchNorm3d", "Bilinear", "ConstantPad3d", "Conv3d", "ConvTranspose3d",
            "MaxPool3d", "ReflectionPad3d", "ReplicationPad3d", "ZeroPad3d"]
from .layers3d import AdaptiveMaxPool3d  # noqa: E402  (nodefixture)
from .pixelshuffle import PixelShuffle, PixelUnshuffle  # noqa: E402  (nodefixture)
from .sparse import EmbeddingBag  # noqa: E402  (nodefixture)

__all__ += ["AdaptiveMaxPool3d", "EmbeddingBag", "PixelShuffle", "PixelUnshuffle"]
