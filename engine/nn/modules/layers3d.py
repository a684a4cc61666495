"""``nn.Conv3d``, ``nn.ConvTranspose3d``, ``nn.MaxPool3d``, ``nn.AvgPool3d``, ``nn.AdaptiveAvgPool3d``, ``nn.AdaptiveMaxPool3d``,
``nn.BatchNorm3d`` and the 3-D padding layers: the 2-D classes with a third spatial dim (PyTorch's attributes and reprs)."""

from __future__ import annotations

from ..._tensor import Tensor
from .. import _functional_3d as F3
from .. import functional as F
from .batchnorm import _BatchNorm
from .conv import _Conv, _ConvTranspose
from .padding import ConstantPad2d, ZeroPad2d, _ModePad
from .pooling import AvgPool2d, _AdaptiveMaxPool, _AdaptivePool, _MaxPoolNd


class Conv3d(_Conv):
    """3-D convolution over (N, C_in, D, H, W) -> (N, C_out, D_out, H_out, W_out)."""

    _nd = 3

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return F3.conv3d(padded, weight, bias, self.stride, (0, 0, 0), self.dilation, self.groups)
        return F3.conv3d(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)


class ConvTranspose3d(_ConvTranspose):
    """3-D transposed convolution (the adjoint of Conv3d's input map)."""

    _nd = 3

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        output_padding = self._output_padding(input, output_size)
        return F3.conv_transpose3d(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                                   self.groups, self.dilation)


class MaxPool3d(_MaxPoolNd):
    _fn = "max_pool3d"


class AvgPool3d(AvgPool2d):
    def forward(self, input: Tensor) -> Tensor:
        return F3.avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                             self.count_include_pad, self.divisor_override)


class AdaptiveAvgPool3d(_AdaptivePool):
    _fn = "adaptive_avg_pool3d"


class AdaptiveMaxPool3d(_AdaptiveMaxPool):
    _fn = "adaptive_max_pool3d"


class BatchNorm3d(_BatchNorm):
    """Batch normalisation over (N, C, D, H, W) input."""

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() != 5:
            raise ValueError(f"expected 5D input (got {input.dim()}D input)")


class ConstantPad3d(ConstantPad2d):
    _n = 3


class ZeroPad3d(ZeroPad2d):
    _n = 3


class ReflectionPad3d(_ModePad):
    _n, _mode = 3, "reflect"


class ReplicationPad3d(_ModePad):
    _n, _mode = 3, "replicate"
