"""Matrix products: mm, addmm (what nn.Linear builds), mv, dot, bmm and matmul's dispatch."""

from __future__ import annotations

import numpy as np

from .._api import public
from .._op import Op
from .._tensor import Tensor
from ._bilinear_base import Bilinear, product_rule
from ._samples import sampler
from ._util import promote, sum_to
from .shape import Squeeze, UnsafeView, _view_result

_rand = sampler(seed=5)


def _dtype_name(t: Tensor) -> str:
    return {"float32": "float", "float64": "double", "int64": "long int"}.get(t._data.dtype.name, t._data.dtype.name)


def _check_same_dtype(a: Tensor, b: Tensor) -> None:
    if a._data.dtype is not b._data.dtype:
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {_dtype_name(a)} != {_dtype_name(b)}"
        )


class Mm(Bilinear):
    node_name = "MmBackward0"
    aten = "aten::mm"
    inputs = ("self", "mat2")

    def forward(self, a, b):
        return a @ b

    @staticmethod
    def product(a, b):
        return a.mm(b)

    def grad_first(self, grad, b):
        return grad.mm(b.t())

    def grad_second(self, grad, a):
        return a.t().mm(grad)

    def rule(self) -> str:
        return "grad_self = grad · mat2ᵀ;  grad_mat2 = selfᵀ · grad"

    @staticmethod
    def samples():
        return [((_rand(2, 3), _rand(3, 4)), {})]


class Addmm(Op):
    """``beta·bias + alpha·(mat1 @ mat2)``: nn.Linear on a batch of rows."""

    node_name = "AddmmBackward0"
    aten = "aten::addmm"
    inputs = ("self", "mat1", "mat2")
    saves = ("mat1", "mat2")
    saves_for = {"mat1": ("mat2",), "mat2": ("mat1",)}
    beta = 1
    alpha = 1

    def forward(self, bias, m1, m2):
        out = m1 @ m2
        if self.alpha != 1:
            out = out * self.alpha
        return out + (bias if self.beta == 1 else self.beta * bias)

    def vjp(self, grad):
        m1, m2 = self.saved
        rb, r1, r2 = self.next_functions
        gb = g1 = g2 = None
        if rb[0] is not None:
            gb = sum_to(grad if self.beta == 1 else grad * self.beta, self._in_meta[0][0])
        ga = grad if self.alpha == 1 else grad * self.alpha
        if r1[0] is not None:
            g1 = ga.mm(m2.t())
        if r2[0] is not None:
            g2 = m1.t().mm(ga)
        return gb, g1, g2

    def jvp(self, tangents):
        tb, t1, t2 = tangents
        m1, m2 = self.fw_inputs[1], self.fw_inputs[2]
        out = product_rule(Mm.product, m1, m2, t1, t2)
        if out is not None and self.alpha != 1:
            out = out * self.alpha
        if tb is not None:
            bias = (tb * self.beta).expand(self.fw_result._data.shape)
            out = bias if out is None else bias + out
        return out

    def rule(self) -> str:
        return "grad_bias = Σ_rows grad;  grad_mat1 = grad · mat2ᵀ;  grad_mat2 = mat1ᵀ · grad"

    @staticmethod
    def samples():
        return [((_rand(4), _rand(2, 3), _rand(3, 4)), {}), ((_rand(2, 4), _rand(2, 3), _rand(3, 4)), {"beta": 0.5, "alpha": 2.0})]


class Mv(Bilinear):
    node_name = "MvBackward0"
    aten = "aten::mv"
    inputs = ("self", "vec")

    def forward(self, m, v):
        return m @ v

    @staticmethod
    def product(a, b):
        return a.mv(b)

    def grad_first(self, grad, v):
        return grad.unsqueeze(1).mm(v.unsqueeze(0))

    def grad_second(self, grad, m):
        return m.t().mv(grad)

    def rule(self) -> str:
        return "grad_self = grad ⊗ vec;  grad_vec = selfᵀ · grad"

    @staticmethod
    def samples():
        return [((_rand(2, 3), _rand(3)), {})]


class Dot(Bilinear):
    node_name = "DotBackward0"
    aten = "aten::dot"
    inputs = ("self", "tensor")

    def forward(self, a, b):
        # A BLAS dot accumulates from +0, so PyTorch never returns -0. (numpy's dot can).
        return np.dot(a, b) + 0.0 if a.dtype.kind == "f" else np.dot(a, b)

    @staticmethod
    def product(a, b):
        return a.dot(b)

    def grad_first(self, grad, b):
        return grad * b

    def grad_second(self, grad, a):
        return grad * a

    def rule(self) -> str:
        return "grad_self = grad · tensor;  grad_tensor = grad · self"

    @staticmethod
    def samples():
        return [((_rand(3), _rand(3)), {})]


class Bmm(Bilinear):
    """Batched (broadcasting) matrix product of tensors with at least 3 dims."""

    node_name = "BmmBackward0"
    aten = "aten::bmm"
    inputs = ("self", "mat2")

    def forward(self, a, b):
        return np.matmul(a, b)

    @staticmethod
    def product(a, b):
        return a.matmul(b)

    def grad_first(self, grad, b):
        return sum_to(grad.matmul(b.transpose(-1, -2)), self._in_meta[0][0])

    def grad_second(self, grad, a):
        return sum_to(a.transpose(-1, -2).matmul(grad), self._in_meta[1][0])

    def rule(self) -> str:
        return "grad_self = grad · mat2ᵀ;  grad_mat2 = selfᵀ · grad  (per batch)"

    @staticmethod
    def samples():
        return [((_rand(2, 2, 3), _rand(2, 3, 4)), {})]


def _check_mm(a: Tensor, b: Tensor) -> None:
    if a._data.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b._data.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a._data.shape[1] != b._data.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({a._data.shape[0]}x{a._data.shape[1]} and "
            f"{b._data.shape[0]}x{b._data.shape[1]})"
        )
    _check_same_dtype(a, b)


# Hand-written wrappers: PyTorch checks ranks, shapes and dtypes first, with messages of its own per op
# (and addmm/matmul take keywords / dispatch on the ranks), which a generated function cannot say.
@public(method=True)
def mm(input, mat2):
    _check_mm(input, mat2)
    return Mm.apply(input, mat2)


@public(method=True)
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    _check_mm(mat1, mat2)
    params = {}
    if beta != 1:
        params["beta"] = beta
    if alpha != 1:
        params["alpha"] = alpha
    return Addmm.apply(input, mat1, mat2, **params)


@public(method=True)
def mv(input, vec):
    if input._data.shape[-1] != vec._data.shape[0]:
        raise RuntimeError(
            f"size mismatch, got input ({input._data.shape[0]}), mat ({input._data.shape[0]}x{input._data.shape[1]}), "
            f"vec ({vec._data.shape[0]})"
        )
    return Mv.apply(input, vec)


@public(method=True)
def dot(input, tensor):
    if input._data.ndim != 1 or tensor._data.ndim != 1:
        raise RuntimeError(
            f"1D tensors expected, but got {input._data.ndim}D and {tensor._data.ndim}D tensors"
        )
    if input._data.shape != tensor._data.shape:
        raise RuntimeError(
            "inconsistent tensor size, expected tensor "
            f"[{input._data.shape[0]}] and src [{tensor._data.shape[0]}] to have the same number of elements, "
            "but got "
            f"{input._data.shape[0]} and {tensor._data.shape[0]} elements respectively"
        )
    return Dot.apply(input, tensor)


@public(method=True)
def bmm(input, mat2):
    if input._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2._data.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    return Bmm.apply(input, mat2)


def _batched_shapes_fit(a: tuple, b: tuple) -> bool:
    """Whether ``a @ b`` (``b`` at least 3-D) has matching inner dims and broadcastable batch dims."""
    if a[-1] != b[-2]:
        return False
    try:
        np.broadcast_shapes(a[:-2], b[:-2])
    except ValueError:
        return False
    return True


@public(method=True)
def matmul(input, other):
    """PyTorch's dispatch: dot for 1-D·1-D, mv, mm, and a batched product otherwise."""
    if not isinstance(other, Tensor) or not isinstance(input, Tensor):
        raise TypeError("matmul(): argument 'other' must be Tensor")
    da, db = input._data.ndim, other._data.ndim
    if da == 0 or db == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {da}D and {db}D"
        )
    if db >= 3 and input._data.dtype == np.bool_ and _batched_shapes_fit(input._data.shape, other._data.shape):
        # PyTorch's batched kernel checks the shapes, then dispatches on self's dtype before comparing
        # the two dtypes: there is no bool kernel.
        raise NotImplementedError('"bmm" not implemented for \'Bool\'')
    if promote(input, other) is not None:
        _check_same_dtype(input, other)
    if input._data.dtype == np.bool_ and db <= 2 and input._data.shape[-1] == other._data.shape[0]:
        # No bool kernels (checked after the shapes): the kernel PyTorch's matmul dispatch reaches.
        kernel = "dot" if da == db == 1 else "addmv_impl_cpu" if db == 1 else "addmm_impl_cpu_"
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')
    # The dispatch below follows PyTorch's matmul so that the same chain of nodes appears.
    if da == 1 and db == 1:
        return dot(input, other)
    if da == 2 and db == 1:
        return mv(input, other)
    if da == 1 and db == 2:
        # unsqueeze(0).mm(other).squeeze_(0): the in-place squeeze names its node SqueezeBackward4.
        out = mm(input.unsqueeze(0), other)
        return _squeeze_first(out, "SqueezeBackward4")
    if da == 2 and db == 2:
        return mm(input, other)
    if da == 3 and db == 3 and input._data.shape[0] != other._data.shape[0]:
        # PyTorch's shortcut: a 3-D operand with a batch of one that requires grad is squeezed, so the
        # other is folded into an mm (its gradient then needs no sum over a broadcast batch).
        if input._data.shape[0] == 1 and input._requires_grad:
            return matmul(input.squeeze(0), other)
        if other._data.shape[0] == 1 and other._requires_grad:
            return matmul(input, other.squeeze(0))
    if da >= 3 and db <= 2:
        # Fold the batch into rows: (b, n, k) @ (k, m) -> reshape(b*n, k).mm -> _unsafe_view.
        k = input._data.shape[-1]
        rows = input.reshape(-1, k)
        out = mm(rows, other) if db == 2 else mv(rows, other)
        out_shape = input._data.shape[:-1] + ((other._data.shape[-1],) if db == 2 else ())
        return UnsafeView.apply(out, shape=out_shape)
    if db >= 3 and da <= 2:
        # The mirrored fold: compute (other^T @ input^T)^T with other^T's batch folded into rows.
        other_t = other.transpose(-1, -2)
        k = other_t._data.shape[-1]
        rows = other_t.reshape(-1, k)
        if da == 2:
            out = mm(rows, input.t())
            folded = other_t._data.shape[:-1] + (input._data.shape[0],)
            return UnsafeView.apply(out, shape=folded).transpose(-1, -2).contiguous()
        out = mv(rows, input)
        return UnsafeView.apply(out, shape=other_t._data.shape[:-1])
    # Both batched: broadcast the batch dims, fold them into one, bmm, then _unsafe_view back.
    n, k1 = input._data.shape[-2:]
    k2, p = other._data.shape[-2:]
    try:
        batch = tuple(np.broadcast_shapes(input._data.shape[:-2], other._data.shape[:-2]))
    except ValueError:
        raise RuntimeError(
            f"The size of tensor a ({input._data.shape[-3]}) must match the size of tensor b "
            f"({other._data.shape[-3]}) at non-singleton dimension 0"
        ) from None
    if k1 != k2:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{int(np.prod(batch))}, "
            f"{k1}] but got: [{int(np.prod(batch))}, {k2}]."
        )
    flat = int(np.prod(batch))
    a = input.expand(*batch, n, k1).reshape(flat, n, k1)
    b = other.expand(*batch, k2, p).reshape(flat, k2, p)
    return UnsafeView.apply(Bmm.apply(a, b), shape=batch + (n, p))


def _squeeze_first(t: Tensor, node_name: str) -> Tensor:
    return _view_result(Squeeze.apply(t, out_shape=t._data.shape[1:], node_name=node_name), t)


Tensor.__matmul__ = matmul
Tensor.__rmatmul__ = lambda self, other: matmul(other, self)
