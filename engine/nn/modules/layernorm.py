"""``nn.LayerNorm``: normalisation over the trailing dims with an optional elementwise affine."""

from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from ._affine import register_affine, reset_affine
from .module import Module


class LayerNorm(Module):
    """PyTorch's ``LayerNorm``: weight ones and bias zeros of ``normalized_shape``."""

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        register_affine(self, elementwise_affine, self.normalized_shape, bias, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        reset_affine(self, self.elementwise_affine)

    def forward(self, input: Tensor) -> Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        # PyTorch prints bias=False whenever there is no bias parameter (also without elementwise_affine).
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
            f"bias={self.bias is not None}"
        )
