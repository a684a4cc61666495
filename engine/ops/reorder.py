"""``repeat``, ``flip``, ``movedim`` and ``tril``/``triu``: ops that rearrange or mask one tensor's elements."""

from __future__ import annotations

import numpy as np

from .._api import public
from .._op import Op
from .._tensor import Tensor, _wrap_dim
from ._samples import sampler
from .shape import _view_result, permute
from .views import Alias

_rand = sampler(seed=23)


class Repeat(Op):
    node_name = "RepeatBackward0"
    aten = "aten::repeat"

    def forward(self, x):
        reps = self.repeats
        return np.tile(x.reshape((1,) * (len(reps) - x.ndim) + x.shape), reps)

    def vjp(self, grad):
        in_shape = self._in_meta[0][0]
        reps = self.repeats
        padded = (1,) * (len(reps) - len(in_shape)) + tuple(in_shape)
        # Each output dim is (repeat, size) laid out repeat-major: split it and sum the repeat axes.
        split_shape = tuple(v for r, s in zip(reps, padded) for v in (r, s))
        summed = grad.reshape(split_shape).sum(dim=tuple(range(0, 2 * len(reps), 2)))
        return (summed.reshape(in_shape),)

    def jvp(self, tangents):
        return Repeat.apply(tangents[0], repeats=self.repeats)

    def rule(self) -> str:
        return f"grad_input = grad summed over the {list(self.repeats)} tiles"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {"repeats": (2, 1)}), ((_rand(3),), {"repeats": (2, 1, 3)})]


class Flip(Op):
    node_name = "FlipBackward0"
    aten = "aten::flip"

    def forward(self, x):
        return np.flip(x, self.dims).copy()

    def vjp(self, grad):
        return (Flip.apply(grad, dims=self.dims),)

    def jvp(self, tangents):
        return Flip.apply(tangents[0], dims=self.dims)

    def rule(self) -> str:
        return f"grad_input = grad flipped back along dims {list(self.dims)}"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {"dims": (0, 1)}), ((_rand(2, 3),), {"dims": (1,)})]


class Tril(Op):
    node_name = "TrilBackward0"
    aten = "aten::tril"

    def forward(self, x):
        return np.tril(x, self.diagonal)

    def vjp(self, grad):
        return (Tril.apply(grad, diagonal=self.diagonal),)

    def jvp(self, tangents):
        return Tril.apply(tangents[0], diagonal=self.diagonal)

    def rule(self) -> str:
        return f"grad_input = tril(grad, {self.diagonal})"

    @staticmethod
    def samples():
        return [((_rand(3, 4),), {"diagonal": 0}), ((_rand(2, 3, 3),), {"diagonal": -1})]


class Triu(Op):
    node_name = "TriuBackward0"
    aten = "aten::triu"

    def forward(self, x):
        return np.triu(x, self.diagonal)

    def vjp(self, grad):
        return (Triu.apply(grad, diagonal=self.diagonal),)

    def jvp(self, tangents):
        return Triu.apply(tangents[0], diagonal=self.diagonal)

    def rule(self) -> str:
        return f"grad_input = triu(grad, {self.diagonal})"

    @staticmethod
    def samples():
        return [((_rand(3, 4),), {"diagonal": 1})]


@public(method=True, function=False)
def repeat(self: Tensor, *sizes) -> Tensor:
    """Tile the tensor ``sizes`` times along each dim (RepeatBackward0)."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    sizes = tuple(int(s) for s in sizes)
    if len(sizes) < self._data.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"
        )
    return Repeat.apply(self, repeats=sizes)


@public(method=True)
def flip(input: Tensor, *dims) -> Tensor:
    """Reverse the order along ``dims`` (a copy, FlipBackward0)."""
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    nd = input._data.ndim
    wrapped = tuple(_wrap_dim(d, nd) for d in dims)
    if len(set(wrapped)) != len(wrapped):
        raise RuntimeError(f"dim {wrapped[0]} appears multiple times in the list of dims")
    return Flip.apply(input, dims=wrapped if nd else ())


@public(method=True)
def movedim(input: Tensor, source, destination) -> Tensor:
    """Move dims to new positions: a permute (PermuteBackward0), as in PyTorch."""
    nd = input._data.ndim
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should contain the same "
            f"number of dims as destination ({list(dst)} dims)"
        )
    src = tuple(_wrap_dim(d, nd) for d in src)
    dst = tuple(_wrap_dim(d, nd) for d in dst)
    if nd == 0:
        return _view_result(Alias.apply(input), input)  # PyTorch: an alias (AliasBackward0)
    order = [None] * nd
    for s, t in zip(src, dst):
        order[t] = s
    rest = iter(d for d in range(nd) if d not in src)
    order = [next(rest) if o is None else o for o in order]
    return permute(input, order)


moveaxis = public("moveaxis", method=True)(movedim)


def _check_matrix(input: Tensor, name: str) -> None:
    if input._data.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")


@public(method=True)
def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    _check_matrix(input, "tril")
    return Tril.apply(input, diagonal=int(diagonal))


@public(method=True)
def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    _check_matrix(input, "triu")
    return Triu.apply(input, diagonal=int(diagonal))
