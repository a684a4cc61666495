"""Inside the kernel, torch backend: run a script with the real ``torch``, noting where nodes came from.

Imported only in a kernel whose run asked for ``backend="torch"`` (never in the fork server, never in
the app): this module and the other ``torch_*`` modules are the only gradviz code that knows torch.

**Where a node came from** (module path and source line) is noted while the script runs, by
:class:`CreationTracker`:

* global ``nn.Module`` forward pre/post hooks keep a stack of the module paths being run
  (``model.encoder.layers.0.self_attn``: the top module by its script variable, children by their
  attribute names);
* a ``TorchFunctionMode`` sees every torch call the script's own code makes (``x * w``,
  ``F.linear``, ``torch.matmul``...). After each call it walks the new part of the graph from the
  outputs' ``grad_fn`` (stopping at nodes already noted), noting for each new node the current
  module path and the script line: the innermost frame of the script's file on the Python stack.
  Nodes a call creates internally (``linear`` on a 3-d input makes a view, a matmul and another
  view) get the line and module of that call. ``autograd.Function.apply`` is not a torch function;
  it is wrapped for the run so a custom Function's node is noted too.

This was chosen over anomaly mode's creation traceback: anomaly mode formats a full traceback for
every node (tens of microseconds each), and it checks every backward output for NaN and raises,
which would defeat the NaN breakpoint. The notes are keyed by the node's sequence number (not the
node object), so the tracker keeps no graph alive after the script drops it.
"""

from __future__ import annotations

import builtins
import math
import sys

import numpy as np
import torch
from torch.overrides import TorchFunctionMode

from gradviz.kernel.session import _assignment_lines


def fresh_namespace(filename: str) -> dict:
    """The globals a torch-backend script starts with: ``torch`` is the real one."""
    return {"__name__": "__main__", "__file__": filename, "__builtins__": builtins.__dict__,
            "torch": torch, "math": math, "np": np}


def node_key(node) -> tuple[int, str]:
    """What identifies a node across Python wrappers without keeping it alive."""
    return node._sequence_nr(), type(node).__name__


def _is_accumulate(node) -> bool:
    return type(node).__name__ == "AccumulateGrad"


class CreationTracker:
    """Notes, for each graph node made while the script runs, its module path and script line."""

    active: CreationTracker | None = None

    def __init__(self, namespace: dict, filename: str) -> None:
        self.namespace = namespace
        self.filename = filename
        self.created: dict[tuple[int, str], tuple[str, int | None]] = {}
        self._modules: list[tuple[object, str]] = []  # (module, path) being run, innermost last
        self._handles: list = []
        self._mode: _CallWatcher | None = None
        self._apply = None

    # ---- module paths ---------------------------------------------------------------------------
    def _path_of(self, module) -> str:
        if self._modules:
            parent, parent_path = self._modules[-1]
            for name, child in getattr(parent, "_modules", {}).items():
                if child is module:
                    return f"{parent_path}.{name}"
            return f"{parent_path}.{type(module).__name__}"
        for name, value in self.namespace.items():
            if value is module and not name.startswith("__"):
                return name
        return type(module).__name__

    def _pre(self, module, args) -> None:
        self._modules.append((module, self._path_of(module)))

    def _post(self, module, args, output) -> None:
        while self._modules:  # a forward that raised skipped its pops: unwind to this module
            if self._modules.pop()[0] is module:
                break

    @property
    def module_path(self) -> str:
        return self._modules[-1][1] if self._modules else ""

    # ---- noting nodes ---------------------------------------------------------------------------
    def script_line(self) -> int | None:
        frame = sys._getframe(2)
        while frame is not None:
            if frame.f_code.co_filename == self.filename:
                return frame.f_lineno
            frame = frame.f_back
        return None

    def note(self, result) -> None:
        """Note the nodes new since the last call, walking from the grad_fn of ``result``'s tensors."""
        roots = [t.grad_fn for t in _tensors_in(result) if t.grad_fn is not None]
        if not roots:
            return
        created = self.created
        stack = [fn for fn in roots if node_key(fn) not in created]
        if not stack:
            return
        where = (self.module_path, self.script_line())
        while stack:
            node = stack.pop()
            key = node_key(node)
            if key in created or _is_accumulate(node):
                continue
            created[key] = where
            for child, _ in node.next_functions:
                if child is not None and not _is_accumulate(child) and node_key(child) not in created:
                    stack.append(child)

    def where(self, node) -> tuple[str, int | None] | None:
        return self.created.get(node_key(node))

    # ---- lifetime -------------------------------------------------------------------------------
    def __enter__(self) -> CreationTracker:
        hooks = torch.nn.modules.module
        try:  # always_call (torch >= 2.1): the post-hook runs even when forward raises
            post = hooks.register_module_forward_hook(self._post, always_call=True)
        except TypeError:
            post = hooks.register_module_forward_hook(self._post)  # _post unwinds past a raise anyway
        self._handles = [hooks.register_module_forward_pre_hook(self._pre), post]
        function = torch.autograd.function.Function
        self._apply = function.__dict__["apply"]
        original = self._apply.__func__
        tracker = self

        def apply(cls, *args, **kwargs):
            result = original(cls, *args, **kwargs)
            tracker.note(result)
            return result

        function.apply = classmethod(apply)
        self._mode = _CallWatcher(self)
        self._mode.__enter__()
        CreationTracker.active = self
        return self

    def __exit__(self, *exc) -> None:
        if self._mode is not None:
            try:
                self._mode.__exit__(None, None, None)
            except Exception:  # noqa: BLE001 - a script that left its own mode on the stack
                pass
            self._mode = None
        for handle in self._handles:
            handle.remove()
        self._handles = []
        if self._apply is not None:
            torch.autograd.function.Function.apply = self._apply
            self._apply = None
        self._modules.clear()


class _CallWatcher(TorchFunctionMode):
    """Sees each torch call the script makes and hands its result to the tracker."""

    def __init__(self, tracker: CreationTracker) -> None:
        super().__init__()
        self.tracker = tracker

    def __torch_function__(self, func, types, args=(), kwargs=None):
        result = func(*args, **(kwargs or {}))
        if torch.is_grad_enabled():
            self.tracker.note(result)
        return result


def _tensors_in(value, depth: int = 0):
    if isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, (tuple, list)) and depth < 2:
        for item in value:
            yield from _tensors_in(item, depth + 1)


# ---- the run's tensors ------------------------------------------------------------------------------
def dtype_name(dtype) -> str:
    return str(dtype)  # "torch.float32", as PyTorch prints it


def tensor_info(name: str, tensor) -> dict:
    fn = tensor.grad_fn
    return {
        "name": name,
        "shape": tuple(int(s) for s in tensor.shape),
        "dtype": dtype_name(tensor.dtype),
        "requires_grad": bool(tensor.requires_grad),
        "grad_fn": fn.name() if fn is not None else None,
        # A non-leaf has a .grad only after retain_grad() (reading it otherwise makes torch warn).
        "has_grad": tensor.grad is not None if tensor.is_leaf or tensor.retains_grad else False,
    }


def collect_tensors(namespace: dict, tree) -> dict:
    """The script's torch tensor variables in order of last assignment (as the engine path orders them)."""
    found = {k: v for k, v in namespace.items() if isinstance(v, torch.Tensor) and not k.startswith("__")}
    lines = _assignment_lines(tree) if tree is not None else {}
    return {name: found[name] for name in sorted(found, key=lambda name: lines.get(name, 0))}


def default_root(tensors: dict) -> str | None:
    """The last-assigned tensor with a grad_fn, preferring a single number (a loss)."""
    with_graph = [name for name, t in tensors.items() if t.grad_fn is not None]
    scalars = [name for name in with_graph if tensors[name].numel() == 1]
    if scalars:
        return scalars[-1]
    return with_graph[-1] if with_graph else None


class TorchScripts:
    """The torch backend's half of :func:`gradviz.kernel.execution.run_script`."""

    namespace = staticmethod(fresh_namespace)
    info = staticmethod(tensor_info)
    collect = staticmethod(collect_tensors)
    default_root = staticmethod(default_root)

    @staticmethod
    def tracking(namespace: dict, filename: str) -> CreationTracker:
        return CreationTracker(namespace, filename)

    @staticmethod
    def is_candidate(t) -> bool:
        return t.grad_fn is not None or t.requires_grad
