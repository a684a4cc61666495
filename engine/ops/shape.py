"""Shape views: view/reshape, flatten, transpose/permute/t, expand, (un)squeeze.

Views share numpy storage (and the version counter) with their base, like PyTorch's views, so an
in-place change through one is seen through the other.
"""

from __future__ import annotations

import sys
import warnings
import weakref

import numpy as np

from .. import _dtype
from .._api import method, public
from .._op import Op
from .._state import STATE
from .._tensor import Tensor, _wrap_dim
from ._samples import sampler
from ._util import sum_to
from .copies import Clone

_rand = sampler(seed=3)


def _infer_shape(shape, numel: int) -> tuple:
    shape = tuple(int(s) for s in shape)
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    if -1 in shape:
        known = 1
        for s in shape:
            if s != -1:
                known *= s
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    n = 1
    for s in shape:
        n *= s
    if n != numel:
        raise RuntimeError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input of size {numel}")
    return shape


def _shape_args(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


class _ViewOp(Op):
    """Ops whose output shares the input's storage."""

    abstract = True
    is_view = True


class View(_ViewOp):
    node_name = "ViewBackward0"
    aten = "aten::view"

    def forward(self, x):
        return x.reshape(self.shape)

    def vjp(self, grad):
        return (grad.reshape(self._in_meta[0][0]),)

    def jvp(self, tangents):
        return tangents[0].reshape(self.shape)

    def rule(self) -> str:
        return "grad_input = grad reshaped to the input's shape"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {"shape": (3, 2)}), ((_rand(2, 3),), {"shape": (6,)})]


class UnsafeView(View):
    node_name = "UnsafeViewBackward0"
    aten = "aten::_unsafe_view"


class ReshapeAlias(View):
    """``reshape`` of a non-contiguous tensor whose strides still allow a view (PyTorch's _reshape_alias)."""

    node_name = "ReshapeAliasBackward0"
    aten = "aten::_reshape_alias"


class Transpose(_ViewOp):
    node_name = "TransposeBackward0"
    aten = "aten::transpose"

    def forward(self, x):
        if x.ndim == 0:  # transpose(0, -1) of a 0-d tensor is allowed (dims wrap as rank 1)
            return x.view()
        return np.swapaxes(x, self.dim0, self.dim1)

    def vjp(self, grad):
        return (grad.transpose(self.dim0, self.dim1),)

    def jvp(self, tangents):
        return tangents[0].transpose(self.dim0, self.dim1)

    def rule(self) -> str:
        return f"grad_input = grad transposed back (dims {self.dim0}, {self.dim1})"

    @staticmethod
    def samples():
        return [((_rand(2, 3, 4),), {"dim0": 0, "dim1": 2})]


class T(_ViewOp):
    node_name = "TBackward0"
    aten = "aten::t"

    def forward(self, x):
        return x.T

    def vjp(self, grad):
        return (grad.t(),)

    def jvp(self, tangents):
        return tangents[0].t()

    def rule(self) -> str:
        return "grad_input = gradᵀ"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {})]


class Permute(_ViewOp):
    node_name = "PermuteBackward0"
    aten = "aten::permute"

    def forward(self, x):
        return np.transpose(x, self.dims)

    def vjp(self, grad):
        return (grad.permute(*np.argsort(self.dims).tolist()),)

    def jvp(self, tangents):
        return tangents[0].permute(*self.dims)

    def rule(self) -> str:
        return f"grad_input = grad permuted back (inverse of {list(self.dims)})"

    @staticmethod
    def samples():
        return [((_rand(2, 3, 4),), {"dims": (2, 0, 1)})]


class Expand(_ViewOp):
    node_name = "ExpandBackward0"
    aten = "aten::expand"

    def forward(self, x):
        return np.broadcast_to(x, self.shape)

    def vjp(self, grad):
        return (sum_to(grad, self._in_meta[0][0]),)

    def jvp(self, tangents):
        return tangents[0].expand(self.shape)

    def rule(self) -> str:
        return "grad_input = grad summed over the expanded dims"

    @staticmethod
    def samples():
        return [((_rand(3, 1),), {"shape": (2, 3, 4)})]


class Unsqueeze(_ViewOp):
    node_name = "UnsqueezeBackward0"
    aten = "aten::unsqueeze"

    def forward(self, x):
        return np.expand_dims(x, self.dim)

    def vjp(self, grad):
        return (grad.squeeze(self.dim),)

    def jvp(self, tangents):
        return tangents[0].unsqueeze(self.dim)

    def rule(self) -> str:
        return f"grad_input = grad with dim {self.dim} removed"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {"dim": 1})]


class Squeeze(_ViewOp):
    """``squeeze()`` (all size-1 dims; SqueezeBackward0) or ``squeeze(dim)`` (SqueezeBackward1)."""

    node_name = "SqueezeBackward0"
    aten = "aten::squeeze"

    def forward(self, x):
        return x.reshape(self.out_shape)

    def vjp(self, grad):
        return (grad.reshape(self._in_meta[0][0]),)

    def jvp(self, tangents):
        return tangents[0].reshape(self.out_shape)

    def rule(self) -> str:
        return "grad_input = grad with the squeezed dims restored"

    @staticmethod
    def samples():
        return [((_rand(2, 1, 3),), {"out_shape": (2, 3)})]


# ---- public functions ------------------------------------------------------------------------------


def _forward_name(function: str) -> str:
    """PyTorch's forward name of a view op (``Unsqueeze``) from the engine function that made it."""
    special = {"_getitem": "Select", "narrow": "Slice", "t": "T", "view_as": "View", "expand_as": "Expand"}
    name = special.get(function, function.lstrip("_"))
    return name[:1].upper() + name[1:]


def _view_result(out: Tensor, base: Tensor) -> Tensor:
    """Make ``out`` a view of ``base``'s root base: same storage and version counter.

    Under grad mode the root also keeps a weak list of its views, so that an in-place op on the
    base or on any view can rebase the others' grad_fn (AsStridedBackward0), as PyTorch does.
    """
    out._vc = base._vc
    root = base._base if base._base is not None else base
    out._base = root
    if base._no_grad_view is not None or (not STATE.grad_enabled and root._requires_grad):
        # PyTorch's CreationMeta.NO_GRAD_MODE (inherited by views of such a view): in-place ops on
        # it with grad mode on are refused (ops.inplace.apply_on_view).
        out._no_grad_view = True if not STATE.grad_enabled else _forward_name(sys._getframe(1).f_code.co_name)
    if STATE.grad_enabled:
        views = root._views
        if views is None:
            root._views = [weakref.ref(out)]
        else:
            if len(views) >= 64 and (len(views) & (len(views) - 1)) == 0:
                views[:] = [r for r in views if r() is not None]  # prune dead views now and then
            views.append(weakref.ref(out))
    return out


@method("view")
def view(self, *shape):
    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        raise NotImplementedError("view(dtype) is not supported")
    shape = _infer_shape(_shape_args(shape), self._data.size)
    if not self._data.flags.c_contiguous and self._data.ndim > 1 and self._data.size > 1:
        try:
            np.ndarray.view(self._data).shape = shape  # succeeds only when no copy would be needed
        except AttributeError:
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one dimension "
                "spans across two contiguous subspaces). Use .reshape(...) instead."
            ) from None
    return _view_result(View.apply(self, shape=shape), self)


@public(method=True)
def reshape(input, *shape):
    shape = _infer_shape(_shape_args(shape), input._data.size)
    if input._data.flags.c_contiguous:
        return _view_result(View.apply(input, shape=shape), input)
    try:
        np.ndarray.view(input._data).shape = shape  # succeeds only when the strides allow a view
    except AttributeError:
        pass
    else:
        return _view_result(ReshapeAlias.apply(input, shape=shape), input)
    # PyTorch copies a non-viewable tensor first, then views the copy.
    return UnsafeView.apply(Clone.apply(input, order="C"), shape=shape)


@method("view_as")
def view_as(self, other):
    return view(self, other._data.shape)


@method("reshape_as")
def reshape_as(self, other):
    return reshape(self, other._data.shape)


@public(method=True)
def flatten(input, start_dim=0, end_dim=-1):
    nd = input._data.ndim
    if nd == 0:
        return reshape(input, (1,))
    s, e = _wrap_dim(start_dim, nd), _wrap_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shape = input._data.shape
    return reshape(input, shape[:s] + (-1,) + shape[e + 1 :])


@public(method=True)
def transpose(input, dim0, dim1):
    nd = input._data.ndim
    d0, d1 = _wrap_dim(dim0, nd), _wrap_dim(dim1, nd)
    return _view_result(Transpose.apply(input, dim0=d0, dim1=d1), input)


swapaxes = public("swapaxes", method=True)(transpose)


@public(method=True)
def t(input):
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input._data.ndim}D")
    return _view_result(T.apply(input), input)


@public(method=True)
def permute(input, *dims):
    dims = _shape_args(dims)
    nd = input._data.ndim
    if len(dims) != nd:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the length of "
            f"the desired ordering of dimensions i.e. input.dim() = {nd} is not equal to len(dims) = {len(dims)}"
        )
    dims = tuple(_wrap_dim(d, nd) for d in dims)
    return _view_result(Permute.apply(input, dims=dims), input)


_T_DEPRECATED = (
    "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated and it "
    "will throw an error in a future release. Consider `x.mT` to transpose batches of matrices or "
    "`x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor. (Triggered "
    "internally at /pytorch/aten/src/ATen/native/TensorShape.cpp:4314.)"
)


def _T(self):
    nd = self._data.ndim
    if nd != 2:
        # PyTorch 2.13 warns for .T on anything but a matrix (0-d and 1-D included).
        warnings.warn(_T_DEPRECATED, UserWarning, stacklevel=2)
    if nd < 2:
        return self
    return permute(self, tuple(range(nd - 1, -1, -1)))


Tensor.T = property(_T)
Tensor.mT = property(lambda self: transpose(self, -2, -1))


@method("expand")
def expand(self, *sizes):
    sizes = _shape_args(sizes)
    shape = self._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(
            f"expand(torch.FloatTensor{{[{', '.join(map(str, shape))}]}}, size=[{', '.join(map(str, sizes))}]): "
            "the number of sizes provided "
            f"({len(sizes)}) must be greater or equal to the number of dimensions in the tensor ({len(shape)})"
        )
    lead = len(sizes) - len(shape)
    target = tuple(
        (shape[i - lead] if s == -1 else s) if i >= lead else s for i, s in enumerate(sizes)
    )
    if target == shape:
        # PyTorch still records an ExpandBackward0 node for a no-op expand.
        pass
    for i in range(lead, len(target)):
        # PyTorch reports the first dim where a non-singleton size would have to change.
        have, want = shape[i - lead], target[i]
        if have != 1 and have != want:
            raise RuntimeError(
                f"The expanded size of the tensor ({want}) must match the existing size ({have}) at "
                f"non-singleton dimension {i}.  Target sizes: [{', '.join(map(str, sizes))}].  "
                f"Tensor sizes: [{', '.join(map(str, shape))}]"
            )
    return _view_result(Expand.apply(self, shape=target), self)


@method("expand_as")
def expand_as(self, other):
    return expand(self, other._data.shape)


@public(method=True)
def unsqueeze(input, dim):
    d = _wrap_dim(dim, input._data.ndim + 1)
    return _view_result(Unsqueeze.apply(input, dim=d), input)


@public(method=True)
def squeeze(input, dim=None):
    shape = input._data.shape
    if dim is None:
        out_shape = tuple(s for s in shape if s != 1)
        return _view_result(Squeeze.apply(input, out_shape=out_shape), input)
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    nd = len(shape)
    dims = {_wrap_dim(d, nd) for d in dims}  # validates on 0-d too (0 and -1 only)
    out_shape = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
    node_name = "SqueezeBackward1" if isinstance(dim, int) else "SqueezeBackward2"
    return _view_result(Squeeze.apply(input, out_shape=out_shape, node_name=node_name), input)
