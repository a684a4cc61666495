"""Small pieces of PyTorch's API that everyday programs use, each composed of existing ops so the
graph has PyTorch's nodes: ``outer`` (``MulBackward0`` over ``ViewBackward0``), ``take_along_dim``
(``GatherBackward0``), ``Tensor.tile`` (``RepeatBackward0``), ``meshgrid`` (``ExpandBackward0``),
``repeat_interleave`` (unsqueeze, expand, clone, view), and ``torch.compile`` (runs eagerly), plus
``torch.linalg``, ``torch.testing``, ``torch.utils.checkpoint`` and a few Tensor attributes.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np

from . import linalg, testing
from ._dtype import get_default_dtype
from ._einsum import einsum
from ._tensor import Size, Tensor
from .utils import checkpoint


def outer(input, vec2):
    return input.reshape(-1, 1) * vec2


def take_along_dim(input, indices, dim=None):
    if dim is None:
        return input.reshape(-1).gather(0, indices.reshape(-1))
    nd = input.dim()
    d = dim % nd
    shape = [max(a, b) if i != d else None for i, (a, b) in enumerate(zip(input.shape, indices.shape))]
    in_shape = [s if s is not None else input.shape[i] for i, s in enumerate(shape)]
    idx_shape = [s if s is not None else indices.shape[i] for i, s in enumerate(shape)]
    src = input if list(input.shape) == in_shape else input.expand(*in_shape)
    idx = indices if list(indices.shape) == idx_shape else indices.expand(*idx_shape)
    return src.gather(d, idx)


def tile(input, *dims):
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    dims = (1,) * (input.dim() - len(dims)) + tuple(dims)
    return input.repeat(*dims)


def meshgrid(*tensors, indexing=None):
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn(
            "torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
            UserWarning, stacklevel=2,
        )
        indexing = "ij"
    swap = indexing == "xy" and len(tensors) >= 2
    ts = list(tensors)
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = [t.numel() for t in ts]
    grids = []
    for i, t in enumerate(ts):
        view = [1] * len(ts)
        view[i] = -1
        grids.append(t.view(*view).expand(*shape))
    if swap:  # 'xy': the first two inputs swapped going in and their grids swapped coming out
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    if not isinstance(repeats, int):
        raise NotImplementedError("engine's repeat_interleave takes an int number of repeats")
    if dim is None:
        input, dim = input.flatten(), 0
    d = dim % input.dim()
    shape = list(input.shape)
    expanded = shape[: d + 1] + [repeats] + shape[d + 1:]
    out_shape = shape[:d] + [shape[d] * repeats] + shape[d + 1:]
    return input.unsqueeze(d + 1).expand(*expanded).clone().view(*out_shape)


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None, options=None,
            disable=False):
    """``torch.compile`` runs the model or function eagerly (same results, no speed-up)."""
    if model is None:
        return lambda fn: fn
    return model


def install(namespace: dict) -> None:
    for fn in (outer, take_along_dim, meshgrid, repeat_interleave, compile):
        namespace.setdefault(fn.__name__, fn)
    namespace.setdefault("ger", outer)
    namespace.setdefault("linalg", linalg)
    namespace.setdefault("testing", testing)
    namespace["utils"].checkpoint = checkpoint
    sys.modules.setdefault("engine.utils.checkpoint", checkpoint)
    for name, fn in (("outer", outer), ("ger", outer), ("take_along_dim", take_along_dim), ("tile", tile),
                     ("repeat_interleave", repeat_interleave)):
        if name not in Tensor.__dict__:
            setattr(Tensor, name, fn)
    extras = {
        "nbytes": property(lambda self: self._data.nbytes),
        "itemsize": property(lambda self: self._data.itemsize),
        "mH": property(lambda self: self.transpose(-2, -1)),  # real tensors: the conjugate is the tensor
        "H": property(lambda self: self.t()),
    }
    for name, attr in extras.items():
        if name not in Tensor.__dict__:
            setattr(Tensor, name, attr)


class finfo:  # noqa: N801 - PyTorch's spelling
    """Machine limits of a floating dtype (``torch.finfo(torch.float32).eps``)."""

    def __init__(self, type=None) -> None:
        dt = type if type is not None else get_default_dtype()
        info = np.finfo(dt.numpy)
        self.dtype = dt.name
        self.bits = info.bits
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.tiny)
        self.resolution = float(info.resolution)

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.tiny:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:  # noqa: N801
    def __init__(self, type) -> None:
        info = np.iinfo(type.numpy)
        self.dtype = type.name
        self.bits = info.bits
        self.max = int(info.max)
        self.min = int(info.min)

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


def broadcast_shapes(*shapes):
    return Size(np.broadcast_shapes(*[tuple(s) if not isinstance(s, int) else (s,) for s in shapes]))


def broadcast_tensors(*tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    shape = broadcast_shapes(*[t.shape for t in tensors])
    return tuple(t if t.shape == shape else t.expand(*shape) for t in tensors)


def install_more(namespace: dict) -> None:
    for obj in (finfo, iinfo, broadcast_shapes, broadcast_tensors, einsum):
        namespace.setdefault(obj.__name__, obj)


class layout:  # noqa: N801 - PyTorch's spelling
    """``torch.strided`` (the only layout the engine has) and ``torch.sparse_coo``, by name."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self):
        return (layout, (self.name,))


strided = layout("strided")
sparse_coo = layout("sparse_coo")


def install_layouts(namespace: dict) -> None:
    namespace.setdefault("layout", layout)
    namespace.setdefault("strided", strided)
    namespace.setdefault("sparse_coo", sparse_coo)
    if "layout" not in Tensor.__dict__:
        Tensor.layout = property(lambda self: strided)
