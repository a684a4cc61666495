"""``_pack_padded_sequence``: the rows of a padded (T, B, *) batch that are real, time step by time step.

PyTorch records one ``PackPaddedSequenceBackward0`` node; its reverse rule scatters the packed
gradient back into zeros of the padded shape (``_pack_padded_sequence_backward``). Both are linear
maps of one tensor, so they are declared as a :class:`LinearMap` pair and gradients of any order
stay exact. ``cfg`` is ``(batch_sizes, batch_first, padded_shape)``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._linear_map import LinearMap, pair


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


class PackPaddedSequence(LinearMap):
    node_name = "PackPaddedSequenceBackward0"
    aten = "aten::_pack_padded_sequence"
    inputs = ("input",)

    def forward(self, x):
        return pack_rows(x, self.cfg)

    def rule(self) -> str:
        return "grad_input = the packed rows put back at their (time, batch) places, zeros in the padding"

    @staticmethod
    def samples():
        return _sample()


class PackPaddedSequenceAdjoint(LinearMap):
    # PyTorch's _pack_padded_sequence_backward is a composite (zeros + copies); one node stands for it.
    node_name = "PackPaddedSequenceBackwardBackward0"
    aten = "aten::_pack_padded_sequence_backward"
    inputs = ("grad",)

    def forward(self, g):
        return unpack_rows(g, self.cfg)

    @staticmethod
    def samples():
        rng = np.random.default_rng(4)
        return [((rng.standard_normal((8, 2)),), {"cfg": PackCfg((3, 2, 2, 1), False, (4, 3, 2))})]


pair(PackPaddedSequence, PackPaddedSequenceAdjoint)
