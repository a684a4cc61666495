"""3-D padding and resampling: reflection and replication padding (ReflectionPad3DBackward0,
ReplicationPad3DBackward0) and nearest / trilinear upsampling (UpsampleNearest3DBackward0,
UpsampleNearestExact3DBackward0, UpsampleTrilinear3DBackward0).

Like the 1-D and 2-D forms (``resample.py``) each is separable: one (out, in) matrix per spatial
axis (depth, height, width) built from PyTorch's index formulas, so the forward is three small
matrix products and the adjoint the transposed ones (the gradient folds the padding back onto the
voxels it copied, or spreads it by the interpolation weights).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._linear_map import InputAdjoint, LinearMap, pair
from .resample import linear_matrix, reflect_index, replicate_index, selection_matrix


class Select3(NamedTuple):
    mats: tuple  # (out, in) selection matrices for depth, height, width


def _apply(x: np.ndarray, mats, adjoint: bool) -> np.ndarray:
    out = x
    for i, m in enumerate(mats):
        m = (m.T if adjoint else m).astype(x.dtype, copy=False)
        axis = out.ndim - 3 + i
        out = np.moveaxis(np.tensordot(out, m, axes=([axis], [1])), -1, axis)
    return np.ascontiguousarray(out)


def pad3d_cfg(mode: str, dims: tuple, pad: tuple) -> Select3:
    """``pad`` in F.pad's order (last dim first): (w_left, w_right, h_top, h_bottom, d_front, d_back)."""
    index = reflect_index if mode.startswith("reflect") else replicate_index
    return Select3(tuple(selection_matrix(index(dims[i], pad[4 - 2 * i], pad[5 - 2 * i]), dims[i]) for i in range(3)))


def _pad_sample(mode):
    rng = np.random.default_rng(12 if mode == "reflect" else 13)
    return [((rng.uniform(-1, 1, (1, 2, 3, 4, 3)),), {"cfg": pad3d_cfg(mode, (3, 4, 3), (1, 2, 0, 1, 2, 1))})]


def _upsample_sample():
    rng = np.random.default_rng(14)
    mats = tuple(linear_matrix(i, o, False, None) for i, o in ((2, 3), (3, 5), (2, 4)))
    return [((rng.uniform(-1, 1, (1, 2, 2, 3, 2)),), {"cfg": Select3(mats)})]


def _make_pair(name: str, aten: str, rule: str, sample) -> type:
    def fwd_forward(self, x):
        return _apply(x, self.cfg.mats, False)

    def adj_forward(self, g):
        return _apply(g, self.cfg.mats, True)

    def adj_samples():
        (x,), params = sample()[0]
        return [((_apply(x, params["cfg"].mats, False),), params)]

    pad = name.endswith("Pad3D")  # PyTorch's pad backward ops also take (and the pads save) the input
    fwd = type(name, (LinearMap,), {
        "node_name": f"{name}Backward0", "aten": aten, "forward": fwd_forward, "samples": staticmethod(sample),
        "rule": lambda self: rule, "__qualname__": name, "__module__": __name__,
        **({"saves": ("self",)} if pad else {})})
    adj = type(f"{name}Adjoint", (InputAdjoint if pad else LinearMap,), {
        "node_name": f"{name}BackwardBackward0", "aten": f"{aten}_backward", "forward": adj_forward,
        "samples": staticmethod(adj_samples), "__qualname__": f"{name}Adjoint", "__module__": __name__})
    pair(fwd, adj)
    return fwd


_FOLD = "grad_input = grad folded back onto the voxels the padding copied"
_SPREAD = "grad_input = interpolation weightsᵀ · grad, axis by axis"
ReflectionPad3D = _make_pair("ReflectionPad3D", "aten::reflection_pad3d", _FOLD, lambda: _pad_sample("reflect"))
ReplicationPad3D = _make_pair("ReplicationPad3D", "aten::replication_pad3d", _FOLD, lambda: _pad_sample("replicate"))
UpsampleNearest3D = _make_pair("UpsampleNearest3D", "aten::upsample_nearest3d", _SPREAD, _upsample_sample)
UpsampleNearestExact3D = _make_pair("UpsampleNearestExact3D", "aten::_upsample_nearest_exact3d", _SPREAD,
                                    _upsample_sample)
UpsampleTrilinear3D = _make_pair("UpsampleTrilinear3D", "aten::upsample_trilinear3d", _SPREAD, _upsample_sample)
