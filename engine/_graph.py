"""Backward graph nodes: the ``grad_fn`` objects a user sees (``MulBackward0``, ``AccumulateGrad``)."""

from __future__ import annotations

import sys

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)


class RemovableHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""

    def __init__(self, hooks: list, hook) -> None:
        self._hooks = hooks
        self._hook = hook

    def remove(self) -> None:
        try:
            self._hooks.remove(self._hook)
        except ValueError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


class Node:
    """Base of every backward node.

    Attributes set when the node is created by the op choke point (``Op.apply``):
    ``next_functions`` -- one ``(node or None, output_nr)`` per tensor input, exactly like PyTorch;
    ``_seq`` -- creation order, used by the backward ready queue;
    ``module`` -- the nn.Module path active at creation ('' outside modules);
    ``source`` -- ``(filename, lineno)`` of the user's code when source recording is on, else None.
    """

    node_name = "Node"
    next_functions: tuple = ()
    module = ""
    source = None
    _pre_hooks: list | None = None
    _post_hooks: list | None = None
    # Hooks registered on output tensors (tensor.register_hook): {output_nr: [fn, ...]}.
    _tensor_hooks: dict | None = None
    # retain_grad() targets: {output_nr: weakref to tensor}.
    _retain: dict | None = None
    _metadata: dict | None = None
    _released = False
    # Multi-output nodes set ((shape, dtype), ...) of their outputs; None means one output.
    _out_meta = None
    _anomaly_trace = None
    # Optional first-order rule on numpy arrays (see Op.vjp_arrays); None: the backward loop calls vjp.
    vjp_arrays = None

    def name(self) -> str:
        """PyTorch's node name, e.g. ``'MulBackward0'``."""
        return self.node_name

    def __repr__(self) -> str:
        return f"<{self.node_name} object at {hex(id(self))}>"

    @property
    def metadata(self) -> dict:
        if self._metadata is None:
            self._metadata = {}
        return self._metadata

    def register_hook(self, fn) -> RemovableHandle:
        """``fn(grad_inputs, grad_outputs)`` runs after the node; a non-None return replaces grad_inputs."""
        if self._post_hooks is None:
            self._post_hooks = []
        self._post_hooks.append(fn)
        return RemovableHandle(self._post_hooks, fn)

    def register_prehook(self, fn) -> RemovableHandle:
        """``fn(grad_outputs)`` runs before the node; a non-None return replaces grad_outputs."""
        if self._pre_hooks is None:
            self._pre_hooks = []
        self._pre_hooks.append(fn)
        return RemovableHandle(self._pre_hooks, fn)

    def _register_tensor_hook(self, output_nr: int, fn) -> RemovableHandle:
        if self._tensor_hooks is None:
            self._tensor_hooks = {}
        hooks = self._tensor_hooks.setdefault(output_nr, [])
        hooks.append(fn)
        return RemovableHandle(hooks, fn)

    # The backward engine calls this with one gradient per output (None where none arrived) and
    # expects one gradient (or None) per entry of next_functions.
    def _run_backward(self, grads: tuple) -> tuple:  # pragma: no cover - abstract
        raise NotImplementedError

    def _release(self) -> None:
        """Free saved tensors after a backward without retain_graph."""
        self._released = True

    def _keep_aside(self, *names: str) -> None:
        """Under ``STATE.keep_freed``, remember the values ``_release`` is about to drop."""
        d = self.__dict__
        d["_kept"] = {n: d[n] for n in names if n in d}

    def _revive(self) -> bool:
        """Undo ``_release`` when its values were kept aside; True when the node is usable again."""
        kept = self.__dict__.pop("_kept", None)
        if kept is None:
            return not self._released
        self.__dict__.update(kept)
        self._released = False
        return True

    # The app's inspector describes a node in words; ops override this.
    def rule(self) -> str:
        return ""


class AccumulateGrad(Node):
    """The node at a leaf tensor that requires grad; running it writes ``variable.grad``."""

    node_name = "AccumulateGrad"
    # PyTorch gives AccumulateGrad the largest sequence number so a ready leaf is written at once.
    _seq = sys.maxsize

    def __init__(self, variable) -> None:
        self.variable = variable
        self.next_functions = ()

    def name(self) -> str:
        # PyTorch's C++-only nodes report their qualified C++ name (the repr still says
        # <AccumulateGrad object at ...>); node_name stays the short label the app displays.
        return "torch::autograd::AccumulateGrad"

    def rule(self) -> str:
        return "variable.grad += grad"


class GraphRoot(Node):
    """Stands for several roots in autograd.grad/backward with many outputs (not user visible)."""

    node_name = "GraphRoot"
    # Never a grad_fn and never in next_functions: the user cannot see it, so no PyTorch fixture
    # needs to show its name (tests/engine/test_node_name_coverage.py skips internal nodes).
    internal = True



def revive_freed(roots) -> int:
    """Restore the saved tensors a backward freed, for every node reachable from ``roots`` (tensors
    or nodes), when they were kept aside under ``STATE.keep_freed``. Returns how many nodes are still
    unusable (freed without a kept copy): 0 means the graph can be backpropagated again."""
    stack = []
    for r in roots:
        node = getattr(r, "grad_fn", r)
        if node is not None:
            stack.append(node)
    seen = set()
    dead = 0
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if not node._revive():
            dead += 1
        stack.extend(child for child, _ in node.next_functions if child is not None)
    return dead
