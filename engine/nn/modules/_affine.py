"""The elementwise affine (weight ones, bias zeros) BatchNorm, LayerNorm and GroupNorm share."""

from __future__ import annotations

from ..._factories import empty
from .. import init
from ..parameter import Parameter


def register_affine(module, enabled: bool, shape, bias: bool, dtype) -> None:
    """``weight`` and ``bias`` Parameters of ``shape`` (filled by :func:`reset_affine`), or None
    entries when the affine is off, registered in PyTorch's order so ``state_dict`` keys match."""
    if enabled:
        module.weight = Parameter(empty(shape, dtype=dtype))
        if bias:
            module.bias = Parameter(empty(shape, dtype=dtype))
        else:
            module.register_parameter("bias", None)
    else:
        module.register_parameter("weight", None)
        module.register_parameter("bias", None)


def reset_affine(module, enabled: bool) -> None:
    """PyTorch's initialisation of a norm layer's affine: weight ones, bias zeros."""
    if enabled:
        init.ones_(module.weight)
        if module.bias is not None:
            init.zeros_(module.bias)
