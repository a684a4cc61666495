"""Compare one script's autograd graph under the engine and under real PyTorch ("Run under both").

Qt-free: :func:`collect_run` runs a script in a kernel of its own and keeps plain data (the graph
document, every backward step, what each node sent and every leaf's final ``.grad``);
:func:`compare_runs` matches the two graphs node by node and lists, once per node, everything that
differs there (:class:`NodeDifference`).

Matching: both graphs are walked breadth-first from the root, following each node's edges in
``input_index`` order (the order of ``grad_fn.next_functions``). Identical graphs give walks that
pair position by position; to keep one extra node from shifting every pair after it, the two walks
are aligned like a diff of their name sequences (:func:`match_nodes`), so names break ties and
position decides inside a stretch where names differ. Unpaired nodes are reported as "missing".

A matched pair is compared on (:class:`Aspect` kinds): ``name`` (``grad_fn.name()``), ``shape``
(the node's output shape), ``received`` (the gradient the node received for each output, from the
step log's summaries), ``sent`` (the gradient it sent to each input, the full arrays), ``dtype``
(of what it sent, or of a leaf's ``.grad``) and, on leaf tensors, ``.grad`` (the final value after
the whole backward). Values are compared by their relative difference against the tolerance of the
less precise dtype (:mod:`gradviz.model.compare_values`: 1e-4 for float32); each node reports its
largest relative difference.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from difflib import SequenceMatcher

import numpy as np

from .compare_values import (
    DEFAULT_TOLERANCE,
    describe,
    relative_difference,
    summary_difference,
    summary_values,
    tolerance,
)

# What each aspect is called in a badge and in the table's "Differs in" column.
LABELS = {"missing": "node", "name": "name", "shape": "shape", "dtype": "dtype",
          "received": "received", "sent": "sent", "grad": ".grad"}


@dataclass(frozen=True, eq=False)
class BackendRun:
    """What one run under one backend produced (plain data)."""

    backend: str
    document: dict                 # the kernel's graph document of the root
    steps: list                    # the backward steps (``continue_`` answer's ``steps``)
    output: str = ""
    error: str | None = None
    # After the whole backward (the kernel's ``step_state``): (node id, input index) -> the array
    # that node sent to that input; leaf tensor node id -> its final ``.grad``.
    edge_grads: dict = field(default_factory=dict)
    leaf_grads: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Aspect:
    """One way a node pair differs. ``where``: "output 0", "input 1", "" (the node itself)."""

    kind: str          # a key of LABELS
    where: str
    engine: str        # the engine's value, as text
    torch: str         # torch's value, as text
    relative: float | None = None  # for values: their relative difference (inf: not comparable)

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    def text(self, side: str) -> str:
        value = self.engine if side == "engine" else self.torch
        return f"{self.label} {self.where}: {value}" if self.where else f"{self.label}: {value}"


@dataclass(frozen=True)
class NodeDifference:
    """Everything that differs at one node pair. ``node_id`` is the engine graph's id,
    ``torch_node_id`` torch's (None on the side that lacks the node)."""

    node_id: str | None
    torch_node_id: str | None
    name: str
    aspects: tuple[Aspect, ...]

    def id_in(self, backend: str) -> str | None:
        """The node's id in the graph of ``backend`` ("engine" or "torch")."""
        return self.torch_node_id if backend == "torch" else self.node_id

    @property
    def labels(self) -> list[str]:
        """What differs, each once, in the order found ("name", "sent", ".grad", ...)."""
        return list(dict.fromkeys(aspect.label for aspect in self.aspects))

    @property
    def largest_relative(self) -> float | None:
        """The largest relative difference of the node's values (None: no value differs)."""
        found = [a.relative for a in self.aspects if a.relative is not None]
        return max(found) if found else None

    @property
    def badge(self) -> str:
        return "≠ " + ", ".join(self.labels)


def collect_run(client, script: str, backend: str, filename: str = "<editor>",
                timeout: float | None = None) -> BackendRun:
    """Run ``script`` under ``backend`` with ``client`` (a KernelClient), then fetch the graph of
    its default root, run its whole backward keeping every step, and read what each node sent and
    every leaf's ``.grad`` at the end."""
    result = client.run(script, filename, backend, timeout=timeout)
    if not result.ok:
        return BackendRun(backend, {}, [], result.output, result.error.message)
    if not result.default_root:
        return BackendRun(result.backend, {}, [], result.output, "the script made no graph")
    document = client.graph(result.default_root)["document"]
    client.step_start(result.default_root)
    steps = client.continue_()["steps"]
    state = client.step_state()
    return BackendRun(result.backend, document, list(steps), result.output,
                      edge_grads=dict(state["edge_grads"]), leaf_grads=dict(state["leaf_grads"]))


def walk_order(document: dict) -> list[tuple[str, int]]:
    """``(node_id, depth)`` breadth-first from the root, children in ``input_index`` order.

    The engine's documents draw an input that needs no gradient as a "constant" node (torch's
    ``next_functions`` holds ``(None, 0)`` there and its documents draw nothing): such nodes are
    left out of the walk, so the two backends' pictures of the same graph match.
    """
    constants = {n["id"] for n in document.get("nodes", []) if n.get("kind") == "constant"}
    children: dict[str, list[tuple[int, str]]] = {}
    for edge in document.get("edges", []):
        if edge["target"] in constants or edge.get("constant"):
            continue
        children.setdefault(edge["source"], []).append((edge.get("input_index", 0), edge["target"]))
    root = document.get("root_id")
    if root is None:
        return []
    order, seen, queue = [], {root}, deque([(root, 0)])
    while queue:
        node, depth = queue.popleft()
        order.append((node, depth))
        for _index, child in sorted(children.get(node, [])):
            if child not in seen:
                seen.add(child)
                queue.append((child, depth + 1))
    return order


def match_nodes(engine_doc: dict, torch_doc: dict) -> list[tuple[str | None, str | None]]:
    """Pairs ``(engine_id, torch_id)``; one side is None for a node the other graph lacks.

    The two walks are aligned like a diff of their name sequences (difflib): runs of equal names
    pair up in order, a stretch replaced by another pairs by position (name differences), and what
    is left over is missing on the other side. So one extra node in one graph costs one "missing"
    mark rather than shifting every pair after it.
    """
    names_e = {n["id"]: n.get("name") for n in engine_doc.get("nodes", [])}
    names_t = {n["id"]: n.get("name") for n in torch_doc.get("nodes", [])}
    walk_e = [node for node, _depth in walk_order(engine_doc)]
    walk_t = [node for node, _depth in walk_order(torch_doc)]
    matcher = SequenceMatcher(None, [names_e[n] for n in walk_e], [names_t[n] for n in walk_t], autojunk=False)
    pairs: list[tuple[str | None, str | None]] = []
    for _tag, e0, e1, t0, t1 in matcher.get_opcodes():
        left, right = walk_e[e0:e1], walk_t[t0:t1]
        common = min(len(left), len(right))
        pairs += list(zip(left[:common], right[:common]))
        pairs += [(node, None) for node in left[common:]] + [(None, node) for node in right[common:]]
    return pairs


def _gradient_dtype(run: BackendRun, node_id: str, sent_keys) -> str | None:
    """The dtype of the gradients a node handles (of the first one it sent), for tolerances."""
    for key in sent_keys:
        array = run.edge_grads.get((node_id, key))
        if array is not None:
            return str(array.dtype)
    return None


def _summary_text(summary) -> str:
    if summary is None:
        return "None"
    return describe(summary_values(summary), summary.get("shape", ()))


def _array_text(array) -> str:
    return "None" if array is None else describe(array, array.shape)


def _value_aspect(kind: str, where: str, a, b, rel_of, text_of, tol: float) -> Aspect | None:
    """An aspect when ``a`` and ``b`` (summaries or arrays, either may be None) are further apart
    than ``tol``; None when they agree."""
    if a is None and b is None:
        return None
    rel = math.inf if (a is None or b is None) else rel_of(a, b)
    if rel <= tol:
        return None
    return Aspect(kind, where, text_of(a), text_of(b), rel)


def _array_difference(a: np.ndarray, b: np.ndarray) -> float:
    return relative_difference(a, b) if a.shape == b.shape else math.inf


def _received_aspects(steps_e: dict, steps_t: dict, id_e: str, id_t: str, tol: float) -> list[Aspect]:
    step_e, step_t = steps_e.get(id_e), steps_t.get(id_t)
    if step_e is None and step_t is None:
        return []
    if step_e is None or step_t is None:  # the node ran in one backward only
        text = {True: "(not run)", False: "ran"}
        return [Aspect("received", "", text[step_e is None], text[step_t is None], math.inf)]
    grads_e, grads_t = step_e.get("received") or [], step_t.get("received") or []
    aspects = []
    for k in range(max(len(grads_e), len(grads_t))):
        ge = grads_e[k] if k < len(grads_e) else None
        gt = grads_t[k] if k < len(grads_t) else None
        aspect = _value_aspect("received", f"output {k}", ge, gt, summary_difference, _summary_text, tol)
        if aspect is not None:
            aspects.append(aspect)
    return aspects


def _sent_aspects(engine: BackendRun, torch: BackendRun, id_e: str, id_t: str,
                  keys: list) -> tuple[list[Aspect], set]:
    aspects, dtypes = [], set()
    for index in keys:
        ae, at = engine.edge_grads.get((id_e, index)), torch.edge_grads.get((id_t, index))
        if ae is not None and at is not None and ae.dtype != at.dtype:
            dtypes.add((str(ae.dtype), str(at.dtype)))
        tol = tolerance(getattr(ae, "dtype", None), getattr(at, "dtype", None))
        aspect = _value_aspect("sent", f"input {index}", ae, at, _array_difference, _array_text, tol)
        if aspect is not None:
            aspects.append(aspect)
    return aspects, dtypes


def compare_pair(engine: BackendRun, torch: BackendRun, node_e: dict, node_t: dict,
                 steps_e: dict, steps_t: dict) -> list[Aspect]:
    """Every aspect in which a matched node pair differs (empty: they agree)."""
    id_e, id_t = node_e["id"], node_t["id"]
    aspects: list[Aspect] = []
    if node_e.get("name") != node_t.get("name"):
        aspects.append(Aspect("name", "", str(node_e.get("name")), str(node_t.get("name"))))
    if list(node_e.get("shape") or []) != list(node_t.get("shape") or []):
        aspects.append(Aspect("shape", "", str(tuple(node_e.get("shape") or ())),
                              str(tuple(node_t.get("shape") or ()))))
    keys = sorted({i for (n, i) in engine.edge_grads if n == id_e}
                  | {i for (n, i) in torch.edge_grads if n == id_t})
    dtype_e, dtype_t = _gradient_dtype(engine, id_e, keys), _gradient_dtype(torch, id_t, keys)
    received_tol = tolerance(dtype_e, dtype_t) if dtype_e and dtype_t else DEFAULT_TOLERANCE
    aspects += _received_aspects(steps_e, steps_t, id_e, id_t, received_tol)
    sent, dtypes = _sent_aspects(engine, torch, id_e, id_t, keys)
    aspects += sent
    if node_e.get("kind") == "tensor" or node_t.get("kind") == "tensor":
        ge, gt = engine.leaf_grads.get(id_e), torch.leaf_grads.get(id_t)
        if ge is not None and gt is not None and ge.dtype != gt.dtype:
            dtypes.add((str(ge.dtype), str(gt.dtype)))
        tol = tolerance(getattr(ge, "dtype", None), getattr(gt, "dtype", None))
        aspect = _value_aspect("grad", "", ge, gt, _array_difference, _array_text, tol)
        if aspect is not None:
            aspects.append(aspect)
    for de, dt in sorted(dtypes):
        aspects.append(Aspect("dtype", "", de, dt))
    return aspects


def compare_runs(engine: BackendRun, torch: BackendRun) -> list[NodeDifference]:
    """One entry per node that differs, in the engine walk's order (empty: the runs agree)."""
    nodes_e = {n["id"]: n for n in engine.document.get("nodes", [])}
    nodes_t = {n["id"]: n for n in torch.document.get("nodes", [])}
    steps_e = {step["node"]: step for step in engine.steps}
    steps_t = {step["node"]: step for step in torch.steps}
    differences: list[NodeDifference] = []
    for id_e, id_t in match_nodes(engine.document, torch.document):
        if id_e is None or id_t is None:
            name = nodes_e[id_e]["name"] if id_e else nodes_t[id_t]["name"]
            aspect = Aspect("missing", "", name if id_e else "(absent)", name if id_t else "(absent)")
            differences.append(NodeDifference(id_e, id_t, name, (aspect,)))
            continue
        aspects = compare_pair(engine, torch, nodes_e[id_e], nodes_t[id_t], steps_e, steps_t)
        if aspects:
            differences.append(NodeDifference(id_e, id_t, str(nodes_e[id_e].get("name")), tuple(aspects)))
    return differences


def badges(differences: list[NodeDifference], backend: str = "engine") -> dict[str, str]:
    """Node id in ``backend``'s graph -> its badge text ("≠ sent", "≠ name, shape", ...)."""
    return {diff.id_in(backend): diff.badge for diff in differences if diff.id_in(backend) is not None}
