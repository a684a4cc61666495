"""im2col / col2im (F.unfold / F.fold), padding and resampling (F.pad, F.interpolate).

All of these are linear maps of their input, each paired with its adjoint (``_linear_map``).
Reflection / replication padding and nearest / (bi)linear resampling act on the height and width
separately, so each is a pair of small matrices: ``out = rows @ x @ colsᵀ`` and the adjoint
``rowsᵀ @ grad @ cols`` -- the arithmetic is two BLAS matmuls, and the gradient is exactly the
transposed interpolation. The matrices are built once per call from PyTorch's index formulas.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._linear_map import (
    InputAdjoint,
    LinearMap,
    Separable,
    pair,
    separable_adjoint,
    separable_forward,
)
from ._samples import sampler
from ._windows import col2im, im2col

_rand = sampler(seed=59)


# ---- im2col / col2im -------------------------------------------------------------------------------


class Columns(NamedTuple):
    size: tuple  # (H, W) of the image side
    kernel: tuple
    dilation: tuple
    padding: tuple
    stride: tuple


class Im2Col(LinearMap):
    """F.unfold: (N, C, H, W) -> (N, C·kh·kw, L)."""

    node_name = "Im2ColBackward0"
    aten = "aten::im2col"

    def forward(self, x):
        c = self.cfg
        if x.ndim == 3:  # unbatched
            return im2col(x[None], c.kernel, c.stride, c.padding, c.dilation)[0]
        return im2col(x, c.kernel, c.stride, c.padding, c.dilation)

    def rule(self) -> str:
        return "grad_input = col2im(grad)   (fold: each column added back to its window)"

    @staticmethod
    def samples():
        return [((_rand(2, 2, 4, 5),), {"cfg": Columns((4, 5), (2, 3), (1, 1), (1, 0), (2, 1))})]


class Col2Im(LinearMap):
    """F.fold: (N, C·kh·kw, L) -> (N, C, H, W), summing overlapping windows."""

    node_name = "Col2ImBackward0"
    aten = "aten::col2im"

    def forward(self, cols):
        c = self.cfg
        if cols.ndim == 2:  # unbatched
            return np.ascontiguousarray(col2im(cols[None], c.size, c.kernel, c.stride, c.padding, c.dilation)[0])
        return np.ascontiguousarray(col2im(cols, c.size, c.kernel, c.stride, c.padding, c.dilation))

    def rule(self) -> str:
        return "grad_input = im2col(grad)   (unfold)"

    @staticmethod
    def samples():
        # size (4, 5), kernel (2, 2), dilation (2, 1), no padding, stride 1 -> a 2 x 4 grid
        return [((_rand(1, 8, 8),), {"cfg": Columns((4, 5), (2, 2), (2, 1), (0, 0), (1, 1))})]


pair(Im2Col, Col2Im)


# ---- constant padding ------------------------------------------------------------------------------


class Pad(NamedTuple):
    pad: tuple  # PyTorch's order: (last_left, last_right, second_last_left, ...); negative crops
    value: float
    in_shape: tuple


def _pad_slices(cfg: Pad, shape) -> tuple:
    """For each axis: (pad_before, pad_after) clipped at 0, and the slice that crops negatives."""
    nd = len(shape)
    before = [0] * nd
    after = [0] * nd
    for i in range(len(cfg.pad) // 2):
        axis = nd - 1 - i
        before[axis], after[axis] = cfg.pad[2 * i], cfg.pad[2 * i + 1]
    widths = [(max(b, 0), max(a, 0)) for b, a in zip(before, after)]
    crops = tuple(slice(-min(b, 0), (s + max(b, 0) + a) if a < 0 else None) for b, a, s in zip(before, after, shape))
    return widths, crops


def _constant_pad(x: np.ndarray, cfg: Pad, value) -> np.ndarray:
    widths, crops = _pad_slices(cfg, x.shape)
    return np.ascontiguousarray(np.pad(x, widths, constant_values=value)[crops])


def _constant_unpad(g: np.ndarray, cfg: Pad) -> np.ndarray:
    # The adjoint of padding with zeros: pad by the negated amounts (crop what was added).
    negated = Pad(tuple(-p for p in cfg.pad), 0.0, g.shape)
    return _constant_pad(g, negated, 0.0)


class ConstantPadNd(LinearMap):
    """``aten::constant_pad_nd``: affine in the input (the fill value); its derivative is a crop."""

    node_name = "ConstantPadNdBackward0"
    aten = "aten::constant_pad_nd"

    def forward(self, x):
        return _constant_pad(x, self.cfg, self.cfg.value)

    def jvp(self, tangents):
        return ConstantPadNd.apply(tangents[0], cfg=self.cfg._replace(value=0.0))

    def rule(self) -> str:
        return "grad_input = grad with the padding cut off"

    @staticmethod
    def samples():
        return [
            ((_rand(2, 3, 4),), {"cfg": Pad((1, 2, 0, 1), 0.5, (2, 3, 4))}),
            ((_rand(2, 3, 4),), {"cfg": Pad((-1, 2), 0.0, (2, 3, 4))}),
        ]


class ConstantUnpad(LinearMap):
    node_name = "ConstantPadNdBackward0"  # PyTorch differentiates the crop as constant_pad_nd too
    aten = "aten::constant_pad_nd"

    def forward(self, g):
        return _constant_unpad(g, self.cfg)

    def vjp(self, grad):
        # Differentiating the crop pads with zeros, whatever the forward's fill value was.
        return (ConstantPadNd.apply(grad, cfg=self.cfg._replace(value=0.0)),)

    @staticmethod
    def samples():
        return [((_rand(2, 4, 7),), {"cfg": Pad((1, 2, 0, 1), 0.0, (2, 3, 4))})]


pair(ConstantPadNd, ConstantUnpad)


# ---- separable maps: reflection / replication padding, nearest / linear resampling ---------------


def selection_matrix(index: np.ndarray, size: int) -> np.ndarray:
    """Row i picks input ``index[i]``."""
    m = np.zeros((len(index), size))
    m[np.arange(len(index)), index] = 1.0
    return m


def reflect_index(size: int, left: int, right: int) -> np.ndarray:
    i = np.arange(-left, size + right)
    i = np.abs(i)
    return np.where(i > size - 1, 2 * (size - 1) - i, i)


def replicate_index(size: int, left: int, right: int) -> np.ndarray:
    return np.clip(np.arange(-left, size + right), 0, size - 1)


def nearest_matrix(in_size: int, out_size: int, scale: float | None, exact: bool = False) -> np.ndarray:
    """PyTorch's 'nearest': src = min(floor(dst · scale), in − 1), scale = in/out or 1/scale_factor;
    'nearest-exact' samples pixel centres: floor((dst + 0.5) · scale)."""
    s = in_size / out_size if scale is None else 1.0 / scale
    # float32 arithmetic, as PyTorch's nearest_idx (floorf(dst * scale))
    dst = np.arange(out_size, dtype=np.float32) + (np.float32(0.5) if exact else np.float32(0))
    src = np.minimum(np.floor(dst * np.float32(s)).astype(np.int64), in_size - 1)
    return selection_matrix(src, in_size)


def linear_matrix(in_size: int, out_size: int, align_corners: bool, scale: float | None) -> np.ndarray:
    """PyTorch's linear interpolation weights along one axis."""
    dst = np.arange(out_size, dtype=np.float64)
    if align_corners:
        src = dst * ((in_size - 1) / (out_size - 1)) if out_size > 1 else np.zeros(out_size)
    else:
        s = in_size / out_size if scale is None else 1.0 / scale
        src = np.maximum((dst + 0.5) * s - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), in_size - 1)
    i1 = np.minimum(i0 + 1, in_size - 1)
    lam = src - i0
    m = np.zeros((out_size, in_size))
    rows = np.arange(out_size)
    np.add.at(m, (rows, i0), 1.0 - lam)
    np.add.at(m, (rows, i1), lam)
    return m


class _SeparableMap(LinearMap):
    abstract = True

    def forward(self, x):
        return np.ascontiguousarray(separable_forward(x, self.cfg))

    @staticmethod
    def samples():
        rows = linear_matrix(4, 6, False, None)
        cols = reflect_index(5, 2, 1)
        return [((_rand(2, 2, 4, 5),), {"cfg": Separable(rows, selection_matrix(cols, 5))})]


class _SeparableAdjoint(LinearMap):
    abstract = True

    def forward(self, g):
        return np.ascontiguousarray(separable_adjoint(g, self.cfg))

    @staticmethod
    def samples():
        rows = linear_matrix(4, 6, False, None)
        cols = replicate_index(5, 2, 1)
        return [((_rand(2, 2, 6, 8),), {"cfg": Separable(rows, selection_matrix(cols, 5))})]


class _SeparablePadAdjoint(InputAdjoint):
    """A pad's backward: PyTorch's ``reflection/replication_pad*_backward`` also take ``self``."""

    abstract = True

    def forward(self, g):
        return np.ascontiguousarray(separable_adjoint(g, self.cfg))

    samples = _SeparableAdjoint.__dict__["samples"]


def _separable_pair(name: str, aten: str, rule: str) -> type:
    pad = name.startswith(("Reflection", "Replication"))  # pads save their input, as PyTorch does
    fwd = type(name, (_SeparableMap,), {"node_name": f"{name}Backward0", "aten": aten, "rule": lambda self: rule,
                                        "__qualname__": name, "__module__": __name__,
                                        **({"saves": ("self",)} if pad else {})})
    adj = type(f"{name}Adjoint", (_SeparablePadAdjoint if pad else _SeparableAdjoint,), {"node_name": f"{name}BackwardBackward0", "aten": f"{aten}_backward",
                                                         "__qualname__": f"{name}Adjoint", "__module__": __name__})
    pair(fwd, adj)
    return fwd


ReflectionPad1D = _separable_pair("ReflectionPad1D", "aten::reflection_pad1d", "grad_input = grad folded back at the mirror edges")
ReflectionPad2D = _separable_pair("ReflectionPad2D", "aten::reflection_pad2d", "grad_input = grad folded back at the mirror edges")
ReplicationPad1D = _separable_pair("ReplicationPad1D", "aten::replication_pad1d", "grad_input = grad, padding summed into the edges")
ReplicationPad2D = _separable_pair("ReplicationPad2D", "aten::replication_pad2d", "grad_input = grad, padding summed into the edges")
UpsampleNearest1D = _separable_pair("UpsampleNearest1D", "aten::upsample_nearest1d", "grad_input = Σ grad over the copies of each input")
UpsampleNearest2D = _separable_pair("UpsampleNearest2D", "aten::upsample_nearest2d", "grad_input = Σ grad over the copies of each input")
UpsampleNearestExact1D = _separable_pair("UpsampleNearestExact1D", "aten::_upsample_nearest_exact1d", "grad_input = Σ grad over the copies of each input")
UpsampleNearestExact2D = _separable_pair("UpsampleNearestExact2D", "aten::_upsample_nearest_exact2d", "grad_input = Σ grad over the copies of each input")
UpsampleLinear1D = _separable_pair("UpsampleLinear1D", "aten::upsample_linear1d", "grad_input = interpolation weightsᵀ · grad")
UpsampleBilinear2D = _separable_pair("UpsampleBilinear2D", "aten::upsample_bilinear2d", "grad_input = interpolation weightsᵀ · grad")
