"""Convolution (plain and transposed, 1-D and 2-D, any stride/padding/dilation/groups).

PyTorch routes every ``conv*`` / ``conv_transpose*`` call to ``aten::convolution`` whose node is
``ConvolutionBackward0`` (input, weight, bias). Its reverse rule is ``convolution_backward``, whose
node (when differentiated again) is ``ConvolutionBackwardBackward0``; both are ops here, so double
backward is exact: the rules of each are written with the two of them.

The numpy work is three kernels on the window columns (``_windows``): the forward, the input
gradient (the transposed map) and the weight gradient, each one BLAS matmul per group. A transposed
convolution is the same three kernels with the roles of forward and input gradient exchanged.
1-D convolutions run as 2-D ones with a height of 1.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .._op import Op
from .._tensor import Tensor, _make
from . import _conv3d
from ._samples import sampler
from ._windows import grid_of
from .shape import Squeeze, _view_result

_rand = sampler(seed=17)


# ---- numpy kernels ---------------------------------------------------------------------------------
# Column layout: (G, Cg·kh·kw, Ho·Wo·N) -- the batch innermost, so that the window copies and the
# col2im adds move long contiguous runs (Wo·N elements) instead of rows of Wo -- and one matmul per
# group does all the arithmetic.


def _chwn(a: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> contiguous (C, H, W, N)."""
    return np.ascontiguousarray(a.transpose(1, 2, 3, 0))


def _columns(x: np.ndarray, kernel, stride, padding, dilation, groups: int):
    """``x`` (N, C, H, W) as window columns (G, Cg·kh·kw, Ho·Wo·N), and the window grid."""
    n, c = x.shape[:2]
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    gh, gw = grid_of(x.shape[2:], kernel, stride, padding, dilation)
    xt = _chwn(x)
    if ph or pw:
        xt = np.pad(xt, ((0, 0), (ph, ph), (pw, pw), (0, 0)))
    s_c, s_h, s_w, s_n = xt.strides
    win = as_strided(xt, (c, kh, kw, gh, gw, n), (s_c, s_h * dh, s_w * dw, s_h * sh, s_w * sw, s_n), writeable=False)
    return np.ascontiguousarray(win).reshape(groups, -1, gh * gw * n), (gh, gw)


def _uncolumns(cols: np.ndarray, n: int, size, kernel, stride, padding, dilation) -> np.ndarray:
    """The adjoint of :func:`_columns`: columns (G, Cg·kh·kw, Ho·Wo·N) added back into (N, C, *size)."""
    kh, kw = kernel
    gh, gw = grid_of(size, kernel, stride, padding, dilation)
    blocks = cols.reshape(-1, kh, kw, gh, gw, n)
    c = blocks.shape[0]
    ph, pw = padding
    sh, sw = stride
    dh, dw = dilation
    acc = np.zeros((c, size[0] + 2 * ph, size[1] + 2 * pw, n), dtype=cols.dtype)
    for i in range(kh):  # one strided add per kernel offset, never a loop over pixels
        for j in range(kw):
            acc[:, i * dh : i * dh + sh * (gh - 1) + 1 : sh, j * dw : j * dw + sw * (gw - 1) + 1 : sw] += blocks[:, i, j]
    return acc[:, ph : ph + size[0], pw : pw + size[1]].transpose(3, 0, 1, 2)


def _by_group(a: np.ndarray, groups: int) -> np.ndarray:
    """(N, C, H, W) -> (G, Cg, H·W·N), the layout of the columns."""
    return _chwn(a).reshape(groups, a.shape[1] // groups, -1)


def _from_groups(a: np.ndarray, n: int, spatial) -> np.ndarray:
    """(G, Og, H·W·N) -> (N, G·Og, H, W) (a transposed view, no copy)."""
    g, og = a.shape[:2]
    return a.reshape(g * og, *spatial, n).transpose(3, 0, 1, 2)


def _plain_forward(x, w, geo, cache=None):
    cols, grid = _columns(x, w.shape[2:], geo.stride, geo.padding, geo.dilation, geo.groups)
    if cache is not None:
        cache["cols"] = cols  # the weight gradient needs the same columns
    out = np.matmul(w.reshape(geo.groups, w.shape[0] // geo.groups, -1), cols)
    return _from_groups(out, x.shape[0], grid)


def _plain_grad_input(g, w, size, geo):
    n = g.shape[0]
    cols = np.matmul(w.reshape(geo.groups, w.shape[0] // geo.groups, -1).transpose(0, 2, 1), _by_group(g, geo.groups))
    return _uncolumns(cols, n, size, w.shape[2:], geo.stride, geo.padding, geo.dilation)


def _plain_grad_weight(x, g, w_shape, geo, cols=None):
    if cols is None:
        cols, _ = _columns(x, w_shape[2:], geo.stride, geo.padding, geo.dilation, geo.groups)
    return np.matmul(_by_group(g, geo.groups), cols.transpose(0, 2, 1)).reshape(w_shape)


def _transposed_size(x_spatial, w, geo) -> tuple:
    return tuple(
        (x_spatial[i] - 1) * geo.stride[i] - 2 * geo.padding[i] + geo.dilation[i] * (w.shape[2 + i] - 1)
        + geo.output_padding[i] + 1
        for i in range(2)
    )


def conv_forward(x, w, geo, cache=None):
    """The convolution of 4-D ``x`` and ``w`` (no bias) for the geometry ``geo``."""
    if x.ndim == 5:  # 3-D: a sum of 2-D convolutions over the kernel's depth (nnbreadth)
        return _conv3d.conv3d_forward(x, w, geo, _KERNELS_2D)
    if not geo.transposed:
        return _plain_forward(x, w, geo, cache)
    # A transposed convolution is the input gradient of the plain one, with (Cin, Cout/G) weights.
    return _plain_grad_input(x, w, _transposed_size(x.shape[2:], w, geo), geo)


def conv_grad_input(g, w, x_shape, geo):
    if g.ndim == 5:
        return _conv3d.conv3d_grad_input(g, w, x_shape, geo, _KERNELS_2D)
    if not geo.transposed:
        return _plain_grad_input(g, w, x_shape[2:], geo)
    return _plain_forward(g, w, geo)


def conv_grad_weight(x, g, w_shape, geo, cols=None):
    if x.ndim == 5:
        return _conv3d.conv3d_grad_weight(x, g, w_shape, geo, _KERNELS_2D)
    if not geo.transposed:
        return _plain_grad_weight(x, g, w_shape, geo, cols)
    return _plain_grad_weight(g, x, w_shape, geo)


_KERNELS_2D = (conv_forward, conv_grad_input, conv_grad_weight)


# ---- the ops ---------------------------------------------------------------------------------------


class _Geometry:
    """Read by the kernels: stride, padding, dilation, output_padding (2-tuples), groups, transposed."""

    __slots__ = ("stride", "padding", "dilation", "output_padding", "groups", "transposed")

    def __init__(self, op) -> None:
        for name in self.__slots__:
            setattr(self, name, getattr(op, name))


_GEOMETRY_PARAMS = ("stride", "padding", "dilation", "transposed", "output_padding", "groups", "one_d")


def _up(a: np.ndarray, one_d: bool) -> np.ndarray:
    return a[:, :, None] if one_d else a


def _down(a: np.ndarray, one_d: bool) -> np.ndarray:
    return a[:, :, 0] if one_d else a


def _zeros(shape, dtype) -> np.ndarray:
    return np.broadcast_to(np.zeros((), dtype), shape)


class Convolution(Op):
    """``aten::convolution``: input (N, C, [H,] W), weight, optional bias (``has_bias``)."""

    node_name = "ConvolutionBackward0"
    aten = "aten::convolution"
    inputs = ("input", "weight", "bias")
    saves = ("input", "weight")
    stride = (1, 1)
    padding = (0, 0)
    dilation = (1, 1)
    output_padding = (0, 0)
    groups = 1
    transposed = False
    one_d = False
    has_bias = True
    valid = False  # called with padding='valid' (PyTorch then saves padding and output_padding as (0,))

    def forward(self, x, w, b=None):
        one_d = self.one_d
        cache = {}
        out = conv_forward(_up(x, one_d), _up(w, one_d), _Geometry(self), cache)
        # Kept for the weight gradient (dropped when the node releases its saved tensors).
        self._cols = cache.get("cols")
        out = np.ascontiguousarray(_down(out, one_d))
        if self.has_bias and b is not None:
            out += b.reshape((1, -1) + (1,) * (out.ndim - 2))
        return out

    def _release(self) -> None:
        super()._release()
        self._cols = None

    def _params(self) -> dict:
        return {k: getattr(self, k) for k in _GEOMETRY_PARAMS}

    def vjp(self, grad):
        x, w = self.saved
        edges = self.next_functions
        need = tuple(i < len(edges) and edges[i][0] is not None for i in range(3))
        gx, gw, gb = ConvolutionBackward.apply(grad, x, w, output_mask=need, columns=self._cols, **self._params())
        return (gx if need[0] else None, gw if need[1] else None, gb if need[2] else None)[: len(edges)]

    def jvp(self, tangents):
        x, w = self.fw_inputs[:2]
        tx, tw = tangents[0], tangents[1]
        params = self._params()
        out = None
        if tx is not None:
            out = Convolution.apply(tx, w, has_bias=False, **params)
        if tw is not None:
            term = Convolution.apply(x, tw, has_bias=False, **params)
            out = term if out is None else out + term
        if len(tangents) > 2 and tangents[2] is not None:
            tb = tangents[2].reshape((1, -1) + (1,) * (x.dim() - 2))
            out = tb if out is None else out + tb
        return out

    def rule(self) -> str:
        kind = "transposed convolution" if self.transposed else "convolution"
        return (
            f"{kind}: grad_input = conv_transpose(grad, weight);  grad_weight = conv(input, grad) "
            "(stride and dilation exchanged);  grad_bias = Σ_{N, spatial} grad"
        )

    @staticmethod
    def samples():
        return [
            ((_rand(2, 4, 5, 5), _rand(6, 2, 3, 3), _rand(6)), {"stride": (2, 2), "padding": (1, 1), "groups": 2}),
            ((_rand(1, 2, 6, 5), _rand(3, 2, 2, 3)), {"dilation": (2, 1), "padding": (1, 0), "has_bias": False}),
            ((_rand(2, 3, 7), _rand(4, 3, 3), _rand(4)), {"one_d": True, "stride": (1, 2), "padding": (0, 1)}),
            (
                (_rand(2, 4, 3, 3), _rand(4, 2, 3, 2), _rand(4)),
                {"transposed": True, "stride": (2, 1), "padding": (1, 0), "output_padding": (1, 0), "groups": 2},
            ),
            ((_rand(1, 2, 5), _rand(2, 3, 3)), {"transposed": True, "one_d": True, "has_bias": False, "dilation": (1, 2)}),
            *_samples_3d(),
        ]


class ConvolutionBackward(Op):
    """``aten::convolution_backward`` as a differentiable op: (grad_input, grad_weight, grad_bias)."""

    node_name = "ConvolutionBackwardBackward0"
    aten = "aten::convolution_backward"
    inputs = ("grad_output", "self", "weight")
    saves = ("grad_output", "self", "weight")
    num_outputs = 3
    stride = (1, 1)
    padding = (0, 0)
    dilation = (1, 1)
    output_padding = (0, 0)
    groups = 1
    transposed = False
    one_d = False
    output_mask = (True, True, True)
    columns = None  # the forward's window columns of ``self``, when the caller has them

    def forward(self, g, x, w):
        geo, one_d, mask = _Geometry(self), self.one_d, self.output_mask
        g4, x4, w4 = _up(g, one_d), _up(x, one_d), _up(w, one_d)
        gx = _down(conv_grad_input(g4, w4, x4.shape, geo), one_d) if mask[0] else _zeros(x.shape, x.dtype)
        gw = _down(conv_grad_weight(x4, g4, w4.shape, geo, self.columns), one_d) if mask[1] else _zeros(w.shape, w.dtype)
        self.columns = None
        sum_axes = (0,) + tuple(range(2, g.ndim))
        gb = g.sum(axis=sum_axes) if mask[2] else _zeros(g.shape[1:2], g.dtype)
        return np.ascontiguousarray(gx), np.ascontiguousarray(gw), gb

    def _params(self) -> dict:
        return {k: getattr(self, k) for k in _GEOMETRY_PARAMS}

    def vjp(self, ggx, ggw, ggb):
        # convolution_backward is linear in grad_output and bilinear in (input, weight) pairs:
        # the adjoint of each output's map, written with the two conv ops.
        go, x, w = self.saved
        params = self._params()
        d_go = d_x = d_w = None
        if ggx is not None:
            d_go = Convolution.apply(ggx, w, has_bias=False, **params)
            d_w = ConvolutionBackward.apply(go, ggx, w, output_mask=(False, True, False), **params)[1]
        if ggw is not None:
            term = Convolution.apply(x, ggw, has_bias=False, **params)
            d_go = term if d_go is None else d_go + term
            d_x = ConvolutionBackward.apply(go, x, ggw, output_mask=(True, False, False), **params)[0]
        if ggb is not None:
            term = ggb.reshape((1, -1) + (1,) * (go.dim() - 2))
            d_go = term.expand(go.shape) if d_go is None else d_go + term
        return d_go, d_x, d_w

    def jvp(self, tangents):
        go, x, w = self.fw_inputs
        t_go, t_x, t_w = tangents
        params = self._params()
        parts = []
        if t_go is not None:
            parts.append(ConvolutionBackward.apply(t_go, x, w, **params))
        if t_x is not None or t_w is not None:
            t_x = t_x if t_x is not None else _make(np.zeros(x.shape, x._data.dtype))
            t_w = t_w if t_w is not None else _make(np.zeros(w.shape, w._data.dtype))
            # (grad_input from weight's tangent, grad_weight from input's tangent, no bias part)
            gx, gw, _ = ConvolutionBackward.apply(go, t_x, t_w, output_mask=(True, True, False), **params)
            parts.append((gx, gw, None))
        out = [None, None, None]
        for part in parts:
            for i in range(3):
                if part[i] is not None:
                    out[i] = part[i] if out[i] is None else out[i] + part[i]
        return tuple(out)

    def rule(self) -> str:
        return "grad_grad_output = conv(ggI, weight) + conv(input, ggW) + ggb;  grad_input, grad_weight from the adjoints"

    @staticmethod
    def samples():
        return [
            ((_rand(2, 6, 3, 3), _rand(2, 4, 5, 5), _rand(6, 2, 3, 3)), {"stride": (2, 2), "padding": (1, 1), "groups": 2}),
            ((_rand(2, 4, 4), _rand(2, 3, 7), _rand(4, 3, 3)), {"one_d": True, "stride": (1, 2), "padding": (0, 1)}),
            (
                (_rand(1, 3, 7, 4), _rand(1, 2, 3, 3), _rand(2, 3, 2, 2)),
                {"transposed": True, "stride": (2, 2), "padding": (0, 1), "output_padding": (1, 0)},
            ),
            ((_rand(1, 2, 2, 2, 3), _rand(1, 2, 3, 3, 3), _rand(2, 2, 2, 2, 2)), _GEO_3D),
        ]


_GEO_3D = {"stride": (2, 1, 1), "padding": (1, 0, 1), "dilation": (1, 1, 2), "output_padding": (0, 0, 0)}


def _samples_3d() -> list:
    """3-D convolutions (nnbreadth): plain with groups, transposed with output padding."""
    return [
        ((_rand(1, 4, 3, 3, 3), _rand(2, 2, 2, 2, 2), _rand(2)), {**_GEO_3D, "groups": 2}),
        ((_rand(1, 2, 2, 2, 2), _rand(2, 1, 2, 2, 2)),
         {"transposed": True, "stride": (2, 1, 2), "padding": (0, 1, 0), "dilation": (1, 1, 1),
          "output_padding": (1, 0, 1), "has_bias": False}),
    ]


def convolution(input: Tensor, weight: Tensor, bias, stride, padding, dilation, transposed, output_padding, groups, one_d,
                valid: bool = False):
    """Apply :class:`Convolution` (arguments already checked and made 2-D by the nn wrappers)."""
    extra = {"valid": True} if valid else {}
    if bias is None:
        # PyTorch's node keeps an edge slot for the absent bias, (None, 0): a placeholder input
        # without grad gives exactly that.
        return Convolution.apply(
            input, weight, _make(np.zeros(0, input._data.dtype)), stride=stride, padding=padding, dilation=dilation,
            transposed=transposed, output_padding=output_padding, groups=groups, one_d=one_d, has_bias=False, **extra,
        )
    return Convolution.apply(
        input, weight, bias, stride=stride, padding=padding, dilation=dilation, transposed=transposed,
        output_padding=output_padding, groups=groups, one_d=one_d, **extra,
    )


class SqueezeDim(Squeeze):
    """``squeeze(dim)`` as its own class, so ``type(grad_fn).__name__`` is PyTorch's SqueezeBackward1
    (the shared Squeeze class only renames the instance's ``name()``)."""

    node_name = "SqueezeBackward1"


def squeeze_dim(t: Tensor, dim: int) -> Tensor:
    """``t.squeeze(dim)`` of a size-1 dim, with PyTorch's node (used by unbatched and 1-D layers)."""
    shape = t._data.shape
    dim = dim % len(shape)
    return _view_result(SqueezeDim.apply(t, out_shape=shape[:dim] + shape[dim + 1 :]), t)


def _saved_geometry(name: str) -> property:
    # PyTorch's grad_fn._saved_stride etc. have one entry per spatial dim: drop the 1-D height.
    def get(self):
        if self.valid and name in ("padding", "output_padding"):
            return (0,)  # PyTorch's padding='valid' path passes a single 0 for both
        value = getattr(self, name)
        return tuple(value[1:]) if self.one_d else tuple(value)

    return property(get)


for _name in ("stride", "padding", "dilation", "output_padding"):
    setattr(Convolution, f"_saved_{_name}", _saved_geometry(_name))
Convolution._saved_transposed = property(lambda self: bool(self.transposed))
Convolution._saved_groups = property(lambda self: self.groups)
# The bias's sizes, (0,) without a bias (PyTorch's placeholder, like the engine's).
Convolution._saved_bias_sym_sizes_opt = property(lambda self: tuple(self._in_meta[2][0]) if len(self._in_meta) > 2 else (0,))
del _name
