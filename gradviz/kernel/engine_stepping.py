"""Inside the kernel, engine backend: the steps of backward pulled from the engine's ``BackwardRun``.

:class:`EngineStepper` is the :class:`~gradviz.kernel.stepping.Stepper` whose steps come from
``engine.autograd.iter_backward`` -- the one backward implementation, so what the user steps through
is exactly what ``backward()`` does. It never computes a gradient or an order itself: after every
step it reads the run's ``ready`` and ``waiting`` (kept per position, for stepping back), and the
gradients a pending node waits for are the run's own dependency counts as it started.
"""

from __future__ import annotations

import numpy as np

from engine._graph import AccumulateGrad, Node
from engine._tensor import Tensor, _make
from engine.autograd import BackwardStep, iter_backward
from engine.autograd.graph import revive_freed
from gradviz.kernel.stepping import Frontier, Stepper, implicit_ones_note


def copy_grad(g: Tensor | None) -> Tensor | None:
    """A snapshot of a ``.grad`` value that later in-place accumulation cannot change.

    A plain gradient is copied. A gradient that is part of a graph (create_graph=True) is kept
    as-is: the engine then builds ``old + g`` as a new tensor instead of adding in place, and a
    copy would lose the graph that double backward needs.
    """
    if g is None:
        return None
    if g._requires_grad:
        return g
    return _make(np.array(g._data, copy=True))


def _written_by(node: Node) -> list[Tensor]:
    """Tensors whose ``.grad`` running ``node`` writes: its leaf, its retain_grad() outputs."""
    out = [node.variable] if isinstance(node, AccumulateGrad) else []
    if node._retain:
        for ref in node._retain.values():
            t = ref()
            if t is not None:
                out.append(t)
    return out


class EngineStepper(Stepper):
    """Backward of ``root`` (an engine tensor) one node at a time; see the module docstring.

    ``gradient``: the v of ``root.backward(v)`` (a tensor or an array); for a non-scalar root
    without one the stepper uses ones and says why in :attr:`note`. ``zero_grad``: start as after
    ``optimizer.zero_grad()`` (the ``.grad`` values found are set aside and come back on
    :meth:`restore_grads`); otherwise gradients add to an earlier ``.grad`` as in PyTorch.
    A v PyTorch would refuse (wrong shape) raises its RuntimeError before anything changes.
    """

    def __init__(self, root: Tensor, gradient=None, *, retain_graph: bool = True,
                 create_graph: bool = False, zero_grad: bool = False) -> None:
        super().__init__(root, zero_grad)
        self.retain_graph = retain_graph
        self.create_graph = create_graph
        self.gradient, self.note = self._gradient_and_note(gradient)
        # A backward the script already ran freed the saved tensors; the Session kept them aside
        # (engine STATE.keep_freed) so stepping can replay it.
        revive_freed([root])
        self._probe = self._new_run()  # checks v as backward() would, before anything changes
        self.root_node: Node = root.grad_fn if root.grad_fn is not None else root._get_accumulator()
        self.nodes = set(self._probe.nodes)
        self._dependencies = dict(self._probe.dependencies)  # as the run starts: all still to come
        written = [t for n in self.nodes for t in _written_by(n)]
        self.leaves = [t for t in written if t.grad_fn is None]
        self._begin(written)

    def _gradient_and_note(self, gradient):
        root = self.root
        if gradient is not None:
            if not isinstance(gradient, Tensor):
                gradient = _make(np.asarray(gradient, dtype=root._data.dtype))
            return gradient, None
        if root._data.size == 1:
            return None, None
        return _make(np.ones(root._data.shape, dtype=root._data.dtype)), implicit_ones_note(root._data.shape)

    def _new_run(self):
        return iter_backward(self.root, self.gradient, retain_graph=self.retain_graph,
                             create_graph=self.create_graph)

    # ---- the source: the engine's BackwardRun -----------------------------------------------------
    def _restart(self) -> None:
        self.run, self._probe = (self._probe or self._new_run()), None
        self._frontiers: list[Frontier] = [self._snapshot()]

    def _snapshot(self) -> Frontier:
        return Frontier(tuple(self.run.ready), self.run.waiting)

    def _pull(self) -> BackwardStep | None:
        try:
            step = next(self.run)
        except StopIteration:
            return None
        self._frontiers.append(self._snapshot())
        return step

    def _source_done(self) -> bool:
        return self.run.finished

    def _frontier_at(self, position: int) -> Frontier:
        return self._frontiers[position + 1]

    def _expected(self, node) -> int:
        return self._dependencies.get(node, 0)

    def _writes(self, step) -> list:
        return [(t, copy_grad(t._grad)) for t in _written_by(step.node)]

    # ---- the tensors' .grad follows the position ------------------------------------------------
    def _read_grad(self, tensor):
        return copy_grad(tensor._grad)

    def _apply_grad(self, tensor, value) -> None:
        tensor._grad = copy_grad(value)

    def _untracked_grad(self, tensor):
        return getattr(tensor, "_grad", None)


__all__ = ["EngineStepper", "copy_grad"]
