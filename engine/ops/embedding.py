"""``embedding``: rows of a weight matrix picked by integer indices (EmbeddingBackward0).

The reverse rule scatters the gradient back into a zero matrix of the weight's shape
(``embedding_dense_backward``), skipping ``padding_idx`` and, with ``scale_grad_by_freq``, dividing
each row's gradient by how often its index occurs in the batch. That scatter is itself an op whose
reverse rule is the gather again, so double backward works.
"""

from __future__ import annotations

import numpy as np

from .._op import Op
from .._tensor import Tensor, _make


def _row_scale(indices: np.ndarray, num_weights: int, padding_idx: int, scale_grad_by_freq: bool, dtype):
    """Per-index factor of the gradient: 0 at padding_idx, 1/count with scale_grad_by_freq, else 1."""
    flat = indices.reshape(-1)
    scale = np.ones(flat.shape, dtype=dtype)
    if scale_grad_by_freq:
        counts = np.bincount(flat, minlength=num_weights)
        scale = scale / counts[flat].astype(dtype)
    if padding_idx >= 0:
        scale[flat == padding_idx] = 0
    return scale


class Embedding(Op):
    node_name = "EmbeddingBackward0"
    aten = "aten::embedding"
    inputs = ("weight",)
    indices = None  # an integer Tensor: a param (no edge), as in PyTorch
    padding_idx = -1
    scale_grad_by_freq = False
    sparse = False

    def forward(self, w):
        self.weight_sym_argsize_0 = w.shape[0]
        return w[self.indices._data]

    def vjp(self, grad):
        return (
            EmbeddingDenseBackward.apply(
                grad,
                indices=self.indices,
                num_weights=self._in_meta[0][0][0],
                padding_idx=self.padding_idx,
                scale_grad_by_freq=self.scale_grad_by_freq,
            ),
        )

    def jvp(self, tangents):
        return Embedding.apply(tangents[0], indices=self.indices)

    def rule(self) -> str:
        extra = " (0 for padding_idx)" if self.padding_idx >= 0 else ""
        if self.scale_grad_by_freq:
            extra += ", divided by each index's count"
        return f"grad_weight[i] = Σ grad over the positions where indices == i{extra}"

    @staticmethod
    def samples():
        w = np.random.default_rng(41).normal(size=(5, 3))
        idx = _make(np.array([[1, 2, 4], [4, 0, 1]]))
        # padding_idx and scale_grad_by_freq are deliberate departures from the true derivative (PyTorch's
        # semantics), so finite differences cannot check them; the parity fixtures do.
        return [((w,), {"indices": idx}), ((w,), {"indices": _make(np.array([3, 3, 0]))})]


class EmbeddingDenseBackward(Op):
    """The scatter-add of ``embedding``'s gradient into a (num_weights, D) matrix."""

    node_name = "EmbeddingDenseBackwardBackward0"
    aten = "aten::embedding_dense_backward"
    inputs = ("grad_output",)
    indices = None
    num_weights = 0
    padding_idx = -1
    scale_grad_by_freq = False

    def _scale(self, dtype) -> np.ndarray:
        return _row_scale(self.indices._data, self.num_weights, self.padding_idx, self.scale_grad_by_freq, dtype)

    def forward(self, g):
        dim = g.shape[-1]
        rows = g.reshape(-1, dim) * self._scale(g.dtype)[:, None]
        # Sum the rows per index: sort once, then add.reduceat (about 1.5x faster than np.add.at).
        flat = self.indices._data.reshape(-1)
        out = np.zeros((self.num_weights, dim), dtype=g.dtype)
        if flat.size:
            order = np.argsort(flat, kind="stable")
            sorted_idx = flat[order]
            starts = np.flatnonzero(np.r_[True, sorted_idx[1:] != sorted_idx[:-1]])
            out[sorted_idx[starts]] = np.add.reduceat(rows[order], starts, axis=0)
        return out

    def _gather(self, t: Tensor) -> Tensor:
        # PyTorch's embedding_dense_double_backward masks padding_idx but ignores scale_grad_by_freq
        # (derivatives.yaml); matched here, so with scale_grad_by_freq this is not the exact adjoint.
        picked = Embedding.apply(t, indices=self.indices)
        if self.padding_idx < 0:
            return picked
        keep = (self.indices._data != self.padding_idx).astype(t._data.dtype)
        return picked * _make(keep[..., None])

    def vjp(self, grad):
        return (self._gather(grad),)

    def jvp(self, tangents):
        return EmbeddingDenseBackward.apply(
            tangents[0],
            indices=self.indices,
            num_weights=self.num_weights,
            padding_idx=self.padding_idx,
            scale_grad_by_freq=self.scale_grad_by_freq,
        )

    def rule(self) -> str:
        return "grad_grad_output = grad[indices] (times the row scale of the first backward)"

    @staticmethod
    def samples():
        idx = _make(np.array([[1, 2, 4], [4, 0, 1]]))
        g = np.random.default_rng(42).normal(size=(2, 3, 3))
        return [
            ((g,), {"indices": idx, "num_weights": 5}),
            ((g,), {"indices": idx, "num_weights": 5, "padding_idx": 4}),
        ]


def embedding_renorm_(weight: Tensor, indices: Tensor, max_norm: float, norm_type: float) -> Tensor:
    """Rescale, in place and outside autograd, the rows used by ``indices`` whose norm exceeds max_norm.

    PyTorch's ``embedding_renorm_``: row *= max_norm / (norm + 1e-7) (the 1e-7 is PyTorch's).
    """
    data = weight._data
    for i in np.unique(indices._data):
        norm = np.sum(np.abs(data[i]) ** norm_type) ** (1.0 / norm_type)
        if norm > max_norm:
            data[i] *= np.asarray(max_norm / (norm + 1e-7), dtype=data.dtype)
    weight._vc[0] += 1
    return weight
