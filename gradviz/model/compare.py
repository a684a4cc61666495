"""Compare one script's autograd graph under the engine and under real PyTorch ("Run under both").

Qt-free: :func:`collect_run` runs a script in a kernel of its own and keeps plain data (the graph
document and every backward step); :func:`compare_runs` matches the two graphs node by node and
lists what differs.

Matching: both graphs are walked breadth-first from the root, following each node's edges in
``input_index`` order (the order of ``grad_fn.next_functions``). Identical graphs give walks that
pair position by position; to keep one extra node from shifting every pair after it, the two walks
are aligned like a diff of their name sequences (:func:`match_nodes`), so names break ties and
position decides inside a stretch where names differ. Unpaired nodes are reported as "missing".

A pair differs by ``name`` (``grad_fn.name()``), ``shape`` (the node's output shape) or
``gradient`` (the gradients the node received, compared with a tolerance, since the engine's numpy
kernels and torch's need not round alike).
"""

from __future__ import annotations

import math
from collections import deque
from difflib import SequenceMatcher
from dataclasses import dataclass

# Gradients are float32 by default in both backends: differences below this are rounding.
RTOL = 1e-4
ATOL = 1e-6


@dataclass(frozen=True)
class BackendRun:
    """What one run under one backend produced (plain data)."""

    backend: str
    document: dict                 # the kernel's graph document of the root
    steps: list                    # the backward steps (``continue_`` answer's ``steps``)
    output: str = ""
    error: str | None = None


@dataclass(frozen=True)
class Difference:
    """One node pair that differs. ``node_id`` is the engine graph's id (the one on screen when
    the engine run is shown), ``torch_node_id`` torch's."""

    node_id: str | None
    torch_node_id: str | None
    kind: str          # "name", "shape", "gradient", "missing"
    engine: str        # the engine's value, as text
    torch: str         # torch's value, as text

    @property
    def label(self) -> str:
        return {"name": "name", "shape": "shape", "gradient": "gradient", "missing": "node"}[self.kind]


def collect_run(client, script: str, backend: str, filename: str = "<editor>",
                timeout: float | None = None) -> BackendRun:
    """Run ``script`` under ``backend`` with ``client`` (a KernelClient), then fetch the graph of
    its default root and run its whole backward, keeping every step."""
    result = client.run(script, filename, backend, timeout=timeout)
    if not result.ok:
        return BackendRun(backend, {}, [], result.output, result.error.message)
    if not result.default_root:
        return BackendRun(result.backend, {}, [], result.output, "the script made no graph")
    document = client.graph(result.default_root)["document"]
    client.step_start(result.default_root)
    steps = client.continue_()["steps"]
    return BackendRun(result.backend, document, list(steps), result.output)


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


def _received(steps: list) -> dict[str, list]:
    """node id -> the gradients it received (one list per input of the node's forward output)."""
    return {step["node"]: step.get("received") or [] for step in steps}


def _values(grad) -> list[float] | None:
    if grad is None:
        return None
    values = grad.get("values")
    if values is None:
        return None
    flat: list[float] = []

    def add(v) -> None:
        if isinstance(v, (list, tuple)):
            for item in v:
                add(item)
        else:
            flat.append(float(v))

    add(values)
    return flat


def _close(a: list[float], b: list[float]) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if math.isnan(x) and math.isnan(y):
            continue  # NaN in both is agreement, not a difference
        if not (x == y or abs(x - y) <= ATOL + RTOL * abs(y)):
            return False
    return True


def _grad_text(grads: list) -> str:
    parts = []
    for grad in grads:
        if grad is None:
            parts.append("None")
            continue
        values = _values(grad)
        if values is not None and len(values) <= 6:
            parts.append("[" + ", ".join(f"{v:.4g}" for v in values) + "]")
        else:
            parts.append(f"shape {tuple(grad.get('shape', ()))}, norm {grad.get('norm', float('nan')):.4g}")
    return "; ".join(parts) if parts else "(none)"


def _gradients_differ(grads_e: list, grads_t: list) -> bool:
    if len(grads_e) != len(grads_t):
        return True
    for ge, gt in zip(grads_e, grads_t):
        if (ge is None) != (gt is None):
            return True
        if ge is None:
            continue
        if list(ge.get("shape", ())) != list(gt.get("shape", ())):
            return True
        ve, vt = _values(ge), _values(gt)
        if ve is not None and vt is not None:
            if not _close(ve, vt):
                return True
        elif not _close([ge.get("norm", 0.0)], [gt.get("norm", 0.0)]):
            return True  # values too large to send: the norms still tell
    return False


def compare_runs(engine: BackendRun, torch: BackendRun) -> list[Difference]:
    """Every difference between the two runs, in the engine walk's order (empty: they agree)."""
    nodes_e = {n["id"]: n for n in engine.document.get("nodes", [])}
    nodes_t = {n["id"]: n for n in torch.document.get("nodes", [])}
    recv_e, recv_t = _received(engine.steps), _received(torch.steps)
    differences: list[Difference] = []
    for id_e, id_t in match_nodes(engine.document, torch.document):
        if id_e is None or id_t is None:
            present = nodes_e[id_e] if id_e else nodes_t[id_t]
            differences.append(Difference(id_e, id_t, "missing",
                                          present["name"] if id_e else "(absent)",
                                          present["name"] if id_t else "(absent)"))
            continue
        ne, nt = nodes_e[id_e], nodes_t[id_t]
        if ne.get("name") != nt.get("name"):
            differences.append(Difference(id_e, id_t, "name", str(ne.get("name")), str(nt.get("name"))))
        if list(ne.get("shape") or []) != list(nt.get("shape") or []):
            differences.append(Difference(id_e, id_t, "shape", str(tuple(ne.get("shape") or ())),
                                          str(tuple(nt.get("shape") or ()))))
        ge, gt = recv_e.get(id_e), recv_t.get(id_t)
        if (ge is None) != (gt is None) or (ge is not None and _gradients_differ(ge, gt)):
            differences.append(Difference(id_e, id_t, "gradient",
                                          _grad_text(ge) if ge is not None else "(not run)",
                                          _grad_text(gt) if gt is not None else "(not run)"))
    return differences


def badges(differences: list[Difference]) -> dict[str, str]:
    """engine node id -> the badge text ("≠ gradient", "≠ name, shape", ...)."""
    kinds: dict[str, list[str]] = {}
    for diff in differences:
        if diff.node_id is not None and diff.label not in kinds.setdefault(diff.node_id, []):
            kinds[diff.node_id].append(diff.label)
    return {node: "≠ " + ", ".join(labels) for node, labels in kinds.items()}
