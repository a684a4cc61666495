"""What the drawn graph groups, as Workspace state: collapsed modules, folded repeats, compact
parameters and the folds/parameters opened again (gradviz/model/grouping.py does the grouping).

Mixed into :class:`~gradviz.model.workspace_graph.GraphPart`: every change here updates the state
and lays the graph out again (a graph job, which calls :func:`~gradviz.model.grouping.group_graph`
with a snapshot of this state). ``grouping_options_changed(fold_repeats, compact_params)`` fires
when one of the two remembered choices changed (the Qt layer stores them in QSettings and ticks its
View-menu actions).
"""

from __future__ import annotations

from psygnal import Signal

from .grouping import AUTO_MAX_VISIBLE, MODULE_PREFIX, group_graph


def top_modules(replica) -> list[str]:
    """The outermost module paths (what Collapse all collapses to)."""
    return sorted({m.split(".")[0] for m in replica.modules()})


class GroupingPart:
    grouping_options_changed = Signal(bool, bool)

    def __init__(self) -> None:
        self.collapsed: set[str] = set()
        self.fold_repeats = True
        self.compact_params = False
        self.expanded_folds: dict[str, int] = {}  # fold id -> page drawn
        self.expanded_params: set[str] = set()  # badge ids drawn in full again

    @property
    def grouping(self):
        """The :class:`~gradviz.model.grouping.Grouping` on screen (None before a graph)."""
        drawn = self.drawn
        return drawn.grouping if drawn is not None else None

    def _reset_grouping_for_new_graph(self) -> None:
        self.collapsed = set()
        self.expanded_folds, self.expanded_params = {}, set()

    def _grouping_snapshot(self, auto: bool) -> dict:
        """The state a graph job groups with (copied: the job runs on another thread)."""
        return {"collapse": "auto" if auto else set(self.collapsed), "fold": self.fold_repeats,
                "params": "compact" if self.compact_params else "full",
                "expanded": dict(self.expanded_folds), "expanded_params": set(self.expanded_params)}

    @staticmethod
    def _group(replica, snapshot: dict):
        return group_graph(replica.graph, replica.root_id, **snapshot)

    # ---- the two remembered choices -------------------------------------------------------------
    def set_grouping_options(self, fold_repeats: bool | None = None, compact_params: bool | None = None) -> None:
        """Set the choices without a relayout (the window's start-up values)."""
        if fold_repeats is not None:
            self.fold_repeats = bool(fold_repeats)
        if compact_params is not None:
            self.compact_params = bool(compact_params)

    def set_fold(self, on: bool):
        """Draw runs of repeated ops as one node (or not)."""
        self.fold_repeats = bool(on)
        self.grouping_options_changed.emit(self.fold_repeats, self.compact_params)
        return self.relayout()

    def set_compact_params(self, on: bool):
        """Parameters as badges on the ops that use them (or drawn in full)."""
        self.compact_params = bool(on)
        self.expanded_params = set()
        self.grouping_options_changed.emit(self.fold_repeats, self.compact_params)
        return self.relayout()

    # ---- modules --------------------------------------------------------------------------------
    def collapse_module(self, path: str):
        self.collapsed = set(self.collapsed) | {path}
        return self.relayout()

    def expand_module(self, path: str):
        collapsed = set(self.collapsed) - {path}
        # A big module opens with its direct children collapsed (never thousands of boxes at once).
        grouping, replica = self.grouping, self.replica
        members = grouping.members.get(MODULE_PREFIX + path, ()) if grouping is not None else ()
        if replica is not None and len(members) > AUTO_MAX_VISIBLE:
            collapsed |= {m for m in replica.modules() if m.rpartition(".")[0] == path}
        self.collapsed = collapsed
        return self.relayout()

    def expand_all(self):
        self.collapsed = set()
        return self.relayout()

    def collapse_all(self):
        if self.replica is None:
            return None
        self.collapsed = set(top_modules(self.replica))
        return self.relayout()

    def collapse_to_depth(self, depth: int):
        """Draw every module ``depth`` levels deep as one node (1 = the top-level modules)."""
        if self.replica is None:
            return None
        self.collapsed = {m for m in self.replica.modules() if m.count(".") + 1 == depth}
        return self.relayout()

    # ---- folds and parameters -------------------------------------------------------------------
    def expand_fold(self, drawn_id: str):
        """Show a folded run's members a page at a time (its "@before"/"@after" parts turn the page)."""
        fold_id, _, side = drawn_id.partition("@")
        page = self.expanded_folds.get(fold_id, 0)
        folds = dict(self.expanded_folds)
        folds[fold_id] = page - 1 if side == "before" else page + 1 if side == "after" else 0
        self.expanded_folds = folds
        return self.relayout()

    def collapse_fold(self, fold_id: str):
        folds = dict(self.expanded_folds)
        folds.pop(fold_id.partition("@")[0], None)
        self.expanded_folds = folds
        return self.relayout()

    def expand_param(self, badge_id: str):
        """Draw one compact parameter in full again (its AccumulateGrad and leaf)."""
        self.expanded_params = set(self.expanded_params) | {badge_id}
        return self.relayout()

    def expand_drawn(self, drawn_id: str):
        """Expand a collapsed module, a fold, or a parameter badge (``param:...``) by its id."""
        if drawn_id.startswith("param:"):
            return self.expand_param(drawn_id)
        if drawn_id.startswith(MODULE_PREFIX):
            return self.expand_module(drawn_id[len(MODULE_PREFIX):])
        if drawn_id.startswith("fold:"):
            return self.expand_fold(drawn_id)
        return None

    def reveal_node(self, node_id: str) -> bool:
        """Open the collapsed module or fold that hides ``node_id`` (a breakpoint stopped in it);
        False when it is drawn as itself already."""
        grouping, replica = self.grouping, self.replica
        if grouping is None or replica is None or node_id not in replica.graph:
            return False
        if grouping.group_of.get(node_id, node_id) == node_id:
            return False
        page = grouping.fold_page_of(node_id)
        if page is not None:
            self.expanded_folds = {**self.expanded_folds, page[0]: page[1]}
        else:
            module = replica.graph.nodes[node_id].get("module") or ""
            self.collapsed = {p for p in self.collapsed if not (module == p or module.startswith(p + "."))}
        self.relayout()
        return True
