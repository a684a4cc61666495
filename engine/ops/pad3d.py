"""3-D reflection and replication padding (ReflectionPad3DBackward0, ReplicationPad3DBackward0).

Like the 1-D and 2-D forms (``resample.py``) each is separable: one selection matrix per padded
axis (depth, height, width), so the forward is three small matrix products and the adjoint the
transposed ones -- the gradient folds the padding back onto the edge (or mirror) voxels.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._linear_map import LinearMap, pair
from .resample import reflect_index, replicate_index, selection_matrix


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


def _sample(mode):
    rng = np.random.default_rng(12 if mode == "reflect" else 13)
    return [((rng.uniform(-1, 1, (1, 2, 3, 4, 3)),), {"cfg": pad3d_cfg(mode, (3, 4, 3), (1, 2, 0, 1, 2, 1))})]


def _make_pair(name: str, mode: str) -> type:
    def fwd_forward(self, x):
        return _apply(x, self.cfg.mats, False)

    def adj_forward(self, g):
        return _apply(g, self.cfg.mats, True)

    def adj_samples():
        (x,), params = _sample(mode)[0]
        return [((_apply(x, params["cfg"].mats, False),), params)]

    fwd = type(name, (LinearMap,), {
        "node_name": f"{name}Backward0", "aten": f"aten::{mode}ion_pad3d",
        "forward": fwd_forward, "samples": staticmethod(lambda: _sample(mode)),
        "rule": lambda self: "grad_input = grad folded back onto the voxels the padding copied",
        "__qualname__": name, "__module__": __name__})
    adj = type(f"{name}Adjoint", (LinearMap,), {
        "node_name": f"{name}BackwardBackward0", "aten": f"aten::{mode}ion_pad3d_backward",
        "forward": adj_forward, "samples": staticmethod(adj_samples),
        "__qualname__": f"{name}Adjoint", "__module__": __name__})
    pair(fwd, adj)
    return fwd


ReflectionPad3D = _make_pair("ReflectionPad3D", "reflect")
ReplicationPad3D = _make_pair("ReplicationPad3D", "replicat")  # "replicat" + "ion_pad3d": the aten name
