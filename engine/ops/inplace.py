"""In-place ops on views: CopySlices, AsStridedBackward0 and the rebasing of a base's views.

An in-place op on a view changes its base too, so PyTorch rewrites the base's history: the base's
``grad_fn`` becomes a ``CopySlices`` node wrapping the op's node, and the view's ``grad_fn`` becomes
an ``AsStridedBackward0`` that re-reads the view out of the updated base. ``Op.apply_`` hands views
to :func:`apply_on_view`, which builds exactly that.
"""

from __future__ import annotations

import numpy as np

from .._graph import FREED_MESSAGE, Node
from .._op import Op, _connect, _write_into
from .._state import STATE
from .._tensor import Tensor, _make
from ._index_util import _zero_where
from ._samples import sampler
from .advanced_index import Index, IndexPutImpl

_rand = sampler(seed=17)


# ---- in-place ops on views: CopySlices ------------------------------------------------------------------


class AsStrided(Op):
    """Re-reads a view out of its base (by flat positions): the grad_fn of a view modified in place."""

    node_name = "AsStridedBackward0"
    aten = "aten::as_strided"

    def forward(self, base):
        return base.reshape(-1)[self.positions]

    def vjp(self, grad):
        return (_embed(grad, self.positions, self._in_meta[0]),)

    def jvp(self, tangents):
        return AsStrided.apply(tangents[0], positions=self.positions)

    def rule(self) -> str:
        return "grad_base = zeros of the base's shape with grad added at the view's elements"

    @staticmethod
    def samples():
        return [((_rand(3, 4),), {"positions": np.array([[1, 2], [5, 6]])})]


def _embed(grad: Tensor, positions: np.ndarray, meta) -> Tensor:
    """``grad`` (shaped like a view) placed into zeros shaped like its base."""
    shape, dt = meta
    zeros = _make(np.zeros(int(np.prod(shape, dtype=np.int64)), dtype=dt))
    return IndexPutImpl.apply(zeros, grad, indices=(positions,), accumulate=True).reshape(shape)


class CopySlices(Node):
    """The base's node after an in-place op on one of its views (PyTorch's ``CopySlices``).

    Its first edge is the base's previous history; the others are the wrapped op's edges for its
    other inputs. Backward: the view's part of the gradient goes through the wrapped op's rule and
    the result replaces that part; the rest of the base's gradient passes through unchanged.
    """

    node_name = "CopySlices"
    overlapping = False  # the view written through repeats elements (see apply_on_view)
    inputs = ("self",)
    saves = ()
    _save_idx = ()
    saves_result = False

    def __init__(self, fn: Op, positions: np.ndarray) -> None:
        self.fn = fn
        self.positions = positions

    def name(self) -> str:
        # A hand-written C++ node in PyTorch: name() includes the namespace, repr does not.
        return "torch::autograd::CopySlices"

    def rule(self) -> str:
        return f"grad_base = grad outside the view; inside it, {self.fn.name()}'s rule: {self.fn.rule()}"

    def _run_backward(self, grads: tuple) -> tuple:
        if self._released:
            raise RuntimeError(FREED_MESSAGE)
        if self.overlapping:
            raise RuntimeError(INTERNAL_OVERLAP_MESSAGE)
        (grad,) = grads
        positions = self.positions
        grad_view = Index.apply(grad.reshape(-1), indices=(positions,))
        res = self.fn._run_backward((grad_view,))
        out = [None] * len(self.next_functions)
        if self.next_functions[0][0] is not None:
            shape = grad._data.shape
            inside = np.zeros(shape, dtype=bool)
            inside.reshape(-1)[positions.reshape(-1)] = True
            rest = _zero_where(inside, grad)
            if res[0] is not None:
                rest = rest + _embed(res[0], positions, (shape, grad._data.dtype))
            out[0] = rest
        out[1:] = res[1:]
        return tuple(out)

    def _release(self) -> None:
        self._released = True
        self.fn._release()


def _flat_positions(base: np.ndarray, view: np.ndarray) -> np.ndarray:
    """For each element of ``view``, its C-order position in ``base`` (both share memory)."""
    item = base.itemsize
    if base.size == 0 or view.size == 0:
        return np.zeros(view.shape, dtype=np.intp)
    # An integer array laid out in memory exactly like base, holding each element's C-order position.
    layout = np.empty_like(base, dtype=np.intp)
    same_layout = all(
        s_base // item == s_layout // layout.itemsize
        for s_base, s_layout, n in zip(base.strides, layout.strides, base.shape)
        if n > 1
    )
    if not same_layout or any(s < 0 for s in base.strides):
        raise NotImplementedError("engine cannot track an in-place write into a view of a strided base")
    layout[...] = np.arange(base.size).reshape(base.shape)
    memory = layout.ravel(order="K")
    offset = (view.__array_interface__["data"][0] - base.__array_interface__["data"][0]) // item
    return np.lib.stride_tricks.as_strided(
        memory[offset:], shape=view.shape, strides=tuple(s // item * memory.itemsize for s in view.strides)
    ).copy()


INTERNAL_OVERLAP_MESSAGE = (
    "unsupported operation: more than one element of the written-to tensor refers to a single memory "
    "location. Please clone() the tensor before performing the operation."
)
VIEW_OF_LEAF_MESSAGE = "a view of a leaf Variable that requires grad is being used in an in-place operation."


_NO_GRAD_VIEW_ADVICE = (
    "Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by moving "
    "both the view and the inplace either both inside the no_grad block (if you don't want the inplace to be "
    "tracked) or both outside (if you want the inplace to be tracked)."
)


def _no_grad_view_message(marker) -> str:
    if marker is True:
        return "A view was created in no_grad mode and is being modified inplace with grad mode enabled. " + _NO_GRAD_VIEW_ADVICE
    return (
        f"Output 0 of {marker} is a view of a view which was created in no_grad mode and is being modified "
        "inplace with grad mode enabled. " + _NO_GRAD_VIEW_ADVICE
    )


def apply_on_view(cls, target: Tensor, others: tuple, params: dict) -> Tensor:
    """``Op.apply_`` for a view when autograd records: rebase the view's base onto a CopySlices node."""
    base = target._base
    if target._no_grad_view is not None:
        raise RuntimeError(_no_grad_view_message(target._no_grad_view))
    if base.grad_fn is None and base._requires_grad:
        raise RuntimeError(VIEW_OF_LEAF_MESSAGE)
    positions = _flat_positions(base._data, target._data)
    overlapping = len(np.unique(positions)) != positions.size
    if overlapping and not getattr(cls, "fills", False):
        raise RuntimeError(INTERNAL_OVERLAP_MESSAGE)
    # The op sees the view's old value as a stand-in input; CopySlices routes its gradient to the base.
    # The stand-in carries the view's history (PyTorch saves ``self.clone()`` of the view): under
    # create_graph the rules read it (``grad * old.cos()``), and their second-order gradient must reach
    # the base's history, not a phantom leaf.
    keeps_old = cls.saves and cls.inputs[0] in cls.saves
    old = _make(target._data.copy() if keeps_old else target._data, target.grad_fn, target._output_nr, True)
    result = cls.apply(old, *others, **params)
    fn = result.grad_fn
    node = CopySlices(fn, positions)
    if overlapping:
        # fill_/zero_/copy_(itself) into an expand: PyTorch allows the write and fails in backward,
        # where CopySlices writes the gradient through the same overlapping view.
        node.overlapping = True
    _connect(node, (base, *others), STATE)
    _write_into(target, result._data, cls)
    target._vc[0] += 1
    if "_result" in fn.__dict__:
        fn._result = (target._data, target._vc, target._vc[0])
    base.grad_fn = node
    base._output_nr = 0
    base._requires_grad = True
    _regenerate(target, positions)
    rebase_views(base, target)
    return target


def rebase_views(base: Tensor, done: Tensor | None) -> None:
    """After ``base``'s history changed in place, every other live view re-reads itself from it.

    PyTorch regenerates a stale view's grad_fn as ``AsStridedBackward0`` of the base (lazily, on
    the next access; engine does it eagerly, which gives the same graph).
    """
    views = base._views
    if not views or not base._requires_grad:
        return
    alive = []
    for ref in views:
        view = ref()
        if view is None:
            continue
        alive.append(ref)
        if view is done or view._base is not base:
            continue
        try:
            _regenerate(view, _flat_positions(base._data, view._data))
        except NotImplementedError:
            pass  # a base laid out with negative/odd strides: the view keeps its old history
    base._views = alive


def rebase_after_untracked_write(target: Tensor) -> None:
    """After an in-place write autograd did not record (under no_grad, or through a ``detach()``ed
    alias), every live view of the storage's root base re-reads itself from the base.

    PyTorch notices the version change lazily, on the view's next ``grad_fn`` access, and regenerates
    it as ``AsStridedBackward0`` of the base (whose own history is unchanged); the graph is the same.
    """
    root = target._base if target._base is not None else target
    roots = [root]
    alias = root._alias_of
    if alias is not None:
        aliased = alias()
        if aliased is not None:
            roots.append(aliased)
    for base in roots:
        if base._views and base._requires_grad:
            mode = STATE.grad_enabled
            STATE.grad_enabled = True  # the regenerated grad_fns are recorded even under no_grad
            try:
                rebase_views(base, None)
            finally:
                STATE.grad_enabled = mode


def regenerate_view(view: Tensor) -> None:
    """Give a view whose base was rebased the grad_fn that re-reads it from the base (AsStridedBackward0)."""
    _regenerate(view, _flat_positions(view._base._data, view._data))


def _regenerate(view: Tensor, positions: np.ndarray) -> None:
    regen = AsStrided.apply(view._base, positions=positions)
    view.grad_fn = regen.grad_fn
    view._output_nr = 0
    view._requires_grad = True
