"""``nn.GroupNorm``: normalise each sample over groups of channels, then a per-channel affine."""

from __future__ import annotations

from ..._tensor import Tensor
from .._norm_functional import group_norm
from ._affine import register_affine, reset_affine
from .module import Module


class GroupNorm(Module):
    def __init__(
        self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True, device=None, dtype=None,
        *, bias: bool = True,
    ) -> None:
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        register_affine(self, affine, num_channels, bias, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        reset_affine(self, self.affine)

    def forward(self, input: Tensor) -> Tensor:
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, bias={self.bias is not None}"
