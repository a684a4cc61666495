"""What to draw of a big graph: modules collapsed, repetition folded, parameters compacted.

Works on the plain graph a :class:`~gradviz.kernel.replica.GraphReplica` (or a ``GraphModel``)
holds — node attributes ``kind``/``name``/``label``/``module``/``shape`` — and never on engine
objects. :func:`group_graph` returns a :class:`Grouping`: the ``display`` graph to lay out and draw,
``group_of`` (every graph node -> the drawn node standing for it) and ``members`` (every drawn group
-> the graph nodes it stands for). Three steps, in this order:

1. **collapse** (``"none"``, ``"all"``, a depth, or a set of module paths): every node inside a
   collapsed module becomes one node ``module:<path>`` labelled ``blocks.0 · Block``, its
   parameter count and output shape; edges across its boundary are re-routed to it.
2. **compact parameters** (``params="compact"``): an ``AccumulateGrad`` with its leaf (and a
   ``TBackward0`` in front of it, as ``nn.Linear`` makes) becomes a badge on the node that
   consumes it (``badges``), instead of two or three boxes of its own.
3. **fold** (``fold=True``): a chain of drawn nodes whose names repeat with a period of 1 to
   :data:`MAX_BODY` ops (the 20,000 ``MulBackward0`` of a long chain, an unrolled loop body) keeps
   its first and last repetition and folds the ones between into one node ``fold:<first id>``
   labelled ``MulBackward0 × 19,998`` (``body × k`` for a body of several ops). ``expanded`` folds
   show their members a page of :data:`PAGE_NODES` at a time; the members before and after the page
   stay folded (``<fold id>@before`` / ``@after``), so every node stays reachable however big.

Nothing is ever dropped: ``group_of`` covers every node of the graph, and
:meth:`Grouping.node_positions` gives each node its drawn node's position (what the JSON export
writes). The folding here is structural; ``fold.py`` folds a tall *picture* into columns.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import networkx as nx

from .graph_model import shape_text, short_name
from .grouping_folds import (
    MAX_BODY,
    MIN_FOLDED,
    PAGE_NODES,
    block_runs,
    chains,
    page_size,
    page_slice,
    repeats,
)

__all__ = ["AUTO_MAX_VISIBLE", "MAX_BODY", "MIN_FOLDED", "PAGE_NODES", "Grouping", "capped", "collapsed_set",
           "group_graph", "module_classes", "module_depth", "module_paths"]

# A graph with more drawn nodes than this opens collapsed to the deepest module depth that fits.
AUTO_MAX_VISIBLE = 300

MODULE_PREFIX = "module:"
FOLD_PREFIX = "fold:"


@dataclass
class Grouping:
    """The drawn graph and how every node of the full graph maps onto it."""

    graph: nx.DiGraph
    display: nx.DiGraph
    group_of: dict[str, str]
    members: dict[str, list[str]]
    collapsed: frozenset[str]
    folds: list[dict] = field(default_factory=list)
    badges: dict[str, list[dict]] = field(default_factory=dict)
    module_classes: dict[str, str] = field(default_factory=dict)

    def node_positions(self, positions: Mapping) -> dict:
        """``node id -> (x, y)`` for EVERY node of the graph: a grouped node gets its group's."""
        out = {}
        for node, drawn in self.group_of.items():
            where = positions.get(drawn)
            if where is not None:
                out[node] = where
        return out

    def module_records(self, positions: Mapping | None = None) -> list[dict]:
        """``{"path", "class", "parent", "nodes", "collapsed"}`` for every module path in the graph
        (``nodes``: every graph node created inside it, nested modules included)."""
        inside: dict[str, list[str]] = {}
        for node, module in self.graph.nodes(data="module"):
            if module:
                parts = module.split(".")
                for i in range(1, len(parts) + 1):
                    inside.setdefault(".".join(parts[:i]), []).append(node)
        records = []
        for path in sorted(inside):
            parent = path.rpartition(".")[0] if "." in path else None
            drawn = MODULE_PREFIX + path
            record = {
                "path": path,
                "class": self.module_classes.get(path),
                "parent": parent,
                "nodes": inside[path],
                "collapsed": _owner_in(path, self.collapsed) is not None,
            }
            if positions is not None and drawn in positions:
                record["x"], record["y"] = (float(c) for c in positions[drawn])
            records.append(record)
        return records

    def fold_records(self, positions: Mapping | None = None) -> list[dict]:
        """``{"id", "name", "count", "nodes", "expanded"}`` for every folded run."""
        records = []
        for fold in self.folds:
            record = {k: fold[k] for k in ("id", "name", "count", "body", "kind", "nodes", "expanded")}
            if positions is not None and fold["id"] in positions:
                record["x"], record["y"] = (float(c) for c in positions[fold["id"]])
            records.append(record)
        return records

    def fold_of(self, drawn_id: str) -> dict | None:
        """The fold record a drawn fold node (or its ``@before``/``@after`` part) belongs to."""
        base = drawn_id.partition("@")[0]
        return next((f for f in self.folds if f["id"] == base), None)

    def visible_count(self) -> int:
        return self.display.number_of_nodes()

    def fold_page_of(self, node_id: str) -> tuple[str, int] | None:
        """``(fold id, page)`` of the expanded-fold page that shows ``node_id``, if a fold holds it."""
        for fold in self.folds:
            if "unit_of" not in fold:
                inner, members = fold["unit_members"]
                fold["unit_of"] = {n: i for i, d in enumerate(inner) for n in members.get(d, (d,))}
            index = fold["unit_of"].get(node_id)
            if index is not None:
                return fold["id"], index // page_size(fold["units"])
        return None


def capped(display: nx.DiGraph, max_nodes: int | None) -> tuple[nx.DiGraph, int]:
    """At most ``max_nodes`` of ``display`` (the first, nearest the root) and how many were left
    out: the last resort for a graph that neither folds nor collapses small enough (the view says
    how many it left out)."""
    total = display.number_of_nodes()
    if max_nodes is None or total <= max_nodes:
        return display, 0
    keep = list(display.nodes)[:max_nodes]
    return display.subgraph(keep).copy(), total - len(keep)


# ---- choosing what to collapse ---------------------------------------------------------------------
def module_paths(graph: nx.DiGraph) -> list[str]:
    """Every module path present, parents of nested paths included, sorted."""
    found: set[str] = set()
    for _, module in graph.nodes(data="module"):
        if module:
            parts = module.split(".")
            found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return sorted(found)


def module_depth(path: str) -> int:
    """``blocks`` is depth 1, ``blocks.0`` depth 2."""
    return path.count(".") + 1


def collapsed_set(graph: nx.DiGraph, collapse) -> frozenset[str]:
    """The module paths drawn as one node for a ``collapse`` choice.

    ``"none"``/None: none; ``"all"``: every top-level module; an int ``d`` >= 1: every module ``d``
    levels deep (``1`` = ``"all"``; ``2`` = ``blocks.0`` inside an open ``blocks``); a set or list:
    exactly those paths.
    """
    if collapse is None or collapse == "none":
        return frozenset()
    paths = module_paths(graph)
    if collapse == "all":
        collapse = 1
    if isinstance(collapse, int) and not isinstance(collapse, bool):
        if collapse < 1:
            raise ValueError(f"a collapse depth is >= 1, got {collapse}")
        return frozenset(p for p in paths if module_depth(p) == collapse)
    if isinstance(collapse, str):
        raise ValueError(f"collapse is 'none', 'all', 'auto', a depth or a set of paths, got {collapse!r}")
    return frozenset(collapse)


def group_graph(
    graph: nx.DiGraph,
    root_id: str | None = None,
    *,
    collapse="none",
    fold: bool = True,
    params: str = "full",
    expanded: Mapping[str, int] | None = None,
    expanded_params: Iterable[str] = (),
    module_classes: Mapping[str, str] | None = None,
    max_visible: int = AUTO_MAX_VISIBLE,
) -> Grouping:
    """Group ``graph`` for drawing (see the module docstring).

    ``collapse="auto"`` draws everything when at most ``max_visible`` nodes remain after folding and
    compacting, else collapses to the deepest module depth that fits (depth 1 when none does).
    ``expanded``: fold id -> page shown. ``expanded_params``: badge ids (``param:<AccumulateGrad
    id>``) drawn in full. ``module_classes``: module path -> class name (default: the graph's
    ``graph["module_classes"]``).
    """
    if params not in ("full", "compact"):
        raise ValueError(f"params is 'full' or 'compact', got {params!r}")
    classes = dict(module_classes if module_classes is not None else graph.graph.get("module_classes") or {})
    if collapse == "auto":
        options = [frozenset()]
        depths = sorted({module_depth(p) for p in module_paths(graph)}, reverse=True)
        options += [collapsed_set(graph, d) for d in depths]
        result = None
        for option in options:
            result = _group(graph, root_id, option, fold, params, expanded or {}, set(expanded_params), classes)
            if result.visible_count() <= max_visible:
                break
        return result
    return _group(graph, root_id, collapsed_set(graph, collapse), fold, params, expanded or {},
                  set(expanded_params), classes)


# ---- the three steps -------------------------------------------------------------------------------
def _owner_in(module: str, collapsed) -> str | None:
    """The outermost collapsed module containing ``module`` (or equal to it), or None."""
    if not module or not collapsed:
        return None
    parts = module.split(".")
    for i in range(1, len(parts) + 1):
        prefix = ".".join(parts[:i])
        if prefix in collapsed:
            return prefix
    return None


def _is_accumulate(attrs: Mapping) -> bool:
    return attrs.get("kind") == "grad_fn" and str(attrs.get("name", "")).endswith("AccumulateGrad")


def _group(graph, root_id, collapsed, fold, params, expanded, expanded_params, classes) -> Grouping:
    nodes = graph._node  # plain dicts, not networkx's views: this runs on 100,000-node graphs
    succ = graph._succ  # plain dicts: this runs on 100,000-node graphs
    pred = graph._pred
    owner: dict[str, str] = {}
    members: dict[str, list[str]] = {}

    # 1. collapse modules
    if collapsed:
        for node, attrs in nodes.items():
            group = _owner_in(attrs.get("module"), collapsed)
            if group is not None:
                drawn = MODULE_PREFIX + group
                owner[node] = drawn
                members.setdefault(drawn, []).append(node)

    # 2. compact parameters: AccumulateGrad + leaf (+ TBackward0) -> a badge on the consumer
    badges: dict[str, list[dict]] = {}
    in_badge: set[str] = set()
    if params == "compact":
        for node, attrs in nodes.items():
            if node in owner or node == root_id or not _is_accumulate(attrs):
                continue
            leaves = list(succ[node])
            if not all(nodes[leaf].get("kind") == "tensor" and len(pred[leaf]) == 1 for leaf in leaves):
                continue
            badge_id = "param:" + node
            if badge_id in expanded_params:
                continue
            part = [node, *leaves]
            consumers = list(pred[node])
            # nn.Linear's weight reaches its addmm through a transpose: TBackward0 -> AccumulateGrad.
            if len(consumers) == 1 and nodes[consumers[0]].get("name") == "TBackward0" \
                    and len(succ[consumers[0]]) == 1 and len(pred[consumers[0]]) == 1 \
                    and consumers[0] not in owner and consumers[0] != root_id:
                part.insert(0, consumers[0])
                consumers = list(pred[consumers[0]])
            if not consumers:
                continue
            leaf_attrs = nodes[leaves[0]] if leaves else attrs
            host = owner.get(consumers[0], consumers[0])
            badge = {
                "id": badge_id,
                "name": leaf_attrs.get("name") or "parameter",
                "shape": attrs.get("shape"),
                "leaf": leaves[0] if leaves else None,
                "nodes": part,
                "shared": len(consumers) > 1,
            }
            # A weight several ops share (an RNN's, every step) is a badge on each of them, and
            # no edge runs from the other consumers to the first one's box.
            for consumer in consumers:
                listed = badges.setdefault(owner.get(consumer, consumer), [])
                if badge not in listed:
                    listed.append(badge)
            for member in part:
                owner[member] = host
                in_badge.add(member)
            members.setdefault(host, [host] if host in nodes else []).extend(part)

    # The graph of drawn units after steps 1-2 (plain dicts, in the graph's node order).
    if not owner:  # nothing collapsed or compacted: the units are the nodes, their edges the graph's
        order, out_adj, in_adj = list(nodes), succ, pred
    else:
        order = []
        seen: set[str] = set()
        for node in nodes:
            drawn = owner.get(node, node)
            if drawn not in seen:
                seen.add(drawn)
                order.append(drawn)
        out_adj = {d: {} for d in order}
        in_adj = {d: {} for d in order}
        for u, targets in succ.items():
            a = owner.get(u, u)
            for v in targets:
                b = owner.get(v, v)
                if a != b and not (v in in_badge and u not in in_badge):
                    out_adj[a][b] = None
                    in_adj[b][a] = None

    signatures: dict[str, tuple | None] = {}

    def signature(drawn: str) -> tuple | None:
        """What must repeat for a fold: the op's name within one module (a fold never crosses a
        module's boundary, so module boxes stay whole); a collapsed module by its class."""
        known = signatures.get(drawn, False)
        if known is False:
            known = signatures[drawn] = _signature(drawn)
        return known

    def _signature(drawn: str) -> tuple | None:
        if drawn.startswith(MODULE_PREFIX):
            path = drawn[len(MODULE_PREFIX):]
            cls = classes.get(path)
            return (MODULE_PREFIX + cls, path.rpartition(".")[0]) if cls else None
        attrs = nodes[drawn]
        if attrs.get("kind") != "grad_fn" or _is_accumulate(attrs):
            return None
        return attrs.get("name"), attrs.get("module") or ""

    # 3. fold repetition
    folds: list[dict] = []
    fold_owner: dict[str, str] = {}

    def with_private_branches(inner: list[str], period: int) -> tuple[list[str], int]:
        """``inner`` with, after each repetition, the side branches only it uses (an
        AccumulateGrad and its leaf: a weight each step makes), so they fold with it; the units
        per repetition after that. Unchanged when the repetitions' branches differ."""
        inside = set(inner)
        copies: list[list[str]] = []
        for j in range(0, len(inner), period):
            copy = list(inner[j:j + period])
            k = 0
            while k < len(copy):
                for child in out_adj[copy[k]]:
                    if child not in inside and child not in fold_owner and signature(child) is None \
                            and all(p in inside for p in in_adj[child]):
                        inside.add(child)
                        copy.append(child)
                k += 1
            copies.append(copy)
        if len({len(c) for c in copies}) != 1:
            return inner, period
        return [u for c in copies for u in c], len(copies[0])

    def add_fold(inner: list[str], period: int, copies: int, name: str, kind: str) -> None:
        """Fold ``inner`` (the ``copies - 2`` middle repetitions, ``period`` units each)."""
        fold_id = FOLD_PREFIX + inner[0]
        body = period
        inner, period = with_private_branches(inner, period)
        record = {
            "id": fold_id, "name": name, "count": copies - 2, "body": body, "kind": kind,
            "drawn": inner,
            "nodes": [n for d in inner for n in members.get(d, (d,))] if members else list(inner),
            "units": period,
            "unit_members": (inner, members),  # fold_page_of builds its index from these when asked
            "expanded": fold_id in expanded,
        }
        folds.append(record)
        shown = page_slice(inner, period, expanded.get(fold_id)) if record["expanded"] else None
        for i, drawn in enumerate(inner):
            if shown is None:
                fold_owner[drawn] = fold_id
            elif i < shown[0]:
                fold_owner[drawn] = fold_id + "@before"
            elif i >= shown[1]:
                fold_owner[drawn] = fold_id + "@after"
        if shown is not None:
            record["page"] = expanded.get(fold_id) or 0
            record["pages"] = math.ceil(len(inner) / page_size(period))

    if fold:
        for chain in chains(order, out_adj, in_adj, root_id):
            names = [signature(d) for d in chain]
            for start, period, copies in repeats(names):
                body = chain[start:start + period]
                inner = chain[start + period:start + period * (copies - 1)]
                add_fold(inner, period, copies, " → ".join(_display_name(signature(d)) for d in body), "chain")
        # An unrolled recurrence whose steps are not a chain (a GRU): repeated layers of ops.
        for inner, per_copy, copies, layers in block_runs(order, out_adj, in_adj, signature, fold_owner):
            name = " → ".join("+".join(_display_name(s) for s in layer) for layer in layers)
            add_fold(inner, per_copy, copies, name, "block")

    # Build the display graph.
    display = nx.DiGraph(**graph.graph)
    final_members: dict[str, list[str]] = {}
    group_of: dict[str, str] = {}
    for node in nodes:
        drawn = owner.get(node, node)
        group_of[node] = fold_owner.get(drawn, drawn)
    fold_parts: dict[str, list[str]] = {}
    for drawn in order:
        final = fold_owner.get(drawn, drawn)
        if final != drawn:
            fold_parts.setdefault(final, []).append(drawn)
            if final in display:
                continue
        if final in display:
            continue
        if final.startswith(FOLD_PREFIX):
            display.add_node(final)
        elif final.startswith(MODULE_PREFIX):
            display.add_node(final, **_module_attrs(final[len(MODULE_PREFIX):], members[final], nodes, classes))
        else:
            display.add_node(final, **nodes[final])
            if final in badges:
                display.nodes[final]["badges"] = badges[final]
    for final, parts in fold_parts.items():
        display.nodes[final].update(_fold_attrs(final, parts, folds, members, nodes))
    for node, group in group_of.items():
        if group != node:
            final_members.setdefault(group, []).append(node)
    for group, ids in final_members.items():
        if group in nodes:
            ids.insert(0, group)
    for u, targets in succ.items():
        a = group_of[u]
        for v, data in targets.items():
            b = group_of[v]
            if a == b or (v in in_badge and u not in in_badge):
                continue  # inside a group, or into a parameter drawn as a badge on its consumer
            if a == u and b == v:
                display.add_edge(a, b, **data)
            elif not display.has_edge(a, b):
                display.add_edge(a, b, input_index=data.get("input_index", 0), grouped=True,
                                 **({"constant": True} if data.get("constant") else {}))
    return Grouping(graph, display, group_of, final_members, frozenset(collapsed), folds, badges, classes)


def _display_name(signature: tuple | None) -> str:
    name = signature[0] if signature else ""
    if name.startswith(MODULE_PREFIX):
        return name[len(MODULE_PREFIX):]
    return short_name(name)


def _module_attrs(path: str, ids: list[str], nodes, classes) -> dict:
    cls = classes.get(path)
    params = 0
    for node in ids:
        attrs = nodes[node]
        if attrs.get("kind") == "tensor" and attrs.get("shape") is not None:
            params += math.prod(attrs["shape"])
    # The member found first walking from the root is the module's output.
    out_shape = next((nodes[n].get("shape") for n in ids if nodes[n].get("kind") == "grad_fn"), None)
    title = f"{path} · {cls}" if cls else path
    counts = f"{params:,} params" if params else f"{len(ids):,} nodes"
    sub = f"{counts} · {shape_text(out_shape)}" if out_shape is not None else counts
    return {
        "kind": "module", "name": path, "label": f"{title}\n{sub}", "class": cls, "shape": out_shape,
        "dtype": None, "module": path.rpartition(".")[0] if "." in path else "", "source": None,
        "obj": None, "members": ids, "count": len(ids), "params": params,
    }


def _fold_attrs(final: str, parts: list[str], folds: list[dict], members, nodes) -> dict:
    base, _, side = final.partition("@")
    record = next(f for f in folds if f["id"] == base)
    period = record["units"]
    copies = len(parts) // period
    ids = [n for d in parts for n in members.get(d, [d])]
    where = {"before": " (before the page)", "after": " (after the page)"}.get(side, "")
    first = parts[0]
    shape = nodes[first].get("shape") if first in nodes else None
    module = nodes[first].get("module", "") if first in nodes else ""
    name = record["name"]
    if record.get("kind") == "block":  # "14-op block × 14", its first layers' ops below
        ops = [re.sub(r"Backward\d+$", "", op) for op in name.split(" → ")]
        title = f"{record['body']}-op block × {copies:,}"
        where = f" · {' → '.join(ops[:3])}{' …' if len(ops) > 3 else ''}" + where
    elif period == 1:
        title = f"{name} × {copies:,}"
    else:  # "[Tanh → Add → Mul] × 10": the body's ops without their "Backward0", so it fits a box
        title = "[" + " → ".join(re.sub(r"Backward\d+$", "", op) for op in name.split(" → ")) + f"] × {copies:,}"
    sub = f"{len(ids):,} nodes folded{where}"
    return {
        "kind": "fold", "name": name, "label": f"{title}\n{sub}", "shape": shape, "dtype": None,
        "module": module, "source": None, "obj": None, "members": ids, "count": copies,
        "fold": base, "body": period,
    }


# ---- module classes (read where the script ran: the kernel) ---------------------------------------
def module_classes(namespace: Mapping, paths: Iterable[str], by_variable: bool = False) -> dict[str, str]:
    """``module path -> class name`` for the ``paths`` a graph mentions, read from the script's
    ``nn.Module`` variables (duck-typed: anything with ``named_modules``).

    The engine names a module by its path under the module the script called (``blocks.0``);
    the torch backend starts with the variable (``model.blocks.0``): ``by_variable`` says which.
    """
    wanted = set(paths)
    found: dict[str, str] = {}
    for var, value in namespace.items():
        named = getattr(value, "named_modules", None)
        if var.startswith("__") or isinstance(value, type) or not callable(named) or not wanted - found.keys():
            continue
        try:
            for name, module in named():
                path = (f"{var}.{name}" if name else var) if by_variable else name
                if path in wanted and path not in found:
                    found[path] = type(module).__name__
        except Exception:  # noqa: BLE001 - a user object with an odd named_modules
            continue
    return found
