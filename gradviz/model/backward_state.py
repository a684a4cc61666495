"""Where backward is, as the views see it: one object that follows the kernel's step answers.

The kernel sends the whole state after a move (``step_state()``: every node's state, the edge and
leaf gradients as arrays). :class:`BackwardState` keeps the latest one behind a stable identity and
remembers which nodes changed since the scene last looked (:meth:`take_changed`), so the graph
scene repaints only those -- a step costs the same on a 5,000-node graph as on a 5-node one.
Qt-free and engine-free: everything here is node ids, strings and numpy arrays.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

import numpy as np

from gradviz.kernel.replica import StepSnapshot


def grad_summary(g) -> str:
    """A short label for a gradient: the value of a one-element array, else its shape and norm.

    ``g`` is anything with ``._data`` (an :class:`~gradviz.kernel.replica.ArrayGradient`) or an array.
    """
    if g is None:
        return ""
    data = getattr(g, "_data", g)
    data = np.asarray(data)
    if data.size == 1:
        return f"{float(data.reshape(-1)[0]):.4g}"
    norm = float(np.linalg.norm(np.asarray(data, dtype=np.float64).ravel()))
    return f"{list(data.shape)} ‖g‖={norm:.3g}"


class BackwardState:
    """The stepper questions the graph scene and the Backward panel ask, answered from data.

    ``update(state, move)`` takes a ``step_state()`` answer (and the move's answer, for the steps
    it ran); ``node_count`` is how many nodes backward runs (from ``step_start``).
    """

    def __init__(self, root: str, node_count: int = 0, note: str | None = None) -> None:
        self.root = root
        self.node_count = node_count
        self.start_note = note
        self.clean_note: str | None = None  # set by the workspace: the script's .grad was set aside
        self.snapshot: StepSnapshot | None = None
        self.last_steps: list[dict] = []  # the step events of the last move (kernel's step_event)
        self.ready: list[str] = []
        self._changed: set[str] | None = None  # None: everything (first look)
        self._events: dict[int, dict] = {}  # step index -> event, as far as we have seen them
        # update() runs on the Continue job's thread while the scene may be reading on the GUI
        # thread: the snapshot and the changed set move together, so a change is never taken
        # before its snapshot is in place, nor added to a set the scene has already taken.
        self._lock = threading.Lock()

    # ---- updates from the kernel ----------------------------------------------------------------
    def update(self, state: Mapping, move: Mapping | None = None, incremental: bool = False) -> None:
        """Take a new ``step_state()`` answer. ``incremental``: the move was one step forward or
        back, so only the old and new current node and the old and new ready and waiting nodes can
        have changed (no look at the other nodes: a step costs the same at 5,000 nodes as at 5)."""
        old = self.snapshot
        new = StepSnapshot(state)
        old_ready = self.ready
        ready = list(state.get("ready") or [])
        steps = list(move.get("steps") or []) if move is not None else self.last_steps
        touched: set | None = set()
        if old is None:
            touched = None
        elif incremental:
            touched = {old.current_node, new.current_node, *old_ready, *ready, *old._waiting, *new._waiting}
            touched.update(event.get("node") for event in steps)
            touched.discard(None)
        else:
            # Many steps at once (Continue, Reset): compare the states; set operations on the items
            # run in C (a few ms for 5,000 nodes), and only the nodes that changed are repainted.
            for old_map, new_map in ((old._states, new._states), (old._waiting, new._waiting)):
                touched.update(key for key, _ in set(old_map.items()) ^ set(new_map.items()))
        with self._lock:
            if move is not None:
                self.last_steps = steps
                for event in steps:
                    self._events[event["index"]] = event
            self.ready = ready
            if touched is None:
                self._changed = None
            elif self._changed is not None:
                self._changed.update(touched)
            self.snapshot = new

    def take_changed(self):
        """Node ids whose look changed since the last call (None: repaint everything)."""
        with self._lock:
            changed, self._changed = self._changed, set()
        return changed

    # ---- the scene's questions ------------------------------------------------------------------
    @property
    def position(self) -> int:
        return self.snapshot.position if self.snapshot is not None else -1

    @property
    def at_end(self) -> bool:
        return bool(self.snapshot is not None and self.snapshot.at_end)

    @property
    def current_node(self) -> str | None:
        return self.snapshot.current_node if self.snapshot is not None else None

    @property
    def pause_reason(self) -> str | None:
        return self.snapshot.pause_reason if self.snapshot is not None else None

    @property
    def note(self) -> str | None:
        if self.snapshot is not None and self.snapshot.note:
            return self.snapshot.note
        return self.start_note

    def state_of(self, node_id: str) -> str:
        return self.snapshot.state_of(node_id) if self.snapshot is not None else "pending"

    def waiting_count(self, node_id: str) -> int:
        return self.snapshot.waiting_count(node_id) if self.snapshot is not None else 0

    def waiting(self) -> dict[str, int]:
        return dict(self.snapshot._waiting) if self.snapshot is not None else {}

    def step_index(self, node_id) -> int | None:
        return self.snapshot.step_index(node_id) if self.snapshot is not None else None

    def edge_gradient(self, node_id: str, index: int):
        return self.snapshot.edge_gradient(node_id, index) if self.snapshot is not None else None

    def leaf_grad(self, node_id: str):
        return self.snapshot.leaf_grad(node_id) if self.snapshot is not None else None

    def current_detail(self) -> dict | None:
        """The current node's gradients as the kernel summarised them: ``received`` and ``sent``
        (``{"grad": summary, "ref"}``), ``contributions`` (``{"from", "index", "grad", "ref"}``, one
        per gradient that arrived) and ``writes`` (``{"tensor", "before", "after", "before_ref",
        "after_ref"}`` for each ``.grad`` the step wrote); None before backward."""
        return self.snapshot.detail if self.snapshot is not None else None

    def current_event(self) -> dict | None:
        """The kernel's step event of the current node (received/sent summaries), when known."""
        if self.snapshot is None or self.position < 0:
            return None
        return self._events.get(self.position)
