"""The graph half of the Workspace: root, graph replica, layout, collapse, search, selection, and
backward stepped through the kernel.

Every answer comes from the kernel as data: ``kernel.graph(root)`` becomes a
:class:`~gradviz.kernel.replica.GraphReplica` (the layouts and the scene work on it as on the
in-process model), node details and tensor values are fetched on demand, and every backward move is
one kernel request followed by ``step_state()``, kept in a :class:`BackwardState`. Slow work (fetch
and layout, Continue) runs as a :class:`~gradviz.model.jobs.Job`; Continue's breakpoint loop runs in
the kernel, in chunks, so a Pause or Stop takes effect between chunks (Stop also interrupts the
chunk running in the kernel).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import networkx as nx
from psygnal import Signal

from gradviz.kernel.messages import KernelRequestError
from gradviz.kernel.replica import GraphReplica

from .backward_state import BackwardState
from .grouping import capped
from .jobs import Job, JobCancelled
from .layout import LAYOUTS, LayoutCancelled, LayoutTooLarge, compute_layout
from .workspace_grouping import GroupingPart

# A new graph opens grouped by gradviz/model/grouping.py (``collapse="auto"``: modules collapse when
# more than AUTO_MAX_VISIBLE nodes would be drawn after folding). At most this many nodes are drawn
# (after collapsing and folding); the view says how many were left out.
MAX_DRAWN = 6000
# Graphs with more nodes than this are walked at most this far (the rest is reported, not drawn).
MAX_MODEL_NODES = 200_000
# Continue asks the kernel for at most this many steps per request, so Pause, progress and the
# repaint come between chunks (2,000 steps of a 5,000-node backward take about 0.2 s in the kernel).
CONTINUE_CHUNK = 2000
# During Continue the view shows the latest state at most this often (s), and fetching and showing
# intermediate states takes at most CONTINUE_REFRESH_SHARE of the time: the kernel's full state
# (every node, every gradient) costs 0.1-0.3 s at 5,000 nodes, more than 2,000 steps, so one per
# chunk would make Continue in the window several times slower than in the kernel. The state after
# the last chunk is always fetched and shown, so the end of a Continue is exact.
CONTINUE_REFRESH = 1 / 30
CONTINUE_REFRESH_SHARE = 0.2


@dataclass
class DrawnGraph:
    """What the graph view draws: the kernel graph, the part shown, and where its nodes go."""

    replica: GraphReplica
    display: nx.DiGraph
    hidden: int
    positions: dict
    collapsed: set[str]
    method: str
    seconds: float = 0.0
    new_root: bool = True  # a new graph (fit it) rather than a relayout of the same one
    notes: list[str] = field(default_factory=list)
    grouping: object = None  # the gradviz.model.grouping.Grouping that made ``display``


class _InThread:
    """``work()`` on a thread of its own, started at once; :meth:`result` waits for its value (or
    raises what it raised)."""

    def __init__(self, work, name: str) -> None:
        self._value = self._error = None

        def main() -> None:
            try:
                self._value = work()
            except BaseException as exc:  # noqa: BLE001 - handed to result()
                self._error = exc

        self._thread = threading.Thread(target=main, name=name, daemon=True)
        self._thread.start()

    def result(self):
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def matches_of(graph: nx.DiGraph, text: str) -> list[str]:
    """Node ids whose name, label or variable contains ``text`` (case-insensitive), in graph order."""
    needle = text.strip().lower()
    if not needle:
        return []
    found = []
    for node_id, data in graph.nodes(data=True):
        hay = f"{data.get('name', '')}\n{data.get('label', '')}\n{data.get('variable') or ''}".lower()
        if needle in hay:
            found.append(node_id)
    return found


class GraphPart(GroupingPart):
    """Mixed into :class:`~gradviz.model.workspace.Workspace` (which provides ``kernel``).

    Signals: ``root_changed(name or None)``; ``graph_changed(DrawnGraph or None)`` (None: the run
    made nothing to draw); ``graph_failed(message)`` (a fetch or layout failed or was cancelled:
    the previous graph stays); ``search_changed(matches)``; ``selection_changed(node id or None)``;
    ``stepped(BackwardState or None)`` after every backward move (None: no backward for this root);
    ``step_failed(message)`` (a move the kernel refused, e.g. a graph freed by the script's backward);
    ``continue_ended()`` after a Continue job's last ``stepped``.
    """

    root_changed = Signal(object)
    graph_changed = Signal(object)
    graph_failed = Signal(str)
    search_changed = Signal(list)
    selection_changed = Signal(object)
    stepped = Signal(object)
    step_failed = Signal(str)
    continue_ended = Signal()

    def __init__(self) -> None:
        self.root: str | None = None
        self.filename = "<editor>"
        self.drawn: DrawnGraph | None = None
        self.layout_method = "layered"
        GroupingPart.__init__(self)  # collapsed modules, folds, compact parameters
        self.search_text = ""
        self.matches: list[str] = []
        self.selected: str | None = None
        self.backward: BackwardState | None = None
        self.step_error: str | None = None
        self.breakpoints: set[str] = set()
        self.run_to_target: str | None = None  # the node the last Run-to went for
        self.break_on_nan = False
        self.break_on_zero = False
        self.norm_threshold: float | None = None
        self._graph_job: Job | None = None
        self._continue_job: Job | None = None
        self._refresh_seconds = 0.0  # what the last step_state fetch and update cost

    # ---- what is drawn --------------------------------------------------------------------------
    @property
    def replica(self) -> GraphReplica | None:
        return self.drawn.replica if self.drawn is not None else None

    @property
    def positions(self):
        return self.drawn.positions if self.drawn is not None else None

    @property
    def graph_busy(self) -> bool:
        job = self._graph_job
        return job is not None and not job.done

    def node_data(self, node_id: str) -> dict | None:
        """The drawn node's attributes (collapsed modules included), or None."""
        drawn = self.drawn
        if drawn is None or node_id not in drawn.display:
            return None
        return drawn.display.nodes[node_id]

    def _graph_for_new_run(self, result) -> None:
        self.backward = None
        self.step_error = None
        self.breakpoints = set()
        self.selected = None
        self._reset_grouping_for_new_graph()
        if result.default_root is None:
            self.root = None
            self.drawn = None
            self.root_changed.emit(None)
            self.graph_changed.emit(None)
            self.stepped.emit(None)
            return
        self.set_root(result.default_root, _force=True)

    def set_root(self, name: str, _force: bool = False) -> Job | None:
        """Draw the graph of the script's tensor variable ``name`` (fetch, layout, start backward)."""
        if name == self.root and not _force and self.drawn is not None:
            return None
        self.root = name
        self.root_changed.emit(name)
        method = self.layout_method
        self._reset_grouping_for_new_graph()
        grouping = self._grouping_snapshot(auto=True)  # modules collapse only when the graph is big

        def work(job: Job) -> tuple[DrawnGraph, BackwardState | None, str | None]:
            started = time.perf_counter()
            job.report(0.0, "reading the graph")
            # The topology is all the picture needs; the document is fetched if something reads it.
            answer = self.kernel.graph(name, max_nodes=MAX_MODEL_NODES, document=False)
            # The kernel starts backward (under torch: one recorded real backward) while this
            # process rebuilds, groups and lays the graph out: two processes, so the two overlap.
            starting = _InThread(lambda: self._start_backward(name), "gradviz-step-start")
            try:
                replica = GraphReplica(answer, fetch_document=lambda: self.kernel.graph(name)["document"])
                drawn = self._lay_out(job, replica, grouping, method, started, new_root=True)
            finally:
                backward, error = starting.result()
            if backward is not None:
                backward.clean_note = self._clean_note(replica)
            return drawn, backward, error

        return self._start_graph_job(work, "graph")

    def relayout(self, method: str | None = None) -> Job | None:
        """Lay the current graph out again (a new layout method, or after a collapse/expand)."""
        if method is not None:
            if method not in LAYOUTS:
                raise ValueError(f"unknown layout {method!r}; choose one of {', '.join(LAYOUTS)}")
            self.layout_method = method
        drawn = self.drawn
        if drawn is None:
            return None
        replica, grouping, method = drawn.replica, self._grouping_snapshot(auto=False), self.layout_method

        def work(job: Job):
            return self._lay_out(job, replica, grouping, method, time.perf_counter(), new_root=False), None, None

        return self._start_graph_job(work, "layout")

    def _lay_out(self, job, replica, snapshot, method, started, new_root) -> DrawnGraph:
        job.report(0.0, "grouping modules and repeats")
        grouping = self._group(replica, snapshot)
        display, hidden = capped(grouping.display, MAX_DRAWN)
        notes = []
        try:
            positions = compute_layout(display, method, progress=job.report, cancelled=lambda: job.cancelled)
        except LayoutTooLarge as exc:
            notes.append(f"{exc}; used the layered layout instead")
            positions = compute_layout(display, "layered", progress=job.report, cancelled=lambda: job.cancelled)
        return DrawnGraph(replica, display, hidden, positions, set(grouping.collapsed), positions.method or method,
                          time.perf_counter() - started, new_root, notes, grouping)

    def _start_graph_job(self, work, name: str) -> Job:
        self.cancel_graph_job()
        job = Job(work, name)
        job.progressed.connect(lambda fraction, message: self.job_progressed.emit(fraction, message))
        job.finished.connect(lambda out, job=job: self._on_graph_done(job, out))
        job.failed.connect(lambda exc, job=job: self._on_graph_failed(job, exc))
        self._graph_job = job
        job.start()
        self._busy_maybe_changed()
        return job

    def _on_graph_done(self, job: Job, out) -> None:
        if job is not self._graph_job:
            return  # replaced by a newer job
        drawn, backward, error = out
        self.drawn = drawn
        self.collapsed = set(drawn.collapsed)
        self.layout_method = drawn.method
        if drawn.new_root:
            self.backward, self.step_error = backward, error
            self.selected = None
        self.matches = matches_of(drawn.display, self.search_text)
        self._busy_maybe_changed()
        self.graph_changed.emit(drawn)
        if drawn.new_root:
            self.stepped.emit(self.backward)
            if error:
                self.step_failed.emit(error)
        self.search_changed.emit(list(self.matches))

    def _on_graph_failed(self, job: Job, exc: BaseException) -> None:
        if job is not self._graph_job:
            return
        self._busy_maybe_changed()
        if isinstance(exc, (JobCancelled, LayoutCancelled)):
            self.graph_failed.emit("cancelled")
        elif isinstance(exc, KernelRequestError):
            self.graph_failed.emit(exc.error.message)
        else:
            self.graph_failed.emit(f"{type(exc).__name__}: {exc}")

    def cancel_graph_job(self) -> None:
        if self._graph_job is not None:
            self._graph_job.cancel()

    def wait_graph(self, timeout: float | None = None) -> bool:
        job = self._graph_job
        return job is None or job.wait(timeout)

    # ---- search and selection -------------------------------------------------------------------
    def find(self, text: str) -> list[str]:
        """The drawn nodes matching ``text`` (name, label or variable; case-insensitive)."""
        self.search_text = text
        self.matches = matches_of(self.drawn.display, text) if self.drawn is not None else []
        self.search_changed.emit(list(self.matches))
        return list(self.matches)

    def select(self, node_id: str | None) -> None:
        if node_id != self.selected:
            self.selected = node_id
            self.selection_changed.emit(node_id)

    # ---- questions for the kernel ---------------------------------------------------------------
    def current_graph_answer(self) -> dict:
        """The kernel's graph of the current root as of now (its document lists the steps backward
        has run so far): what an export writes."""
        if self.root is None:
            raise KeyError("there is no graph yet: run a script first")
        return self.kernel.graph(self.root)

    def node_details(self, node_id: str) -> dict:
        """Everything the kernel knows about a node (saved tensors by reference)."""
        return self.kernel.node_details(node_id)

    def tensor_values(self, ref: str) -> dict:
        """``{"array", "shape", "dtype"}`` for a reference (``var:a``, ``var:a.grad``, ``node:ID``...)."""
        return self.kernel.tensor_values(ref)

    # ---- backward -------------------------------------------------------------------------------
    def _start_backward(self, root: str, gradient=None, replica=None) -> tuple[BackwardState | None, str | None]:
        """Start backward of ``root`` in the kernel from a clean ``.grad`` (the app shows the
        script's backward, not a second one piled on it); ``(state, None)`` or ``(None, why)``."""
        try:
            started = self.kernel.step_start(root, gradient=gradient, zero_grad=True)
            state = BackwardState(root, started.get("node_count", 0), started.get("note"))
            state.clean_note = self._clean_note(replica)
            state.update(self.kernel.step_state(), started)
            return state, None
        except KernelRequestError as exc:
            return None, exc.error.message

    def _clean_note(self, replica) -> str | None:
        """Why the script's own ``.grad`` values are not added to: stepping starts from a clean .grad."""
        result = self.result
        if replica is None or result is None:
            return None
        leaves = {d.get("name") for _, d in replica.graph.nodes(data=True) if d.get("kind") == "tensor"}
        set_aside = [t.name for t in result.tensors if t.has_grad and t.name in leaves]
        if not set_aside:
            return None
        return (f"The script's own backward already set .grad of {len(set_aside)} tensor(s) "
                f"({', '.join(set_aside[:4])}); stepping starts from a clean .grad, so it shows that "
                "backward alone (the script's values come back when you leave this graph).")

    def step_start(self, gradient=None) -> bool:
        """Restart backward of the current root with the vector v of ``root.backward(v)``: an array,
        a list, or an expression evaluated in the script's namespace in the kernel. False (and
        ``step_failed``) when the kernel refused it; the previous backward then stays."""
        if self.root is None:
            return False
        self.stop_continue()
        try:
            started = self.kernel.step_start(self.root, gradient=gradient, zero_grad=True)
        except KernelRequestError as exc:
            self.step_failed.emit(exc.error.message.removeprefix("KernelError: "))
            return False
        state = BackwardState(self.root, started.get("node_count", 0), started.get("note"))
        self.backward, self.step_error = state, None
        self._refresh_backward(started)
        return True

    def _refresh_backward(self, move: dict | None, incremental: bool = False) -> None:
        started = time.perf_counter()
        self.backward.update(self.kernel.step_state(), move, incremental)
        self._refresh_seconds = time.perf_counter() - started
        self.stepped.emit(self.backward)

    def _refresh_due(self, since: float) -> bool:
        """Whether Continue should show its progress now, ``since`` seconds after it last did."""
        cost = self._refresh_seconds
        return since >= max(CONTINUE_REFRESH, cost * (1 - CONTINUE_REFRESH_SHARE) / CONTINUE_REFRESH_SHARE)

    def _move(self, request, incremental: bool = False) -> bool:
        if self.backward is None:
            return False
        try:
            move = request()
        except KernelRequestError as exc:
            self.step_failed.emit(exc.error.message)
            return False
        self._refresh_backward(move, incremental)
        return True

    def step(self, check: bool = False) -> bool:
        """One backward step; ``check``: as one step of Continue (a breakpoint sets pause_reason)."""
        if check:
            return self._move(lambda: self.kernel.continue_(
                list(self.breakpoints), max_steps=1, break_on_nan=self.break_on_nan,
                break_on_zero=self.break_on_zero, norm_threshold=self.norm_threshold), incremental=True)
        return self._move(self.kernel.step, incremental=True)

    def step_back(self) -> bool:
        return self._move(self.kernel.step_back, incremental=True)

    def reset(self) -> bool:
        self.stop_continue()
        return self._move(self.kernel.reset)

    def run_to(self, node_id: str) -> bool:
        self.stop_continue()
        self.run_to_target = node_id
        return self._move(lambda: self.kernel.run_to(node_id))

    def toggle_breakpoint(self, node_id: str) -> bool:
        """Add or remove a breakpoint on a node; True when it is now set."""
        if node_id in self.breakpoints:
            self.breakpoints.discard(node_id)
            return False
        self.breakpoints.add(node_id)
        return True

    @property
    def continuing(self) -> bool:
        job = self._continue_job
        return job is not None and not job.done

    def continue_(self, max_steps: int | None = None) -> Job | None:
        """Run backward to the end or the next breakpoint (node, NaN/Inf, zero, norm) as a job;
        ``stepped`` fires after every chunk."""
        if self.backward is None or self.backward.at_end or self.continuing:
            return None
        breakpoints = [b for b in self.breakpoints]

        def work(job: Job) -> None:
            left = max_steps
            shown = time.perf_counter()
            unshown = None  # the last move whose state is not on display yet
            try:
                while True:
                    chunk = CONTINUE_CHUNK if left is None else min(CONTINUE_CHUNK, left)
                    move = self.kernel.continue_(breakpoints, max_steps=chunk, break_on_nan=self.break_on_nan,
                                                 break_on_zero=self.break_on_zero,
                                                 norm_threshold=self.norm_threshold, events=False)
                    unshown = move
                    ran = move.get("count", len(move["steps"]))
                    if left is not None:
                        left -= ran
                    last = bool(move["at_end"] or move.get("pause_reason") or ran < chunk or left == 0)
                    # Intermediate states are shown only when due (coalesced); the last one always.
                    if last or self._refresh_due(time.perf_counter() - shown):
                        self._refresh_backward(move)
                        shown, unshown = time.perf_counter(), None
                    if last:
                        return
                    job.check()
            except BaseException:
                # Paused (JobCancelled) or interrupted: show where backward stopped, not an older state.
                if unshown is not None:
                    try:
                        self._refresh_backward(unshown)
                    except Exception:  # noqa: BLE001 - the kernel is gone (Stop): the error below says so
                        pass
                raise

        job = Job(work, "continue")
        job.failed.connect(self._on_continue_failed)
        job.finished.connect(lambda _result: self.continue_ended.emit())
        self._continue_job = job
        job.start()
        return job

    def _on_continue_failed(self, exc: BaseException) -> None:
        if isinstance(exc, KernelRequestError):
            self.step_failed.emit(exc.error.message)
        elif not isinstance(exc, JobCancelled):
            self.step_failed.emit(f"{type(exc).__name__}: {exc}")
        self.continue_ended.emit()

    def stop_continue(self, wait: float = 2.0) -> None:
        """Pause a Continue in progress (it ends after the chunk the kernel is running)."""
        job = self._continue_job
        if job is not None and not job.done:
            job.cancel()
            job.wait(wait)
