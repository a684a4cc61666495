"""The Tensor: a numpy array plus the autograd bookkeeping PyTorch keeps on a tensor.

Math methods (``x.sin()``, ``x + y``, ...) are attached by ``engine._functions`` so that each op is
defined once and reachable both as ``engine.sin(x)`` and ``x.sin()``.
"""

from __future__ import annotations

import warnings
import weakref

import numpy as np

from . import _dtype
from ._dtype import _NUMPY_TO_DTYPE
from ._graph import AccumulateGrad
from ._layout import is_contiguous_as
from ._state import STATE
from ._tensor_str import format_tensor

NONLEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
    "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated "
    "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor "
    "by mistake, make sure you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 "
    "for more information. (Triggered internally at /pytorch/build/aten/src/ATen/core/TensorBody.h:493.)"
)


NONLEAF_REQUIRES_GRAD_OFF = (
    "you can only change requires_grad flags of leaf variables. If you want to use a computed "
    "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
)

# PyTorch names dtypes two ways in messages: C type names ('double') and ScalarType names ('Float').
_C_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
                 "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}
_SCALAR_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
                      "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _c_type_name(np_dtype) -> str:
    return _C_TYPE_NAMES.get(np.dtype(np_dtype).name, np.dtype(np_dtype).name)


def _scalar_type_name(np_dtype) -> str:
    return _SCALAR_TYPE_NAMES.get(np.dtype(np_dtype).name, np.dtype(np_dtype).name)


class Size(tuple):
    """``torch.Size``: a tuple that prints as ``torch.Size([2, 3])``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"torch.Size([{', '.join(map(str, self))}])"

    __str__ = __repr__

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n


class Tensor:
    """An n-dimensional array that can record the operations applied to it for differentiation."""

    # Class-level defaults keep tensor creation cheap: only what differs is set per instance.
    grad_fn = None
    _requires_grad = False
    _output_nr = 0
    _grad = None
    _base = None
    _views = None  # weak references to this base's views (see ops.shape._view_result)
    _multi_view = None  # forward name ('Split', 'Unbind') of a multi-view op that made this view
    _no_grad_view = None  # True: a view made under no_grad of a base requiring grad; str: a view of one
    _alias_of = None  # detach(): weak reference to the root base whose storage this tensor shares
    _acc_ref = None
    _retains_grad = False
    _fw_grad = None
    _is_param = False
    # The version counter (a one-element list shared with views), made on first use: most tensors are
    # never modified in place nor viewed, and every list is one more object for the cyclic GC to
    # walk on each collection (graph tensors live long). None reads as version 0.
    _vcl = None
    __array_priority__ = 1000  # numpy defers `ndarray * tensor` to Tensor.__rmul__

    def __init__(self, *args, **kwargs) -> None:
        # torch.Tensor(data) / torch.Tensor(2, 3): legacy constructor, float32.
        if len(args) == 1 and not isinstance(args[0], (int, Size)):
            data = np.array(args[0], dtype=_dtype.DEFAULTS.float_dtype.numpy)
        else:
            # torch.Tensor() is an empty 1-D tensor (Size([0])); torch.Tensor(Size([2, 3])) a shape.
            shape = tuple(args[0]) if args and isinstance(args[0], Size) else tuple(args) if args else (0,)
            data = np.zeros(shape, dtype=_dtype.DEFAULTS.float_dtype.numpy)
        self._data = data
        self._vc = [0]

    # ---- identity ------------------------------------------------------------------------------
    __hash__ = object.__hash__

    @property
    def _vc(self) -> list:
        vc = self._vcl
        if vc is None:
            vc = self._vcl = [0]
        return vc

    @_vc.setter
    def _vc(self, value: list) -> None:
        self._vcl = value

    @property
    def dtype(self) -> _dtype.dtype:
        return _NUMPY_TO_DTYPE[self._data.dtype]

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim_no_scalar(dim, self._data.ndim)]

    def dim(self) -> int:
        return self._data.ndim

    ndim = property(dim)

    def ndimension(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    @property
    def device(self):
        return _CPU

    @property
    def is_cuda(self) -> bool:
        return False

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def stride(self, dim: int | None = None):
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[_wrap_dim_no_scalar(dim, self._data.ndim)]

    def is_contiguous(self, memory_format=None) -> bool:
        if memory_format is None:
            return bool(self._data.flags.c_contiguous)
        return is_contiguous_as(self._data, memory_format)

    def data_ptr(self) -> int:
        return self._data.__array_interface__["data"][0]

    def type(self, dtype=None):
        # lazy: _op builds on Tensor (a true two-way dependency)
        from ._op import _TYPE_NAMES

        if dtype is None:
            return _TYPE_NAMES.get(self._data.dtype, "torch.Tensor")
        return self.to(dtype)

    # ---- autograd attributes ------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self.grad_fn is not None:
            # PyTorch's attribute setter refuses any change on a non-leaf, with a shorter message
            # when turning it on than when turning it off.
            if value:
                raise RuntimeError("you can only change requires_grad flags of leaf variables.")
            raise RuntimeError(NONLEAF_REQUIRES_GRAD_OFF)
        if value and self._data.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set requires_grad in place; on a non-leaf only ``True`` (a no-op) is allowed, as in PyTorch."""
        if self.grad_fn is not None:
            if not requires_grad:
                raise RuntimeError(NONLEAF_REQUIRES_GRAD_OFF)
            return self
        if requires_grad and self._data.dtype.kind != "f":
            # The method's message differs from the attribute setter's in PyTorch.
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def grad(self):
        # PyTorch warns only while the non-leaf's .grad is still undefined.
        if self.grad_fn is not None and not self._retains_grad and self._grad is None:
            warnings.warn(NONLEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value._data.shape)}' to a tensor of size "
                    f"'{list(self._data.shape)}'. Please ensure that the gradient and the tensor are the same size"
                )
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{_c_type_name(value._data.dtype)}' to a tensor "
                    f"with grad_dtype '{_scalar_type_name(self._data.dtype)}'. The gradient must match the "
                    "tensor's grad_dtype (defaults to the tensor's dtype). You can set the tensor's grad_dtype "
                    "attribute with a specific dtype, or None to allow any dtype. Set grad_dtype with caution. "
                    "Diverging the dtypes of a tensor and its gradient may break downstream systems that assume "
                    "they match."
                )
        self._grad = value

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def retain_grad(self) -> None:
        """Keep ``.grad`` for a non-leaf tensor after backward (a no-op on leaves)."""
        if self.grad_fn is None:
            if not self._requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if self._retains_grad:
            return
        node = self.grad_fn
        if node._retain is None:
            node._retain = {}
        node._retain[self._output_nr] = weakref.ref(self)
        self._retains_grad = True

    def register_hook(self, hook):
        """``hook(grad)`` runs when this tensor's gradient is computed; a non-None return replaces it."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        node = self.grad_fn if self.grad_fn is not None else self._get_accumulator()
        if self.grad_fn is None:
            # A leaf keeps its accumulator alive while it has hooks (PyTorch keeps them on the tensor).
            self._hook_acc = node
        return node._register_tensor_hook(self._output_nr, hook)

    def _get_accumulator(self) -> AccumulateGrad:
        ref = self._acc_ref
        acc = ref() if ref is not None else None
        if acc is None:
            acc = AccumulateGrad(self)
            self._acc_ref = weakref.ref(acc)
        return acc

    @property
    def output_nr(self) -> int:
        return self._output_nr

    @property
    def _version(self) -> int:
        return self._vc[0]

    @property
    def data(self) -> Tensor:
        """The same storage without history: changes through it are invisible to autograd."""
        t = _make(self._data, None, 0, False)
        return t

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data = value._data

    def detach(self) -> Tensor:
        """A tensor sharing storage (and version counter) with this one, cut from the graph."""
        t = _make(self._data, None, 0, False)
        t._vc = self._vc
        # An in-place write through t changes the views of this tensor's root base, whose grad_fns
        # PyTorch then regenerates (ops.inplace.rebase_after_untracked_write); weak, so a detached
        # tensor does not keep the graph alive.
        root = self._base if self._base is not None else self
        t._alias_of = root._alias_of if root._alias_of is not None else weakref.ref(root)
        return t

    def detach_(self) -> Tensor:
        if self._base is not None and self._base._requires_grad:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel "
                "(DDP) for training, and gradient_as_bucket_view is set as True, gradients are views of DDP "
                "buckets, and hence detach_() cannot be called on these gradients. To fix this error, please "
                "refer to the Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution."
            )
        self.grad_fn = None
        self._requires_grad = False
        self._output_nr = 0
        return self

    # ---- conversions ---------------------------------------------------------------------------
    def numpy(self, *, force: bool = False) -> np.ndarray:
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        if self._requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._data if dtype is None else self._data.astype(dtype)

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()).item())

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))  # as PyTorch: the rows are unbind's outputs (UnbindBackward0)

    def __repr__(self, *, tensor_contents=None) -> str:
        d = self.dtype
        return format_tensor(
            self._data,
            dtype_name=repr(d),
            is_default_dtype=_dtype.is_default_for_repr(d),
            grad_fn_name=self.grad_fn.node_name if self.grad_fn is not None else None,
            requires_grad=self._requires_grad and self.grad_fn is None,
        )

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol at the moment.  "
                "If you were attempting to deepcopy a module, this may be because of a torch.nn.utils.weight_norm usage, "
                "see https://github.com/pytorch/pytorch/pull/103001"
            )
        t = type(self).__new__(type(self))
        t._data = self._data.copy()
        t._vc = [0]
        t._requires_grad = self._requires_grad
        if self._grad is not None:
            t._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = t
        return t

    def __reduce_ex__(self, protocol):
        # Picklable like PyTorch's tensors (values, dtype, requires_grad; a leaf again, no .grad), so
        # whole modules can be saved with torch.save and loaded with weights_only=False.
        data = np.ascontiguousarray(self._data)
        return (rebuild_tensor, (type(self), data.tobytes(), data.dtype.name, data.shape, bool(self._requires_grad)))

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None:
        """Compute the gradient of this tensor w.r.t. graph leaves (see engine.autograd.backward)."""
        # lazy: engine.autograd builds on Tensor (a true two-way dependency)
        from .autograd import backward

        backward(self, gradient, retain_graph, create_graph, inputs=inputs)


class _Device:
    type = "cpu"
    index = None

    def __repr__(self) -> str:
        return "device(type='cpu')"

    def __str__(self) -> str:
        return "cpu"

    def __eq__(self, other) -> bool:
        return str(other) == "cpu" or isinstance(other, _Device)

    __hash__ = object.__hash__


_CPU = _Device()
_new = object.__new__


def prime_instance_layout(cls, names) -> None:
    """Put ``names`` into the attribute key table CPython shares among ``cls``'s instances.

    CPython 3.11 stores instance attributes inline against one key table per class, but adds keys to
    it only while few instances exist: an attribute first set after that gives every instance that
    sets it a dict of its own (one more object per tensor or node for the cyclic GC to walk, and
    slower attribute access). A program creating many plain tensors before its first
    ``requires_grad`` one hit this for every graph tensor. A throwaway first instance setting the
    hot attributes fixes the table's keys before any real instance exists.
    """
    obj = _new(cls)
    for name in names:
        try:
            object.__setattr__(obj, name, None)
        except AttributeError:  # a property on this class: not an instance attribute
            pass


# The order Op.apply and _make set them in first.
prime_instance_layout(Tensor, (
    "_data", "_requires_grad", "grad_fn", "_output_nr", "_vcl", "_grad", "_base", "_views", "_multi_view",
    "_acc_ref", "_retains_grad", "_fw_grad", "_is_param", "_hook_acc",
))


def _make(data: np.ndarray, grad_fn=None, output_nr: int = 0, requires_grad: bool = False) -> Tensor:
    """The fast constructor every op result goes through (no checks, no copies)."""
    t = _new(Tensor)
    t._data = data
    if requires_grad:
        t._requires_grad = True
        if grad_fn is not None:
            t.grad_fn = grad_fn
            if output_nr:
                t._output_nr = output_nr
    return t


def rebuild_tensor(cls, raw: bytes, dtype_name: str, shape: tuple, requires_grad: bool) -> Tensor:
    """Unpickle a tensor (see ``Tensor.__reduce_ex__``): a leaf again; a Parameter stays a Parameter."""
    # np.dtype(name) is numpy's canonical dtype object, which the engine compares by identity.
    data = np.frombuffer(raw, dtype=np.dtype(dtype_name)).reshape(shape).copy()
    t = _make(data)
    if cls._is_param:  # nn.Parameter and its subclasses (nn builds on this module, so no isinstance import)
        return cls(t, requires_grad=requires_grad)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _wrap_dim(dim: int, ndim: int) -> int:
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return dim % n


def _wrap_dim_no_scalar(dim: int, ndim: int) -> int:
    """Dim wrapping for size()/stride(): unlike ops, these do not treat a 0-d tensor as rank 1."""
    if ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return _wrap_dim(dim, ndim)


def grad_enabled() -> bool:
    return STATE.grad_enabled
