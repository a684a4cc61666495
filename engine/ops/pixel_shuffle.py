"""``pixel_shuffle`` (PixelShuffleBackward0) and ``pixel_unshuffle`` (PixelUnshuffleBackward0).

``pixel_shuffle(x, r)`` moves (…, C·r², H, W) to (…, C, H·r, W·r): a reshape, a permute and a
reshape, copied to a contiguous result as PyTorch does. The two ops are each other's inverse and
adjoint (a permutation of the elements), so PyTorch's rules -- ``pixel_shuffle``'s gradient is
``pixel_unshuffle(grad)`` and the other way round -- make a :class:`LinearMap` pair of real ops.
"""

from __future__ import annotations

import numpy as np

from .._api import public
from .._tensor import Tensor
from ._linear_map import LinearMap, pair
from ._samples import distinct


def shuffle(x: np.ndarray, r: int) -> np.ndarray:
    *lead, c, h, w = x.shape
    oc = c // (r * r)
    t = x.reshape(*lead, oc, r, r, h, w)
    n = len(lead)
    t = t.transpose(*range(n), n, n + 3, n + 1, n + 4, n + 2)  # (…, oc, h, r, w, r)
    return np.ascontiguousarray(t).reshape(*lead, oc, h * r, w * r)


def unshuffle(x: np.ndarray, r: int) -> np.ndarray:
    *lead, c, h, w = x.shape
    oh, ow = h // r, w // r
    t = x.reshape(*lead, c, oh, r, ow, r)
    n = len(lead)
    t = t.transpose(*range(n), n, n + 2, n + 4, n + 1, n + 3)  # (…, c, r, r, oh, ow)
    return np.ascontiguousarray(t).reshape(*lead, c * r * r, oh, ow)


class PixelShuffle(LinearMap):
    node_name = "PixelShuffleBackward0"
    aten = "aten::pixel_shuffle"

    def forward(self, x):
        return shuffle(x, self.cfg)

    def rule(self) -> str:
        return "grad_input = pixel_unshuffle(grad, upscale_factor)"

    @staticmethod
    def samples():
        return [((distinct(1, 8, 2, 3),), {"cfg": 2}), ((distinct(9, 1, 2),), {"cfg": 3})]


class PixelUnshuffle(LinearMap):
    node_name = "PixelUnshuffleBackward0"
    aten = "aten::pixel_unshuffle"

    def forward(self, x):
        return unshuffle(x, self.cfg)

    def rule(self) -> str:
        return "grad_input = pixel_shuffle(grad, downscale_factor)"

    @staticmethod
    def samples():
        return [((distinct(1, 2, 4, 6),), {"cfg": 2})]


pair(PixelShuffle, PixelUnshuffle)


def _check(input: Tensor, factor: int, name: str, what: str) -> None:
    if input._data.ndim < 3:
        raise RuntimeError(f"{name} expects input to have at least 3 dimensions, but got input with "
                           f"{input._data.ndim} dimension(s)")
    if factor <= 0:
        raise RuntimeError(f"{name} expects a positive {what}, but got {factor}")


@public()
def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    r = int(upscale_factor)
    _check(input, r, "pixel_shuffle", "upscale_factor")
    c = input._data.shape[-3]
    if c % (r * r):
        raise RuntimeError("pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    return PixelShuffle.apply(input, cfg=r)


@public()
def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    r = int(downscale_factor)
    _check(input, r, "pixel_unshuffle", "downscale_factor")
    h, w = input._data.shape[-2:]
    if h % r:
        raise RuntimeError("pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)="
                           f"{h} is not divisible by {r}")
    if w % r:
        raise RuntimeError("pixel_unshuffle expects width to be divisible by downscale_factor, but input.size(-1)="
                           f"{w} is not divisible by {r}")
    return PixelUnshuffle.apply(input, cfg=r)
