"""``F.pad`` (constant, reflect, replicate, circular) and ``F.interpolate`` (nearest, linear, bilinear).

Node names are PyTorch's: ``ConstantPadNdBackward0``, ``ReflectionPad{1,2}DBackward0``,
``ReplicationPad{1,2}DBackward0``, ``UpsampleNearest{1,2}DBackward0``, ``UpsampleLinear1DBackward0``,
``UpsampleBilinear2DBackward0``. Reflect/replicate/resample are separable matrices (``ops.resample``).
"""

from __future__ import annotations

import math
import warnings

from .._factories import empty
from .._tensor import Tensor
from ..ops import separable3d as _s3  # 3-D padding and upsampling (nnbreadth)
from ..ops._linear_map import Separable
from ..ops.resample import (
    ConstantPadNd,
    Pad,
    ReflectionPad1D,
    ReflectionPad2D,
    ReplicationPad1D,
    ReplicationPad2D,
    UpsampleBilinear2D,
    UpsampleLinear1D,
    UpsampleNearest1D,
    UpsampleNearest2D,
    UpsampleNearestExact1D,
    UpsampleNearestExact2D,
    linear_matrix,
    nearest_matrix,
    reflect_index,
    replicate_index,
    selection_matrix,
)
from . import _functional_3d as _f3
from ._functional_pool import adaptive_avg_pool1d, adaptive_avg_pool2d

_INDEX = {"reflect": reflect_index, "replicate": replicate_index}
_OPS = {("reflect", 1): ReflectionPad1D, ("reflect", 2): ReflectionPad2D,
        ("replicate", 1): ReplicationPad1D, ("replicate", 2): ReplicationPad2D}


def pad(input: Tensor, pad, mode: str = "constant", value=None) -> Tensor:
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.dim():
        raise RuntimeError("Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {input.dim()}")
    if mode == "constant":
        return ConstantPadNd.apply(input, cfg=Pad(pad, 0.0 if value is None else value, tuple(input.shape)))
    if value is not None and value != 0:
        raise ValueError(f'Padding mode "{mode}" doesn\'t take in value argument.')
    if mode not in _INDEX and mode != "circular":
        raise NotImplementedError(f"engine's F.pad does not support mode={mode!r} yet")
    n = len(pad) // 2
    if n not in (1, 2, 3) or input.dim() not in (n + 1, n + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.dim()}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
        )
    if mode == "circular":
        return _pad_circular(input, pad)
    dims = tuple(input.shape[-n:])
    if mode == "reflect":
        for i in range(n):
            left, right = pad[2 * i], pad[2 * i + 1]
            size = dims[n - 1 - i]
            if left >= size or right >= size:
                raise RuntimeError(
                    f"Argument #{4 + 2 * i}: Padding size should be less than the corresponding input dimension, but got: "
                    f"padding ({left}, {right}) at dimension {input.dim() - 1 - i} of input {list(input.shape)}"
                )
    if n == 3:  # depth, height and width (nnbreadth: ops/separable3d.py)
        op = _s3.ReflectionPad3D if mode == "reflect" else _s3.ReplicationPad3D
        return op.apply(input, cfg=_s3.pad3d_cfg(mode, dims, pad))
    index = _INDEX[mode]
    cols = selection_matrix(index(dims[-1], pad[0], pad[1]), dims[-1])
    rows = selection_matrix(index(dims[0], pad[2], pad[3]), dims[0]) if n == 2 else None
    return _OPS[(mode, n)].apply(input, cfg=Separable(rows, cols))


def _narrow(t: Tensor, dim: int, start: int, stop: int) -> Tensor:
    # ATen slices with at::slice, which is a SliceBackward0 even over the whole dimension (Python
    # indexing with only full slices would be an AliasBackward0).
    return t.narrow(dim, start, stop - start)


def _pad_circular(input: Tensor, pad: tuple) -> Tensor:
    """PyTorch's own recipe (aten::_pad_circular), so the graph is the same chain of CopySlices and
    SliceBackward0: copy the input into the middle of an empty tensor, then each padded border from
    the opposite side of that tensor, last dimension first."""
    in_shape = tuple(input.shape)
    ndim = len(in_shape)
    n_padded = len(pad) // 2
    n_plain = ndim - n_padded
    if n_plain not in (1, 2):
        raise RuntimeError(
            "Invalid padding size, expected 1 or 2 non-padded dimensions, which would be equivalent to padding of "
            f"length {(ndim - 1) * 2} or {(ndim - 2) * 2} respectively but got {len(pad)}"
        )
    out_shape = list(in_shape)
    for i in range(n_padded):
        left, right = pad[2 * (n_padded - i - 1)], pad[2 * (n_padded - i - 1) + 1]
        size = in_shape[n_plain + i]
        out_shape[n_plain + i] = size + left + right
        if left > size or right > size:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if out_shape[n_plain + i] < 0:
            raise RuntimeError("Negative padding value is resulting in an empty dimension")

    def region(dim: int, start: int, stop: int) -> tuple:
        return (slice(None),) * dim + (slice(start, stop),)

    out = empty(tuple(out_shape), dtype=input.dtype)
    target = [slice(None)] * ndim
    source = input
    for i in range(n_padded):
        dim = ndim - i - 1
        left, right = pad[2 * i], pad[2 * i + 1]
        target[dim] = slice(max(left, 0), out_shape[dim] - max(right, 0))
        source = _narrow(source, dim, max(-left, 0), in_shape[dim] - max(-right, 0))
    out[tuple(target)] = source
    for i in range(n_padded):
        dim = ndim - i - 1
        left, right = pad[2 * i], pad[2 * i + 1]
        if left > 0:
            out[region(dim, 0, left)] = _narrow(out, dim, out_shape[dim] - left - max(right, 0), out_shape[dim] - max(right, 0))
        if right > 0:
            out[region(dim, out_shape[dim] - right, out_shape[dim])] = _narrow(out, dim, max(left, 0), max(left, 0) + right)
    return out


def _out_sizes(input: Tensor, size, scale_factor, n: int):
    spatial = tuple(input.shape[-n:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        sizes = tuple(size) if isinstance(size, (tuple, list)) else (size,) * n
        if len(sizes) != n:
            raise ValueError(
                f"Input and output must have the same number of spatial dimensions, but got input with spatial "
                f"dimensions of {list(spatial)} and output size of {list(sizes)}. Please provide input tensor in "
                "(N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format."
            )
        return tuple(int(s) for s in sizes), (None,) * n
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    scales = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * n
    return tuple(int(math.floor(spatial[i] * scales[i])) for i in range(n)), tuple(float(s) for s in scales)


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners=None,
                recompute_scale_factor=None, antialias: bool = False) -> Tensor:
    n = input.dim() - 2
    if mode in ("nearest", "nearest-exact", "area") and align_corners is not None:
        raise ValueError(
            "align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear"
        )
    if n not in (1, 2, 3):
        raise NotImplementedError(f"engine's F.interpolate supports 3-D, 4-D and 5-D inputs, got {input.dim()}-D")
    out, scales = _out_sizes(input, size, scale_factor, n)
    if recompute_scale_factor:
        scales = (None,) * n
    spatial = tuple(input.shape[-n:])
    if min(spatial) <= 0 or min(out) <= 0:
        names = ("D", "H", "W")[-n:]
        got_in = ", ".join(f"{a}: {b}" for a, b in zip(names, spatial))
        got_out = ", ".join(f"{a}: {b}" for a, b in zip(names, out))
        joiner = " and" if n == 1 else ""  # PyTorch's 1-D and 2-D messages differ by this word
        raise RuntimeError(
            f"Input and output sizes should be greater than 0, but got input ({got_in}){joiner} output ({got_out})"
        )
    if n == 3 and mode in ("nearest", "nearest-exact", "trilinear"):  # nnbreadth: ops/separable3d.py
        if mode == "trilinear":
            mats = tuple(linear_matrix(spatial[i], out[i], bool(align_corners), scales[i]) for i in range(3))
            op = _s3.UpsampleTrilinear3D
        else:
            exact = mode == "nearest-exact"
            mats = tuple(nearest_matrix(spatial[i], out[i], scales[i], exact) for i in range(3))
            op = _s3.UpsampleNearestExact3D if exact else _s3.UpsampleNearest3D
        return op.apply(input, cfg=_s3.Select3(mats))
    if n == 3 and mode == "area":
        return _f3.adaptive_avg_pool3d(input, out)
    if mode in ("nearest", "nearest-exact"):
        exact = mode == "nearest-exact"
        mats = [nearest_matrix(spatial[i], out[i], scales[i], exact) for i in range(n)]
        if exact:
            op = UpsampleNearestExact1D if n == 1 else UpsampleNearestExact2D
        else:
            op = UpsampleNearest1D if n == 1 else UpsampleNearest2D
    elif (mode, n) in (("linear", 1), ("bilinear", 2)):
        ac = bool(align_corners)
        mats = [linear_matrix(spatial[i], out[i], ac, scales[i]) for i in range(n)]
        op = UpsampleLinear1D if n == 1 else UpsampleBilinear2D
    elif mode == "area":
        return adaptive_avg_pool1d(input, out[0]) if n == 1 else adaptive_avg_pool2d(input, out)
    elif mode in ("linear", "bilinear"):
        want = {"linear": "3D", "bilinear": "4D"}[mode]
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs {want} input")
    else:
        raise NotImplementedError(f"engine's F.interpolate does not support mode={mode!r} yet")
    cfg = Separable(mats[0] if n == 2 else None, mats[-1])
    return op.apply(input, cfg=cfg)





def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners=None) -> Tensor:
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
