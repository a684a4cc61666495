"""``embedding_bag``: the sum, mean or max of each bag of embedding rows (EmbeddingBagBackward0).

A bag is a run of ``indices`` between consecutive ``offsets`` (or a row of 2-D ``indices``);
``padding_idx`` entries are left out of their bag (and of a mean's count); an empty bag gives zeros.
``per_sample_weights`` (mode 'sum') scales each row first. The node has PyTorch's two edges: the
weight and ``per_sample_weights`` (``(None, 0)`` when absent). The reverse rule scatters the bag
gradients back to the rows they came from, in numpy: PyTorch's ``_embedding_bag_backward`` has no
double-backward formula either (create_graph gives a gradient without history).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._op import Op
from .._tensor import _make
from ._samples import distinct

MODES = {"sum": 0, "mean": 1, "max": 2}


class Bags(NamedTuple):
    flat: np.ndarray  # the indices, 1-D
    bag: np.ndarray  # each index's bag
    keep: np.ndarray  # False at padding_idx
    num_bags: int
    mode: str


def make_bags(indices: np.ndarray, offsets: np.ndarray | None, include_last_offset: bool, padding_idx: int,
              mode: str) -> Bags:
    if indices.ndim == 2:
        rows, per_bag = indices.shape
        flat = indices.reshape(-1)
        bag = np.repeat(np.arange(rows), per_bag)
        num_bags = rows
    else:
        flat = indices
        starts = offsets[:-1] if include_last_offset else offsets
        num_bags = len(starts)
        bag = np.searchsorted(starts, np.arange(len(flat)), side="right") - 1
        if include_last_offset:  # entries past the last offset belong to no bag
            bag = np.where(np.arange(len(flat)) < offsets[-1], bag, -1)
    keep = (flat != padding_idx) & (bag >= 0)
    return Bags(flat.astype(np.int64), bag.astype(np.int64), keep, int(num_bags), mode)


def bag_forward(w: np.ndarray, psw: np.ndarray | None, bags: Bags) -> tuple:
    """(output, the bag of each index, bag sizes, max indices) as ``_embedding_bag`` returns them."""
    d = w.shape[1]
    rows = w[bags.flat[bags.keep]]
    where = bags.bag[bags.keep]
    counts = np.bincount(where, minlength=bags.num_bags)
    out = np.zeros((bags.num_bags, d), dtype=w.dtype)
    max_indices = np.full((bags.num_bags, d), -1 if bags.mode == "max" else 0, dtype=np.int64)
    if bags.mode == "max":
        out[:] = -np.inf
        np.maximum.at(out, where, rows)
        out[counts == 0] = 0
        # The first row reaching each maximum, as PyTorch's scan keeps it.
        hit = rows == out[where]
        positions = np.nonzero(bags.keep)[0]
        for j in range(len(where) - 1, -1, -1):  # last write wins: walk backwards so the first stays
            cols = hit[j]
            max_indices[where[j], cols] = bags.flat[positions[j]]
    else:
        if psw is not None:
            rows = rows * psw[bags.keep][:, None]
        np.add.at(out, where, rows)
        if bags.mode == "mean":
            out = out / np.maximum(counts, 1)[:, None].astype(w.dtype)
    return out.astype(w.dtype, copy=False), counts, max_indices


class EmbeddingBag(Op):
    node_name = "EmbeddingBagBackward0"
    aten = "aten::_embedding_bag"
    inputs = ("weight", "per_sample_weights")
    saves = ("weight", "per_sample_weights")
    smooth = False

    def forward(self, w, psw):
        psw = psw if self.has_weights else None
        out, self.counts, self.max_indices = bag_forward(w, psw, self.bags)
        return out

    def vjp(self, grad):
        w, psw = self.saved
        g = grad._data
        bags = self.bags
        gw = np.zeros(self._in_meta[0][0], dtype=g.dtype)
        keep = bags.keep
        where = bags.bag[keep]
        if bags.mode == "max":
            cols = np.arange(g.shape[1])
            valid = self.max_indices >= 0
            np.add.at(gw, (self.max_indices[valid], np.broadcast_to(cols, g.shape)[valid]), g[valid])
            return _make(gw), None
        rows = g[where]
        if bags.mode == "mean":
            rows = rows / np.maximum(self.counts, 1)[where][:, None].astype(g.dtype)
        g_psw = None
        if self.has_weights:
            scale = psw._data[keep]
            g_psw = np.zeros(psw._data.shape, dtype=g.dtype)
            g_psw[keep] = (rows * w._data[bags.flat[keep]]).sum(-1)
            rows = rows * scale[:, None]
            g_psw = _make(g_psw)
        np.add.at(gw, bags.flat[keep], rows)
        return _make(gw), g_psw

    def jvp(self, tangents):
        tw, tp = tangents
        w, psw = self.fw_inputs
        total = None
        if tw is not None and self.bags.mode == "max":  # the tangent at each arg-max (0 for empty bags)
            mi = self.max_indices
            cols = np.broadcast_to(np.arange(mi.shape[1]), mi.shape)
            picked = tw[_make(np.maximum(mi, 0)), _make(np.ascontiguousarray(cols))]
            return picked * _make((mi >= 0).astype(tw._data.dtype))
        if tw is not None:
            total = EmbeddingBag.apply(tw, psw, bags=self.bags, has_weights=self.has_weights)
        if tp is not None and self.has_weights:
            part = EmbeddingBag.apply(w, tp, bags=self.bags, has_weights=True)
            total = part if total is None else total + part
        return total

    def rule(self) -> str:
        return "grad_weight[i] += grad of the bag holding i (÷ bag size for 'mean'; only the arg-max for 'max')"

    @staticmethod
    def samples():
        idx = np.array([1, 2, 4, 5, 4, 3])
        out = []
        for mode in ("sum", "mean"):
            bags = make_bags(idx, np.array([0, 2, 2]), False, 5, mode)
            out.append(((distinct(6, 3), np.zeros(0)), {"bags": bags, "has_weights": False}))
        bags = make_bags(idx, np.array([0, 3]), False, -1, "sum")
        out.append(((distinct(6, 3), distinct(6)), {"bags": bags, "has_weights": True}))
        bags = make_bags(idx.reshape(2, 3), None, False, -1, "max")
        out.append(((distinct(6, 3), np.zeros(0)), {"bags": bags, "has_weights": False}))
        return out
