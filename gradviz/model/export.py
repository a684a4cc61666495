"""Write a graph model out as data: gradviz's JSON document and Graphviz DOT text.

Both writers read only the :class:`~gradviz.model.graph_model.GraphModel` contract (a networkx
``DiGraph`` with ``kind``/``name``/``label``/``shape``/``module``/``source``/``obj`` node attributes
and ``input_index`` edge attributes) and, optionally, a stepper for the gradients of a partly or fully
run backward. Nothing here imports Qt: ``gradviz export x.py -o g.json`` works without a display.

The JSON schema is documented in README.md ("Graph JSON format"); :func:`validate_graph_json`
checks a document against it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

JSON_FORMAT = "gradviz-graph"
JSON_VERSION = 1

NODE_KINDS = ("grad_fn", "tensor", "constant")

# Tensors with at most this many elements are written out in full in "steps"; larger ones are
# summarised (shape, norm, min, max, first values) so a step log of a big model stays small.
FULL_VALUES_LIMIT = 64
FIRST_VALUES = 8


# ---- numbers --------------------------------------------------------------------------------------
def _json_number(value: float | int | bool) -> float | int | bool | str:
    """A JSON-safe scalar: JSON has no NaN or infinity, so those become the strings JavaScript uses."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def _json_array(array: np.ndarray) -> Any:
    """A numpy array as nested lists of JSON-safe numbers (a bare number for 0-d arrays)."""
    if array.dtype.kind == "f" and np.isfinite(array).all():
        return array.tolist()  # fast path: plain floats are valid JSON
    if array.ndim == 0:
        return _json_number(array.item())
    return [_json_array(sub) for sub in array]


def _data_of(tensor) -> np.ndarray:
    """The numpy array behind an engine tensor (or anything array-like)."""
    data = getattr(tensor, "_data", None)
    return np.asarray(tensor if data is None else data)


def tensor_summary(tensor) -> dict | None:
    """Describe a gradient for the "steps" log: all values when small, statistics when large.

    Always: ``shape``; numeric tensors also get ``norm``, ``min`` and ``max`` (over finite values
    when some are NaN/inf); then ``values`` (nested lists) when the tensor has at most
    :data:`FULL_VALUES_LIMIT` elements, otherwise ``first`` (the first :data:`FIRST_VALUES` values in
    row-major order).
    """
    if tensor is None:
        return None
    data = _data_of(tensor)
    summary: dict[str, Any] = {"shape": list(data.shape)}
    if data.size and data.dtype.kind in "fiub":
        as_float = data.astype(np.float64, copy=False)
        finite = as_float[np.isfinite(as_float)]
        summary["norm"] = _json_number(float(np.sqrt(np.sum(as_float * as_float))))
        summary["min"] = _json_number(float(finite.min())) if finite.size else None
        summary["max"] = _json_number(float(finite.max())) if finite.size else None
    if data.size <= FULL_VALUES_LIMIT:
        summary["values"] = _json_array(data)
    else:
        summary["first"] = _json_array(data.reshape(-1)[:FIRST_VALUES])
    return summary


# ---- JSON -----------------------------------------------------------------------------------------
def _source_text(source) -> str | None:
    """``("file.py", 12)`` -> ``"file.py:12"``."""
    if not source:
        return None
    filename, line = source
    return f"{filename}:{line}"


def _shape_list(shape) -> list[int] | None:
    return None if shape is None else [int(s) for s in shape]


def _position(positions: Mapping | None, node_id: str) -> tuple[float | None, float | None]:
    if not positions or node_id not in positions:
        return None, None
    x, y = positions[node_id]
    return _json_number(float(x)), _json_number(float(y))


def _leaf_tensors(model) -> list[tuple[str, Any]]:
    """(node id, tensor) of every leaf-tensor node, in graph order."""
    return [
        (node_id, attrs.get("obj"))
        for node_id, attrs in model.graph.nodes(data=True)
        if attrs.get("kind") == "tensor"
    ]


def graph_edges(model) -> list[tuple[str, str, dict]]:
    """Every edge as ``(source, target, attributes)``, including repeated inputs.

    The model's DiGraph keeps one edge per node pair, so ``x * x`` (both inputs from one node) would
    lose an edge; the engine's ``next_functions`` keep both, so grad_fn edges are read from them.
    Edges the engine cannot tell us about (AccumulateGrad -> leaf, constants) come from the graph.
    """
    graph = model.graph
    edges: list[tuple[str, str, dict]] = []
    from_engine: set[tuple[str, str]] = set()
    for node_id, attrs in graph.nodes(data=True):
        obj = attrs.get("obj")
        if attrs.get("kind") != "grad_fn" or obj is None or not hasattr(obj, "next_functions"):
            continue
        for index, (child, _output_nr) in enumerate(obj.next_functions):
            child_id = model.id_of(child) if child is not None else None
            if child_id is None or not graph.has_edge(node_id, child_id):
                continue  # no gradient flows, or the child was cut off (max_nodes)
            edges.append((node_id, child_id, {"input_index": index}))
            from_engine.add((node_id, child_id))
    for u, v, attrs in graph.edges(data=True):
        if (u, v) not in from_engine:
            edges.append((u, v, {k: val for k, val in attrs.items() if k in ("input_index", "constant")}))
    return edges


def _executed_steps(stepper) -> list:
    """The steps the stepper has run up to its current position (stepping back undoes steps)."""
    history = list(getattr(stepper, "history", []))
    position = getattr(stepper, "position", len(history) - 1)
    return history[: position + 1]


def _step_record(model, step) -> dict:
    node_id = model.id_of(step.node)
    if node_id is None and getattr(step.node, "variable", None) is not None:
        # A leaf tensor as the root: its graph is the tensor alone, without an AccumulateGrad node.
        node_id = model.id_of(step.node.variable)
    record: dict[str, Any] = {
        "index": int(step.index),
        "node": node_id,
        "name": step.node.name(),
        "received": [tensor_summary(g) for g in step.received],
        "sent": [tensor_summary(g) for g in step.sent],
    }
    if getattr(step, "leaf", None) is not None:
        record["leaf"] = model.id_of(step.leaf)
    return record


def to_json(model, positions: Mapping | None, stepper=None, *, root_name: str | None = None) -> dict:
    """The graph as a ``gradviz-graph`` JSON document (a dict ready for ``json.dump``).

    ``positions``: node id -> (x, y) from the layout (``x``/``y`` are null without them).
    ``stepper``: when given, ``steps`` lists the backward steps run so far and each leaf's ``grad``
    is its gradient as of the stepper's position; without a stepper ``steps`` is empty and ``grad``
    is the tensor's own ``.grad`` (set when the script itself called backward), or null.
    ``root_name``: the variable name of the root tensor (defaults to the root node's name).
    """
    graph = model.graph
    nodes = []
    for node_id, attrs in graph.nodes(data=True):
        x, y = _position(positions, node_id)
        nodes.append(
            {
                "id": str(node_id),
                "kind": attrs.get("kind"),
                "name": attrs.get("name"),
                "label": attrs.get("label", attrs.get("name")),
                "shape": _shape_list(attrs.get("shape")),
                "module": attrs.get("module") or "",
                "source": _source_text(attrs.get("source")),
                "x": x,
                "y": y,
            }
        )
    edges = []
    for u, v, attrs in graph_edges(model):
        edge = {"source": str(u), "target": str(v), "input_index": int(attrs.get("input_index", 0))}
        if attrs.get("constant"):
            edge["constant"] = True  # the input needs no gradient; nothing flows along it
        edges.append(edge)

    leaves: dict[str, dict] = {}
    for node_id, tensor in _leaf_tensors(model):
        name = graph.nodes[node_id].get("name") or str(node_id)
        if name in leaves:  # two leaves with one label (e.g. unnamed): keep both, keyed apart
            name = f"{name}#{node_id}"
        if stepper is not None:
            grad = stepper.leaf_grad(tensor)
        else:
            grad = getattr(tensor, "_grad", None) if tensor is not None else None
        shape = graph.nodes[node_id].get("shape")
        if shape is None and tensor is not None:
            shape = tuple(_data_of(tensor).shape)
        leaves[name] = {
            "id": str(node_id),
            "shape": _shape_list(shape),
            "grad": None if grad is None else _json_array(_data_of(grad)),
        }

    steps = [_step_record(model, s) for s in _executed_steps(stepper)] if stepper is not None else []
    if root_name is None:
        root_name = graph.nodes[model.root_id].get("name") if model.root_id in graph else None
    return {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "root": root_name,
        "root_id": str(model.root_id),
        "nodes": nodes,
        "edges": edges,
        "leaves": leaves,
        "steps": steps,
    }


def validate_graph_json(doc: Any) -> list[str]:
    """Check a document against the ``gradviz-graph`` v1 schema; returns the problems found ([] = valid)."""
    problems: list[str] = []

    def need(cond: bool, message: str) -> bool:
        if not cond:
            problems.append(message)
        return cond

    def is_number(v) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool) or v in ("NaN", "Infinity", "-Infinity")

    if not need(isinstance(doc, dict), "document is not an object"):
        return problems
    need(doc.get("format") == JSON_FORMAT, f"format is {doc.get('format')!r}, expected {JSON_FORMAT!r}")
    need(doc.get("version") == JSON_VERSION, f"version is {doc.get('version')!r}, expected {JSON_VERSION}")
    need(doc.get("root") is None or isinstance(doc.get("root"), str), "root is not a string or null")
    for key, kind in (("nodes", list), ("edges", list), ("leaves", dict), ("steps", list)):
        need(isinstance(doc.get(key), kind), f"{key} is not a {kind.__name__}")
    if problems:
        return problems

    ids = set()
    for i, node in enumerate(doc["nodes"]):
        where = f"nodes[{i}]"
        if not need(isinstance(node, dict), f"{where} is not an object"):
            continue
        missing = {"id", "kind", "name", "label", "shape", "module", "source", "x", "y"} - node.keys()
        need(not missing, f"{where} lacks {sorted(missing)}")
        need(isinstance(node.get("id"), str), f"{where}.id is not a string")
        need(node.get("id") not in ids, f"{where}.id {node.get('id')!r} is repeated")
        ids.add(node.get("id"))
        need(node.get("kind") in NODE_KINDS, f"{where}.kind {node.get('kind')!r} is not one of {NODE_KINDS}")
        need(isinstance(node.get("name"), str), f"{where}.name is not a string")
        need(isinstance(node.get("label"), str), f"{where}.label is not a string")
        shape = node.get("shape")
        need(
            shape is None or isinstance(shape, list) and all(isinstance(s, int) for s in shape),
            f"{where}.shape is not a list of ints or null",
        )
        need(isinstance(node.get("module"), str), f"{where}.module is not a string")
        source = node.get("source")
        need(
            source is None or isinstance(source, str) and source.rpartition(":")[2].isdigit(),
            f"{where}.source {source!r} is not 'file:line' or null",
        )
        for axis in ("x", "y"):
            need(node.get(axis) is None or is_number(node.get(axis)), f"{where}.{axis} is not a number or null")

    if "root_id" in doc:
        need(doc["root_id"] in ids, f"root_id {doc['root_id']!r} is not a node")
    for i, edge in enumerate(doc["edges"]):
        where = f"edges[{i}]"
        if not need(isinstance(edge, dict), f"{where} is not an object"):
            continue
        need(edge.get("source") in ids, f"{where}.source {edge.get('source')!r} is not a node")
        need(edge.get("target") in ids, f"{where}.target {edge.get('target')!r} is not a node")
        index = edge.get("input_index")
        need(isinstance(index, int) and not isinstance(index, bool) and index >= 0,
             f"{where}.input_index is not a non-negative int")

    for name, leaf in doc["leaves"].items():
        where = f"leaves[{name!r}]"
        if not need(isinstance(leaf, dict), f"{where} is not an object"):
            continue
        need("shape" in leaf and "grad" in leaf, f"{where} lacks shape or grad")
        grad = leaf.get("grad")
        if grad is not None and leaf.get("shape") is not None:
            need(list(np.shape(grad)) == leaf["shape"], f"{where}.grad does not have the leaf's shape")

    for i, step in enumerate(doc["steps"]):
        where = f"steps[{i}]"
        if not need(isinstance(step, dict), f"{where} is not an object"):
            continue
        need(step.get("node") in ids, f"{where}.node {step.get('node')!r} is not a node")
        for key in ("received", "sent"):
            grads = step.get(key)
            if need(isinstance(grads, list), f"{where}.{key} is not a list"):
                for j, g in enumerate(grads):
                    need(g is None or isinstance(g, dict) and isinstance(g.get("shape"), list),
                         f"{where}.{key}[{j}] is not a summary or null")
    return problems


# ---- DOT ------------------------------------------------------------------------------------------
def dot_quote(text: str) -> str:
    """``text`` as a DOT double-quoted string whose label shows exactly ``text``.

    Inside quotes DOT only knows ``\\"``; labels additionally read backslash escapes (``\\n``,
    ``\\l``, ``\\N`` ...), so a literal backslash is doubled and a real newline becomes ``\\n``.
    """
    text = str(text).replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return f'"{text}"'


# Node styles by kind: grad_fn boxes, AccumulateGrad in blue, leaf tensors as green ellipses.
_DOT_STYLES = {
    "grad_fn": {"shape": "box", "style": "filled", "fillcolor": "#e8e8e8"},
    "accumulate": {"shape": "box", "style": "filled", "fillcolor": "#cfe2ff"},
    "tensor": {"shape": "ellipse", "style": "filled", "fillcolor": "#d3f2d3"},
    "constant": {"shape": "ellipse", "style": "dashed"},
}

# Layout units are node slots; DOT positions are in points (1/72 inch).
_POINTS_PER_UNIT = 72.0


def _dot_attrs(attrs: Mapping[str, Any]) -> str:
    return ", ".join(f"{key}={dot_quote(value)}" for key, value in attrs.items())


def to_dot(model, positions: Mapping | None = None, edges: list | None = None) -> str:
    """The graph as Graphviz DOT text (``dot -Tsvg`` lays it out with the root at the top).

    Every id and label is quoted. With ``positions`` each node also gets ``pos`` (in points, y up as
    Graphviz expects), so ``neato -n`` reproduces gradviz's own layout. ``edges``: every edge as
    ``(source, target, attributes)`` when the model cannot list repeated ones itself (a graph
    received from the kernel holds no engine nodes); default :func:`graph_edges`.
    """
    graph = model.graph
    lines = [
        "digraph gradviz {",
        '  graph [rankdir="TB", fontname="Helvetica"];',
        '  node [fontname="Helvetica", fontsize="11"];',
        '  edge [arrowsize="0.7"];',
    ]
    for node_id, attrs in graph.nodes(data=True):
        kind = attrs.get("kind", "grad_fn")
        # PyTorch names it "torch::autograd::AccumulateGrad"
        is_accumulate = kind == "grad_fn" and str(attrs.get("name", "")).endswith("AccumulateGrad")
        style_key = "accumulate" if is_accumulate else kind
        node_attrs: dict[str, Any] = {"label": attrs.get("label") or attrs.get("name") or str(node_id)}
        node_attrs.update(_DOT_STYLES.get(style_key, {}))
        source = _source_text(attrs.get("source"))
        tooltip = attrs.get("name") or ""
        if source:
            tooltip = f"{tooltip} ({source})"
        if tooltip:
            node_attrs["tooltip"] = tooltip
        if positions and node_id in positions:
            x, y = positions[node_id]
            # gradviz's y grows downwards (screen); Graphviz's grows upwards.
            node_attrs["pos"] = f"{float(x) * _POINTS_PER_UNIT:.2f},{-float(y) * _POINTS_PER_UNIT:.2f}"
        lines.append(f"  {dot_quote(node_id)} [{_dot_attrs(node_attrs)}];")
    for u, v, attrs in graph_edges(model) if edges is None else edges:
        edge_attrs: dict[str, Any] = {"input_index": attrs.get("input_index", 0)}
        if attrs.get("constant"):
            edge_attrs["style"] = "dashed"
        lines.append(f"  {dot_quote(u)} -> {dot_quote(v)} [{_dot_attrs(edge_attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
