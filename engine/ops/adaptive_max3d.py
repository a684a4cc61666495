"""``adaptive_max_pool3d`` (AdaptiveMaxPool3DBackward0): the maximum of each adaptive region of a
(…, D, H, W) volume and its flat index into the volume (D·H·W), as PyTorch returns it.

Region ``i`` of an axis of size ``n`` pooled to ``m`` spans ``[floor(i·n/m), ceil((i+1)·n/m))``
(``adaptive_bounds``). All regions are gathered at once, padded to the longest with -inf, and one
arg-max picks the first maximum (PyTorch's strict ``>`` scan; a NaN wins). The rules are max
pooling's (the 2-D op's with ``nd = 3``): the gradient scattered to the arg-max positions -- under
PyTorch's name for the adaptive backward -- whose own reverse rule gathers again.
"""

from __future__ import annotations

import numpy as np

from ._linear_map import pair
from ._samples import distinct
from .pooling import MaxPool2DWithIndices, _region_index
from .pooling3d import Pool3DGather, Pool3DScatter

ND = 3


def adaptive_max3d(x: np.ndarray, out_dhw: tuple) -> tuple:
    """(values, flat arg-max positions in each input volume), both shaped (…, *out_dhw)."""
    lead, sizes = x.shape[:-ND], x.shape[-ND:]
    planes = int(np.prod(lead, dtype=np.int64))
    (di, dok), (hi, hok), (wi, wok) = (_region_index(n, m) for n, m in zip(sizes, out_dhw))
    kd, kh, kw = di.shape[1], hi.shape[1], wi.shape[1]
    # (P, od, kd, oh, kh, ow, kw) by broadcasting the three index grids.
    d = di[:, :, None, None, None, None]
    h = hi[None, None, :, :, None, None]
    w = wi[None, None, None, None, :, :]
    blocks = x.reshape(planes, *sizes)[:, d, h, w]
    valid = dok[:, :, None, None, None, None] & hok[None, None, :, :, None, None] & wok[None, None, None, None, :, :]
    fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    blocks = np.where(valid, blocks, fill).astype(x.dtype, copy=False)
    od, oh, ow = out_dhw
    blocks = blocks.transpose(0, 1, 3, 5, 2, 4, 6).reshape(planes, od, oh, ow, kd * kh * kw)
    if x.dtype.kind == "f" and np.isnan(blocks).any():
        arg = np.where(np.isnan(blocks).any(-1), np.isnan(blocks).argmax(-1), blocks.argmax(-1))
    else:
        arg = blocks.argmax(axis=-1)
    values = np.take_along_axis(blocks, arg[..., None], axis=-1)[..., 0]
    a, rest = np.divmod(arg, kh * kw)
    b, c = np.divmod(rest, kw)

    def pick(index, k, shape):  # the position along one axis of each chosen entry
        grid = np.broadcast_to(index.reshape(shape), (planes, od, oh, ow, index.shape[1]))
        return np.take_along_axis(grid, k[..., None], -1)[..., 0]

    pd = pick(di, a, (1, od, 1, 1, kd))
    ph = pick(hi, b, (1, 1, oh, 1, kh))
    pw = pick(wi, c, (1, 1, 1, ow, kw))
    flat = (pd * sizes[1] + ph) * sizes[2] + pw
    out_shape = lead + tuple(out_dhw)
    return values.reshape(out_shape), flat.reshape(out_shape).astype(np.int64)


class AdaptiveMaxPool3DScatter(Pool3DScatter):
    """adaptive_max_pool3d's input gradient: max_pool3d's scatter, with PyTorch's name for it."""

    node_name = "AdaptiveMaxPool3DBackwardBackward0"
    aten = "aten::adaptive_max_pool3d_backward"


class AdaptiveMaxPool3DGather(Pool3DGather):
    node_name = "GatherBackward0"  # PyTorch's max-pool double backward gathers at the indices


pair(AdaptiveMaxPool3DScatter, AdaptiveMaxPool3DGather)


class AdaptiveMaxPool3D(MaxPool2DWithIndices):
    node_name = "AdaptiveMaxPool3DBackward0"
    aten = "aten::adaptive_max_pool3d"
    nd = 3
    scatter = AdaptiveMaxPool3DScatter
    gather = AdaptiveMaxPool3DGather

    def forward(self, x):
        values, flat = adaptive_max3d(x, self.output_size)
        self.indices = flat
        return values, flat

    def rule(self) -> str:
        return "grad_input[argmax of each adaptive region] += grad   (other positions get 0)"

    @staticmethod
    def samples():
        return [((distinct(1, 2, 5, 4, 3),), {"output_size": (2, 3, 2)}),
                ((distinct(2, 3, 4, 5),), {"output_size": (3, 2, 4)})]
