"""The op base class and the one choke point every differentiable op goes through.

An op is one subclass of :class:`Op`; for elementwise ops the bases in ``ops/_pointwise.py`` derive
the rules from the local derivative, and class attributes declare the public surface::

    class Sin(Pointwise):
        node_name = "SinBackward0"      # PyTorch's grad_fn name
        aten = "aten::sin"              # the profiler's name for the forward
        function, method, inplace = "sin", True, True   # engine.sin, Tensor.sin, sin_ (via apply_)
        saves = ("self",)               # inputs the rules need (exposed as grad_fn._saved_self)

        def forward(self, x):           # numpy in (int inputs already the default float), numpy out
            return np.sin(x)

        def d_input(self, x, result):   # local derivative, in engine ops: vjp = grad·d, jvp = ṫ·d
            return x.cos()

An op outside the bases writes ``vjp(grad)`` (reverse rule, engine ops so it can be differentiated
again) and ``jvp(tangents)`` (forward rule) itself. Defining the class registers it in
``Op.registry`` (the gradient tests iterate it using ``samples()``) and, when it declares
``function``, generates its functions, methods, in-place forms and aliases (``_api.expose``; dtype
promotion from ``promote``). ``apply`` handles grad mode, graph edges, saved-tensor versions,
forward-mode tangents, the profiler, anomaly mode and the module/source bookkeeping -- nothing
else has to.
"""

from __future__ import annotations

import sys
import traceback

import numpy as np

from ._api import expose
from ._graph import FREED_MESSAGE, Node
from ._op_messages import (  # noqa: F401  (broadcast_error, _modified_message, _TYPE_NAMES: imported from here)
    _TYPE_NAMES,
    _modified_message,
    _multi_view_message,
    _torch_error,
    broadcast_error,
)
from ._op_write import _write_into
from ._overlap import check_no_partial_overlap
from ._promotion import float_dtype_for
from ._state import PROFILER, SEQUENCE, STATE
from ._tensor import Tensor, _make, prime_instance_layout

_ENGINE_DIR = __file__.rsplit("/", 1)[0]


class Op(Node):
    """A differentiable operation; its instances are the ``grad_fn`` nodes of the graph."""

    node_name = "OpBackward0"
    aten = ""
    # Names of the tensor inputs in order (PyTorch's argument names): grad_fn._saved_<name>.
    inputs: tuple = ("self",)
    # Which of those inputs the rules read back.
    saves: tuple = ()
    # Optional: saved input name -> names of the inputs whose gradient reads it, as derivatives.yaml
    # implies (PyTorch saves ``self`` of ``a * b`` only when ``b`` needs a gradient). A saved input
    # no input-needing-grad reads is not version-checked, so ``c = b * 3; b.mul_(2)`` stays legal.
    saves_for: dict | None = None
    # True when the rules read the forward result (exposed as grad_fn._saved_result).
    saves_result = False
    # Number of outputs of forward (a tuple when > 1) and which of them carry no gradient.
    num_outputs = 1
    nondiff_outputs: tuple = ()
    # For the gradient tests: is the op smooth enough for a second-order check.
    smooth = True
    registry: dict = {}
    # The public surface the class declares; defining the class registers it (``_api.expose``):
    # ``function = "sin"`` makes engine.sin, ``method = True`` Tensor.sin, ``inplace = True`` sin_ as a
    # function and method (``"method"``: method only), ``aliases`` the same under other names.
    function: str | None = None
    method = False
    inplace: bool | str = False
    aliases: tuple = ()
    # How the inputs' dtypes combine: None (as they are), "binary" (PyTorch's promotion, the result
    # in ``out_dtype``), "float" (that, then integer/bool in the default float: sin, atan2).
    promote: str | None = None
    # Whether the generated binary function wraps a Python number as the second tensor (``add``
    # does; ``atan2``/``hypot`` are Tensor-only in PyTorch and refuse one with its TypeError).
    numbers = True
    out_dtype = None
    # Per-node values set by Op.apply when they exist; the class defaults keep nodes without them small.
    _saved: tuple = ()
    _result = None

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "node_name" in cls.__dict__ and not cls.__dict__.get("abstract", False):
            Op.registry[f"{cls.__module__}.{cls.__qualname__}"] = cls
            # type(grad_fn).__name__ is the node name in PyTorch ('MulBackward0'); __qualname__ keeps
            # the Python class name for tracebacks and the registry.
            cls.__name__ = cls.node_name
        # Positions of the saved inputs, resolved once per class instead of on every call.
        cls._save_idx = tuple(cls.inputs.index(n) for n in cls.saves)
        sf = cls.saves_for
        cls._save_need = None if sf is None else tuple(
            tuple(cls.inputs.index(n) for n in sf.get(s, cls.inputs)) for s in cls.saves
        )
        # The same as bit masks (bit j: input j's gradient reads it), for _connect's binary fast path.
        cls._save_masks = None
        if cls._save_need is not None and len(cls.inputs) == 2 and cls._save_idx == (0, 1):
            cls._save_masks = tuple(sum(1 << j for j in users) for users in cls._save_need)
        prime_instance_layout(cls, _NODE_ATTRIBUTES)
        if cls.promote is not None and "forward" in cls.__dict__:
            cls.forward = _promoting_forward(cls.forward, len(cls.inputs))
        if cls.__dict__.get("function"):
            expose(cls)

    # ---- to be written by each op -------------------------------------------------------------
    def forward(self, *arrays):  # pragma: no cover - abstract
        raise NotImplementedError

    def vjp(self, *grads):  # pragma: no cover - abstract
        """Gradients for each tensor input (None where an input needs none), from the output grads."""
        raise NotImplementedError(f"{self.node_name} has no reverse rule")

    def jvp(self, tangents):  # pragma: no cover - abstract
        """Tangent of the output(s) from the input tangents (None means zero)."""
        raise NotImplementedError(f"{self.node_name} has no forward-mode rule")

    @staticmethod
    def samples() -> list:
        """``[(input arrays, params), ...]`` in float64 for the gradient tests; [] opts out."""
        return []

    # ---- reading saved values -----------------------------------------------------------------
    @property
    def saved(self) -> tuple:
        """The saved inputs, checked against in-place modification since the forward."""
        if self._released:
            raise RuntimeError(FREED_MESSAGE)
        saved = self._saved
        for t, version in zip(saved, self._saved_versions):
            vc = t._vcl  # None: never modified (version 0); version -1: not checked (_ANY_VERSION)
            if vc is not None and vc[0] != version and version != _ANY_VERSION:
                raise RuntimeError(_modified_message(t, version))
        return saved

    @property
    def result(self) -> Tensor:
        """The saved forward output as a tensor whose grad_fn is this node (for double backward)."""
        if self._released:
            raise RuntimeError(FREED_MESSAGE)
        data, vc, version = self._result
        if vc[0] != version:
            t = _make(data, self, 0, True)
            t._vc = vc
            raise RuntimeError(_modified_message(t, version))
        t = _make(data, self, 0, STATE.grad_enabled)
        t._vc = vc
        return t

    def _release(self) -> None:
        self._released = True
        if STATE.keep_freed:
            self._keep_aside("_saved", "_result")
        # Class defaults (not self.__dict__, which would make CPython build the instance's dict).
        if self._saved:
            self._saved = ()
        if self._result is not None:
            self._result = None

    def __getattr__(self, name: str):
        # grad_fn._saved_self / _saved_other / _saved_result / _saved_<param>, as PyTorch exposes them.
        if name.startswith("_saved_"):
            key = name[7:]
            d = self.__dict__
            if key == "result" and self.saves_result:
                return self.result
            if key in self.saves:
                return self.saved[self.saves.index(key)]
            if key in d:
                return d[key]
        raise AttributeError(f"'{self.node_name}' object has no attribute '{name}'")

    # ---- the backward engine's entry point ----------------------------------------------------
    def _run_backward(self, grads: tuple) -> tuple:
        if self.num_outputs == 1:
            out = self.vjp(grads[0])
        else:
            out = self.vjp(*grads)
        return out

    # ---- the choke point ----------------------------------------------------------------------
    @classmethod
    def apply(cls, *inputs: Tensor, **params):
        """Run the op on tensors; build a graph node when grad mode is on and an input requires grad."""
        node = _new(cls)
        if params:
            # setattr, not node.__dict__.update: touching __dict__ makes CPython build a dict per node.
            for key in params:
                setattr(node, key, params[key])
            if "node_name" in params:  # a variant (SqueezeBackward1, FillBackward2): its own type name too
                node.__class__ = _variant(cls, params["node_name"])
        prof = PROFILER[0]
        if prof is not None:
            token = prof._op_start(cls.aten or cls.node_name, inputs)
        n_in = len(inputs)
        try:  # free when nothing is raised; numpy's errors become PyTorch's in one place
            if n_in == 2:
                out = node.forward(inputs[0]._data, inputs[1]._data)
            elif n_in == 1:
                out = node.forward(inputs[0]._data)
            else:
                out = node.forward(*[t._data for t in inputs])
        except (ValueError, AttributeError) as error:
            raise _torch_error(cls, inputs, error) from None
        if prof is not None:
            prof._op_end(token)
        state = STATE
        needs_grad = False
        if state.grad_enabled:
            if n_in == 2:
                needs_grad = inputs[0]._requires_grad or inputs[1]._requires_grad
            else:
                for t in inputs:
                    if t._requires_grad:
                        needs_grad = True
                        break
        if cls.num_outputs == 1:
            if type(out) is not np.ndarray:
                out = np.asarray(out)
            if not needs_grad:
                result = _new(Tensor)  # _make(out), inlined: every op in a first-order backward's rules
                result._data = out
                if state.fw_level:
                    _forward_ad(node, inputs, result)
                return result
            _connect(node, inputs, state)
            result = _new(Tensor)  # _make(out, node, 0, True), inlined: this is the hot path
            result._data = out
            result._requires_grad = True
            result.grad_fn = node
            if cls.saves_result:
                node._result = (out, result._vc, 0)
            if state.fw_level:
                _forward_ad(node, inputs, result)
            return result
        outs = tuple(o if type(o) is np.ndarray else np.asarray(o) for o in out)
        nondiff = cls.nondiff_outputs
        if not needs_grad:
            results = tuple(_make(o, None, 0, False) for o in outs)
        else:
            _connect(node, inputs, state)
            results = tuple(
                _make(o, None, 0, False) if i in nondiff else _make(o, node, i, True)
                for i, o in enumerate(outs)
            )
            node._out_meta = tuple((o.shape, o.dtype) for o in outs)
        if state.fw_level:
            _forward_ad(node, inputs, results)
        return results

    @classmethod
    def apply_(cls, target: Tensor, *others: Tensor, **params) -> Tensor:
        """The in-place form: run the op and write its result into ``target``, rebasing its history."""
        if others:
            check_no_partial_overlap(target, others)
        state = STATE
        grad_mode = state.grad_enabled
        if grad_mode and target._requires_grad and target.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        base = target._base
        needs_grad = grad_mode and (
            target._requires_grad
            or (base is not None and base._requires_grad)
            or any(o._requires_grad for o in others)
        ) and target._data.dtype.kind in "fc"  # an int/bool result is never differentiable: untracked
        if not needs_grad:
            if PROFILER[0] is not None or state.fw_level:
                out = cls.apply(target, *others, **params)._data
            else:
                node = cls.__new__(cls)
                if params:
                    node.__dict__.update(params)
                try:
                    out = node.forward(target._data, *[o._data for o in others])
                except (ValueError, AttributeError) as error:
                    raise _torch_error(cls, (target, *others), error) from None
            _write_into(target, out, cls)
            target._vc[0] += 1
            if target._base is not None or target._views is not None or target._alias_of is not None:
                # Untracked write into storage that views share: their grad_fns are regenerated.
                from .ops.inplace import rebase_after_untracked_write

                rebase_after_untracked_write(target)
            return target
        if base is not None:
            # A view: the base's history is rewritten (CopySlices), as PyTorch does.
            from .ops.inplace import apply_on_view

            if target._multi_view is not None and target._requires_grad:
                raise RuntimeError(_multi_view_message(target))
            return apply_on_view(cls, target, others, params)
        # The op sees the old value of target as a separate tensor with target's history. When the
        # rules need it, it must be a copy: target's storage is about to be overwritten.
        old = _make(
            target._data.copy() if (cls.saves and cls.inputs[0] in cls.saves) else target._data,
            target.grad_fn,
            target._output_nr,
            target._requires_grad,
        )
        result = cls.apply(old, *others, **params)
        _write_into(target, result._data, cls)
        target._vc[0] += 1
        node = result.grad_fn
        target.grad_fn = node
        target._output_nr = 0
        target._requires_grad = True
        if node is not None and "_result" in node.__dict__:
            node._result = (target._data, target._vc, target._vc[0])
        if result._fw_grad is not None:
            target._fw_grad = result._fw_grad
        if target._views is not None:
            # Views of target read the old history: give them grad_fns re-reading the new one.
            from .ops.inplace import rebase_views

            rebase_views(target, None)
        return target


def _promoting_forward(forward, arity: int):
    """``forward`` seeing its inputs in the dtype the op computes in (``Op.promote``).

    One input: integer/bool arrays become the default float (sin of an int tensor is float32, and
    ``sin_`` on one fails naming Float as PyTorch does). Two inputs: both in ``out_dtype`` when the
    public function set one, as TensorIterator casts operands to the common dtype first.
    """
    if arity == 1:
        def promoted(self, x):
            return forward(self, x if x.dtype.kind == "f" else x.astype(float_dtype_for(x)))
    else:
        def promoted(self, *arrays):
            dt = self.out_dtype
            if dt is not None:
                arrays = [a.astype(dt, copy=False) for a in arrays]
            return forward(self, *arrays)

    promoted.__name__ = promoted.__qualname__ = forward.__name__
    promoted.__doc__ = forward.__doc__
    promoted.__wrapped__ = forward
    return promoted


_NO_EDGE = (None, 0)
# What _connect and the backward set on a node, first in every Op class's shared key table.
_NODE_ATTRIBUTES = ("next_functions", "_in_meta", "_seq", "_saved", "_saved_versions", "module", "source",
                    "_anomaly_trace", "_result", "_released", "out_dtype")
_VARIANTS: dict = {}


def _variant(cls, node_name: str):
    """A subclass of ``cls`` named ``node_name``, so ``type(grad_fn).__name__`` matches PyTorch's node."""
    key = (cls, node_name)
    sub = _VARIANTS.get(key)
    if sub is None:
        # abstract: a variant is not a separate op for the registry-driven gradient tests.
        sub = type(cls.__name__, (cls,), {"node_name": node_name, "abstract": True, "__module__": cls.__module__})
        sub.__name__ = node_name
        sub.__qualname__ = f"{cls.__qualname__}[{node_name}]"
        _VARIANTS[key] = sub
    return sub


# The recorded version of a saved input no needed gradient reads: ``Op.saved`` does not check it.
# An int, not an object: a tuple of ints is untracked by the cyclic GC, a tuple holding an object is not.
_ANY_VERSION = -1
_new = object.__new__
# Interned ``_in_meta`` tuples: ((shape, numpy dtype), ...) per input. A dtype makes a tuple
# GC-tracked for good, so one shared tuple per distinct signature instead of three per node.
_META: dict = {}


def _leaf_edge(t: Tensor) -> tuple:
    """``_edge`` of a tensor without grad_fn: its accumulator when it requires grad, else none."""
    if t._requires_grad:
        ref = t._acc_ref
        acc = ref() if ref is not None else None
        return (acc if acc is not None else t._get_accumulator(), 0)
    return _NO_EDGE


def _edge(t: Tensor) -> tuple:
    """The ``next_functions`` entry for input ``t``: its grad_fn, its leaf accumulator, or none."""
    fn = t.grad_fn
    if fn is not None:
        return (fn, t._output_nr)
    if t._requires_grad:
        ref = t._acc_ref  # the leaf's AccumulateGrad, held weakly like PyTorch's grad accumulator
        acc = ref() if ref is not None else None
        return (acc if acc is not None else t._get_accumulator(), 0)
    return _NO_EDGE


def _connect(node: Op, inputs: tuple, state) -> None:
    """Give a new node its edges, saved tensors and bookkeeping (only when it needs a gradient)."""
    # Binary and unary ops build their tuples directly: fewer temporary objects for the cyclic GC,
    # which costs about a fifth of an op's time on small tensors.
    if len(inputs) == 2:
        a, b = inputs
        fn = a.grad_fn
        ea = (fn, a._output_nr) if fn is not None else _leaf_edge(a)
        fn = b.grad_fn
        eb = (fn, b._output_nr) if fn is not None else _leaf_edge(b)
        node.next_functions = (ea, eb)
        da, db = a._data, b._data
        key = (da.shape, da.dtype, db.shape, db.dtype)
        meta = _META.get(key)
        if meta is None:
            meta = _intern_meta(key, ((da.shape, da.dtype), (db.shape, db.dtype)))
        node._in_meta = meta
    elif len(inputs) == 1:
        a = inputs[0]
        node.next_functions = (_edge(a),)
        da = a._data
        key = (da.shape, da.dtype)
        meta = _META.get(key)
        if meta is None:
            meta = _intern_meta(key, ((da.shape, da.dtype),))
        node._in_meta = meta
    else:
        node.next_functions = tuple([_edge(t) for t in inputs])
        node._in_meta = tuple([(t._data.shape, t._data.dtype) for t in inputs])
    node._seq = next(SEQUENCE)
    idx = node._save_idx
    if idx:
        if len(idx) == 2:
            s0, s1 = inputs[idx[0]], inputs[idx[1]]
            node._saved = (s0, s1)
            v0, v1 = s0._vcl, s1._vcl
            v0 = 0 if v0 is None else v0[0]
            v1 = 0 if v1 is None else v1[0]
            masks = node._save_masks
            if masks is not None:  # binary op saving both inputs, saves_for declared (a * b, a / b)
                grad_mask = (ea[0] is not None) | ((eb[0] is not None) << 1)
                if grad_mask != 3:  # an input needs no gradient: what only its gradient reads is not checked
                    if not masks[0] & grad_mask:
                        v0 = _ANY_VERSION
                    if not masks[1] & grad_mask:
                        v1 = _ANY_VERSION
                idx = None  # _unread_saves' work is done
            node._saved_versions = (v0, v1)
        else:
            saved = tuple([inputs[i] for i in idx])
            node._saved = saved
            node._saved_versions = tuple([t._vc[0] for t in saved])
        need = node._save_need
        if need is not None and idx is not None:
            for edge in node.next_functions:
                if edge[0] is None:  # some input needs no gradient: some saved inputs may be unread
                    _unread_saves(node, need)
                    break
    if state.module_path:
        node.module = state.module_path
    if state.record_source:
        node.source = _user_frame()
    if state.anomaly:
        node._anomaly_trace = "".join(traceback.format_stack()[:-3])


def _intern_meta(key: tuple, meta: tuple) -> tuple:
    if len(_META) > 4096:  # many distinct shapes: start over rather than grow without bound
        _META.clear()
    _META[key] = meta
    return meta


def _unread_saves(node: Op, need: tuple) -> None:
    """Mark the saved inputs that no gradient-needing input reads as never stale (``_ANY_VERSION``)."""
    nf = node.next_functions
    versions = list(node._saved_versions)
    for i, users in enumerate(need):  # plain loops: this runs for every `tensor * number`
        for j in users:
            if nf[j][0] is not None:
                break
        else:
            versions[i] = _ANY_VERSION
    node._saved_versions = tuple(versions)


def _forward_ad(node: Op, inputs: tuple, result) -> None:
    tangents = [t._fw_grad for t in inputs]
    if all(t is None for t in tangents):
        return
    from .autograd.forward_ad import _attach_tangents

    _attach_tangents(node, inputs, result, tangents)


def _user_frame():
    """The innermost stack frame outside the engine package: where the user's code made the node."""
    f = sys._getframe(2)
    while f is not None and f.f_code.co_filename.startswith(_ENGINE_DIR):
        f = f.f_back
    if f is None:
        return None
    return (f.f_code.co_filename, f.f_lineno)
