"""Custom autograd Functions: user-written ``forward``/``backward`` pairs that join the graph.

::

    class MyExp(engine.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            result = x.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad):
            (result,) = ctx.saved_tensors
            return grad * result

    y = MyExp.apply(x)          # y.grad_fn.name() == 'MyExpBackward'

As in PyTorch, the ``ctx`` passed to ``forward`` *is* the graph node: each Function subclass gets
a node class ``<Name>Backward`` (a :class:`BackwardCFunction`), and ``Fn.apply`` creates one
instance per call. The node plugs into the ordinary backward engine through ``_run_backward``;
its edges, sequence number and bookkeeping come from the same ``_connect`` the built-in ops use.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np

from .._graph import FREED_MESSAGE, Node
from .._op import _connect, _modified_message
from .._state import STATE
from .._tensor import Tensor, _make
from .forward_ad import _LEVELS
from .grad_mode import no_grad

__all__ = ["Function", "FunctionCtx", "BackwardCFunction", "once_differentiable"]


class FunctionCtx:
    """What ``forward`` can tell ``backward``: saved tensors, non-differentiable outputs, flags."""

    needs_input_grad: tuple = ()
    materialize_grads = True
    _saved_tensors_raw: tuple | None = None
    _saved_tensor_versions: tuple = ()
    _non_differentiable: tuple = ()
    _dirty: tuple = ()
    _saved_outputs: dict | None = None  # position in saved_tensors -> output index
    _saved_for_forward: tuple = ()
    _in_jvp = False

    def save_for_backward(self, *tensors) -> None:
        """Keep tensors (or None) for ``backward``; reading them back checks in-place changes."""
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError("save_for_backward can only save variables, but argument 0 is of type "
                                f"{type(t).__name__}")
        self._saved_tensors_raw = tensors
        self._saved_tensor_versions = tuple(t._vc[0] if t is not None else 0 for t in tensors)

    def save_for_forward(self, *tensors) -> None:
        self._saved_for_forward = tensors

    @property
    def saved_tensors(self) -> tuple:
        if self._in_jvp:
            return tuple(self._saved_for_forward)  # jvp reads what save_for_forward kept
        if self._released:
            raise RuntimeError(FREED_MESSAGE)
        saved = self._saved_tensors_raw
        if saved is None:
            return ()
        for t, version in zip(saved, self._saved_tensor_versions):
            if t is not None and t._vc[0] != version:
                raise RuntimeError(_modified_message(t, version))
        outs = self._saved_outputs
        if outs:
            # A saved output comes back as the output itself, with this node as its grad_fn (what
            # makes double backward through it work); rebuilt on access, so the node holds no cycle.
            saved = list(saved)
            for pos, output_nr in outs.items():
                t = saved[pos]
                out = _make(t._data, self, output_nr, STATE.grad_enabled)
                out._vc = t._vc
                saved[pos] = out
        return tuple(saved)

    def mark_non_differentiable(self, *tensors) -> None:
        """These outputs get ``requires_grad=False``; backward receives zeros for them."""
        self._non_differentiable = tuple(tensors)

    def mark_dirty(self, *tensors) -> None:
        """Declare inputs modified in place by ``forward`` (they get this node as grad_fn)."""
        self._dirty = tuple(tensors)

    def set_materialize_grads(self, value: bool) -> None:
        """Recorded only: engine always hands backward zeros for outputs that got no gradient."""
        self.materialize_grads = bool(value)


class BackwardCFunction(Node, FunctionCtx):
    """The node of one ``Fn.apply`` call; also the ``ctx`` its forward and backward see."""

    _forward_cls: type = None
    _released = False
    # What _connect reads on a node: a custom Function saves through ctx.save_for_backward instead.
    inputs: tuple = ()
    saves: tuple = ()
    _save_idx: tuple = ()

    def __repr__(self) -> str:
        # PyTorch's generated node classes live in torch.autograd.function.
        return f"<torch.autograd.function.{self.node_name} object at {hex(id(self))}>"

    def _run_backward(self, grads: tuple) -> tuple:
        if self._released:
            raise RuntimeError(FREED_MESSAGE)
        result = self._forward_cls.backward(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        n_args = len(self._arg_is_tensor)
        if len(result) != n_args:
            # PyTorch tolerates extra trailing Nones, nothing else.
            if len(result) > n_args and all(g is None for g in result[n_args:]):
                result = result[:n_args]
            else:
                raise RuntimeError(
                    f"function {self.node_name} returned an incorrect number of gradients "
                    f"(expected {n_args}, got {len(result)})"
                )
        sent = []
        for g, is_tensor in zip(result, self._arg_is_tensor):
            if not is_tensor:
                if g is not None:
                    # A gradient for a non-tensor argument is meaningless; PyTorch drops it too.
                    pass
                continue
            if g is not None and not isinstance(g, Tensor):
                raise TypeError(
                    f"function {self.node_name} returned a gradient different than None at position "
                    f"{len(sent) + 1}, but the corresponding forward input was not a Variable"
                )
            sent.append(g)
        return tuple(sent)

    def _release(self) -> None:
        self._released = True
        if STATE.keep_freed:
            self._keep_aside("_saved_tensors_raw")
        self._saved_tensors_raw = None

    def name(self) -> str:
        return self.node_name


class _FunctionMeta(type):
    """Gives every Function subclass its own node class, ``<Name>Backward``."""

    def __init__(cls, name, bases, namespace) -> None:
        super().__init__(name, bases, namespace)
        backward_name = name + "Backward"
        cls._backward_cls = type(
            backward_name,
            (BackwardCFunction,),
            {"node_name": backward_name, "_forward_cls": cls, "__module__": "torch.autograd.function"},
        )


class Function(metaclass=_FunctionMeta):
    """Base class for custom differentiable operations (see the module docstring)."""

    def __init__(self, *args, **kwargs) -> None:
        warnings.warn(
            f"{self.__class__} should not be instantiated. Methods on autograd functions are all static, "
            "so you should invoke them on the class itself. Instantiating an autograd function will raise "
            "an error in a future version of PyTorch.",
            DeprecationWarning,
            stacklevel=2,
        )

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function."
        )

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom autograd.Function to "
            "use it with backward mode AD."
        )

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError(
            "You must implement the jvp function for custom autograd.Function to use it with forward mode AD."
        )

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` without recording, then attach one node for the whole call."""
        ctx = cls._backward_cls.__new__(cls._backward_cls)
        tensor_inputs = tuple(a for a in args if isinstance(a, Tensor))
        ctx._arg_is_tensor = tuple(isinstance(a, Tensor) for a in args)
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        separate_setup = cls.setup_context is not Function.setup_context
        # Forward mode sees the Function as one op: its jvp, not the ops inside forward.
        fw_level = STATE.fw_level
        tangents = [a._fw_grad if isinstance(a, Tensor) else None for a in args] if fw_level else None
        has_tangents = tangents is not None and any(t is not None for t in tangents)
        STATE.fw_level = 0
        try:
            with no_grad():
                if separate_setup:
                    outputs = cls.forward(*args, **kwargs)
                else:
                    outputs = cls.forward(ctx, *args, **kwargs)
        finally:
            STATE.fw_level = fw_level
        if separate_setup:
            cls.setup_context(ctx, args, outputs)

        is_tuple = isinstance(outputs, tuple)
        outs = outputs if is_tuple else (outputs,)
        needs_grad = STATE.grad_enabled and any(t._requires_grad for t in tensor_inputs)
        if not needs_grad:
            if has_tangents:
                _attach_function_tangents(cls, ctx, args, tangents, outs)
            return outputs

        _connect(ctx, tensor_inputs, STATE)
        ctx._out_meta = tuple(
            (o._data.shape, o._data.dtype) if isinstance(o, Tensor) else ((), np.dtype(np.float32)) for o in outs
        )
        nondiff = {id(t) for t in ctx._non_differentiable}
        dirty = {id(t) for t in ctx._dirty}
        wrapped = []
        for i, o in enumerate(outs):
            if not isinstance(o, Tensor):
                wrapped.append(o)
                continue
            if id(o) in nondiff or o._data.dtype.kind != "f":
                t = _make(o._data, None, 0, False)
                t._vc = o._vc
            elif id(o) in dirty:
                # An input modified in place by forward: it becomes this node's output, like PyTorch.
                o.grad_fn = ctx
                o._output_nr = i
                o._requires_grad = True
                t = o
            else:
                t = _make(o._data, ctx, i, True)
                t._vc = o._vc
            wrapped.append(t)
        saved = ctx._saved_tensors_raw
        if saved:
            out_index = {id(o): i for i, o in enumerate(outs) if isinstance(o, Tensor) and id(o) not in dirty}
            found = {pos: out_index[id(s)] for pos, s in enumerate(saved) if s is not None and id(s) in out_index}
            if found:
                ctx._saved_outputs = found
        if has_tangents:
            _attach_function_tangents(cls, ctx, args, tangents, wrapped)
        return tuple(wrapped) if is_tuple else wrapped[0]


def _attach_function_tangents(cls, ctx, args: tuple, tangents: list, outs) -> None:
    """Forward mode through a custom Function: its ``jvp`` gives the outputs' tangents."""
    # Tensor inputs without a tangent get zeros, as PyTorch materializes them for jvp.
    filled = [
        t if t is not None or not isinstance(a, Tensor) else _make(np.zeros_like(a._data))
        for a, t in zip(args, tangents)
    ]
    ctx._in_jvp = True
    try:
        result = cls.jvp(ctx, *filled)
    finally:
        ctx._in_jvp = False
    result = result if isinstance(result, tuple) else (result,)
    made = _LEVELS[-1] if _LEVELS else None
    for o, tan in zip(outs, result):
        if tan is None or not isinstance(o, Tensor):
            continue
        if tan._data.shape != o._data.shape:
            tan = tan.expand(o._data.shape)
        o._fw_grad = tan
        if made is not None:
            made.append(o)


def once_differentiable(fn):
    """Decorator for ``backward``: run it without building a graph (no double backward through it)."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            return fn(ctx, *args)

    return wrapper
