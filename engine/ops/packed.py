"""``_pack_padded_sequence``: the rows of a padded (T, B, *) batch that are real, time step by time step.

PyTorch records one ``PackPaddedSequenceBackward0`` node; its reverse rule scatters the packed
gradient back into zeros of the padded shape (``_pack_padded_sequence_backward``, a composite of
engine ops when the gradient itself needs a graph). ``cfg`` is ``(batch_sizes, batch_first, padded_shape)``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._factories import zeros
from .._op import Op
from .._tensor import Tensor, _make


class PackCfg(NamedTuple):
    batch_sizes: tuple  # real rows at each time step, non-increasing
    batch_first: bool
    padded_shape: tuple  # the input's shape as given (batch dim first when batch_first)


def _time_major(x: np.ndarray, batch_first: bool) -> np.ndarray:
    return x.swapaxes(0, 1) if batch_first else x


def pack_rows(x: np.ndarray, cfg: PackCfg) -> np.ndarray:
    tb = _time_major(x, cfg.batch_first)
    return np.concatenate([tb[t, :n] for t, n in enumerate(cfg.batch_sizes)], axis=0)


def unpack_rows(g: np.ndarray, cfg: PackCfg) -> np.ndarray:
    shape = cfg.padded_shape
    tb_shape = (shape[1], shape[0], *shape[2:]) if cfg.batch_first else shape
    out = np.zeros(tb_shape, dtype=g.dtype)
    offset = 0
    for t, n in enumerate(cfg.batch_sizes):
        out[t, :n] = g[offset:offset + n]
        offset += n
    return _time_major(out, cfg.batch_first)


def _sample():
    rng = np.random.default_rng(3)
    cfg = PackCfg((3, 2, 2, 1), False, (4, 3, 2))
    return [((rng.standard_normal((4, 3, 2)),), {"cfg": cfg}),
            ((rng.standard_normal((3, 4, 2)),), {"cfg": PackCfg((3, 2, 2, 1), True, (3, 4, 2))})]


class PackPaddedSequence(Op):
    node_name = "PackPaddedSequenceBackward0"
    aten = "aten::_pack_padded_sequence"
    inputs = ("input",)

    def forward(self, x):
        return pack_rows(x, self.cfg)

    def vjp(self, grad):
        if not grad.requires_grad:  # first order: the same scatter on the arrays, no graph to build
            return (_make(unpack_rows(grad._data, self.cfg)),)
        return (_pack_padded_sequence_backward(grad, self.cfg),)

    def jvp(self, tangents):
        return PackPaddedSequence.apply(tangents[0], cfg=self.cfg)

    def rule(self) -> str:
        return "grad_input = the packed rows put back at their (time, batch) places, zeros in the padding"

    @staticmethod
    def samples():
        return _sample()


def _pack_padded_sequence_backward(grad: Tensor, cfg: PackCfg) -> Tensor:
    """PyTorch's ``_pack_padded_sequence_backward`` is a composite, not a node of its own: zeros of
    the time-major shape, one ``grad_input[t][:n].copy_(grad[offset:offset + n])`` per time step
    (``CopySlices`` over ``SliceBackward0``), then ``transpose(0, 1)`` when batch_first. Built from
    the same engine ops, a create_graph gradient has PyTorch's nodes."""
    shape = cfg.padded_shape
    tb_shape = (shape[1], shape[0], *shape[2:]) if cfg.batch_first else shape
    out = zeros(tb_shape, dtype=grad.dtype)
    offset = 0
    for t, n in enumerate(cfg.batch_sizes):
        out[t][:n].copy_(grad[offset:offset + n])
        offset += n
    return out.transpose(0, 1) if cfg.batch_first else out
