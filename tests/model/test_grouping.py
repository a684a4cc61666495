"""Collapsed modules, folded repetition and compact parameters (gradviz/model/grouping.py)."""

import networkx as nx
import pytest

import engine as torch
from gradviz.export_job import grouped_document
from gradviz.kernel.graph_builder import GraphModel, attach_variable_names, tensor_names
from gradviz.model.export import to_json, validate_graph_json
from gradviz.model.grouping import (
    AUTO_MAX_VISIBLE,
    PAGE_NODES,
    capped,
    collapsed_set,
    group_graph,
    module_classes,
)
from gradviz.model.layout import compute_layout

nn = torch.nn


class Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.fc = nn.Linear(d, d)

    def forward(self, x):
        return x + torch.tanh(self.fc(x))


class Net(nn.Module):
    def __init__(self, blocks=3):
        super().__init__()
        self.inp = nn.Linear(4, 8)
        self.blocks = nn.Sequential(*[Block(8) for _ in range(blocks)])
        self.out = nn.Linear(8, 3)

    def forward(self, x):
        return self.out(self.blocks(self.inp(x)))


def model_graph(namespace: dict, root) -> GraphModel:
    """The graph as the kernel sends it: names, variable labels and module classes."""
    model = GraphModel.from_root(root, tensor_names(namespace))
    attach_variable_names(model, {k: v for k, v in namespace.items() if isinstance(v, torch.Tensor)})
    model.graph.graph["module_classes"] = module_classes(namespace, model.modules())
    return model


@pytest.fixture
def mlp():
    torch.manual_seed(0)
    model = Net()
    loss = model(torch.randn(5, 4)).pow(2).mean()
    return model_graph({"model": model, "loss": loss}, loss)


def chain(n: int):
    x = torch.ones(3, requires_grad=True)
    y = x
    for _ in range(n):
        y = y * 1.0001
    loss = y.sum()
    return model_graph({"x": x, "loss": loss}, loss)


def check_covers_every_node(grouping, graph):
    """Nothing dropped: every node maps to a drawn node; groups list exactly their members."""
    assert set(grouping.group_of) == set(graph.nodes)
    assert set(grouping.group_of.values()) <= set(grouping.display.nodes)
    for group, ids in grouping.members.items():
        assert all(grouping.group_of[n] == group for n in ids)
    for node, drawn in grouping.group_of.items():
        assert drawn == node or node in grouping.members[drawn]


# ---- collapse by module ------------------------------------------------------------------------------
def test_module_classes_are_read_from_the_script_modules(mlp):
    classes = mlp.graph.graph["module_classes"]
    assert classes["blocks"] == "Sequential" and classes["blocks.1"] == "Block" and classes["out"] == "Linear"


def test_collapse_all_draws_top_modules_with_class_params_and_shape(mlp):
    grouping = group_graph(mlp.graph, mlp.root_id, collapse="all", fold=False)
    modules = {n: d for n, d in grouping.display.nodes(data=True) if d["kind"] == "module"}
    assert set(modules) == {"module:inp", "module:blocks", "module:out"}
    # 3 blocks x (8x8 weight + 8 bias) = 216 parameters; the blocks' output is 5x8
    assert modules["module:blocks"]["label"] == "blocks · Sequential\n216 params · 5×8"
    assert modules["module:out"]["label"] == "out · Linear\n27 params · 5×3"
    # Edges re-routed: the output layer's module node feeds the blocks' module node, which feeds inp.
    assert grouping.display.has_edge("module:out", "module:blocks")
    assert grouping.display.has_edge("module:blocks", "module:inp")
    assert nx.is_directed_acyclic_graph(grouping.display)
    check_covers_every_node(grouping, mlp.graph)


def test_collapse_depth_two_shows_blocks_inside_an_open_sequential(mlp):
    grouping = group_graph(mlp.graph, mlp.root_id, collapse=2, fold=False)
    labels = sorted(d["label"].split("\n")[0] for _, d in grouping.display.nodes(data=True) if d["kind"] == "module")
    assert labels == ["blocks.0 · Block", "blocks.1 · Block", "blocks.2 · Block"]
    # The collapsed blocks sit inside the open `blocks` box (their module attribute is the parent).
    assert grouping.display.nodes["module:blocks.0"]["module"] == "blocks"
    assert grouping.collapsed == collapsed_set(mlp.graph, 2)
    assert group_graph(mlp.graph, mlp.root_id, collapse="none", fold=False).visible_count() == len(mlp.graph)
    exact = group_graph(mlp.graph, mlp.root_id, collapse={"blocks.1"}, fold=False)
    assert [n for n, d in exact.display.nodes(data=True) if d["kind"] == "module"] == ["module:blocks.1"]


def test_auto_collapse_picks_the_deepest_depth_that_fits():
    torch.manual_seed(0)
    model = Net(blocks=120)  # ~1,450 nodes: too many to draw open
    loss = model(torch.randn(5, 4)).sum()
    graph = model_graph({"model": model, "loss": loss}, loss)
    assert len(graph.graph) > AUTO_MAX_VISIBLE
    grouping = group_graph(graph.graph, graph.root_id, collapse="auto", fold=False)
    assert grouping.visible_count() <= AUTO_MAX_VISIBLE
    # depth 3 (each block's Linear as one node) still draws 3 nodes a block; depth 2 (the blocks) fits.
    assert group_graph(graph.graph, graph.root_id, collapse=3, fold=False).visible_count() > AUTO_MAX_VISIBLE
    assert grouping.collapsed == collapsed_set(graph.graph, 2)
    small = group_graph(chain(10).graph, "n0", collapse="auto")
    assert small.collapsed == frozenset()


def test_collapsed_blocks_of_one_class_fold():
    torch.manual_seed(0)
    model = Net(blocks=12)
    loss = model(torch.randn(5, 4)).sum()
    graph = model_graph({"model": model, "loss": loss}, loss)
    grouping = group_graph(graph.graph, graph.root_id, collapse=2, fold=True)
    (fold,) = grouping.folds
    assert fold["name"] == "Block" and fold["count"] == 10
    labels = [d["label"].split("\n")[0] for _, d in grouping.display.nodes(data=True)]
    assert "Block × 10" in labels and "blocks.11 · Block" in labels and "blocks.0 · Block" in labels
    check_covers_every_node(grouping, graph.graph)


# ---- fold repetition ------------------------------------------------------------------------------
def test_a_20000_op_chain_folds_into_one_node_between_its_first_and_last_op():
    model = chain(20_000)
    grouping = group_graph(model.graph, model.root_id)
    (fold,) = grouping.folds
    assert fold["name"] == "MulBackward0" and fold["count"] == 19_998 and len(fold["nodes"]) == 19_998
    label = grouping.display.nodes[fold["id"]]["label"]
    assert label.split("\n")[0] == "MulBackward0 × 19,998"
    # Sum, the first and last Mul, the fold, AccumulateGrad and x
    assert grouping.visible_count() == 6
    check_covers_every_node(grouping, model.graph)
    assert nx.is_directed_acyclic_graph(grouping.display)
    assert group_graph(model.graph, model.root_id, fold=False).visible_count() == len(model.graph)


def test_a_repeated_three_op_body_folds_as_body_times_k():
    x = torch.ones(3, requires_grad=True)
    h = x
    for _ in range(12):
        h = torch.tanh(h * 0.9 + 0.1)
    loss = h.sum()
    model = model_graph({"x": x, "loss": loss}, loss)
    grouping = group_graph(model.graph, model.root_id)
    (fold,) = grouping.folds
    assert fold["name"] == "TanhBackward0 → AddBackward0 → MulBackward0"
    assert fold["body"] == 3 and fold["count"] == 10 and len(fold["nodes"]) == 30
    assert grouping.display.nodes[fold["id"]]["label"].split("\n")[0] == "[Tanh → Add → Mul] × 10"
    # the first and the last repetition stay drawn: Sum + 3 + fold + 3 + AccumulateGrad + x
    assert grouping.visible_count() == 10
    check_covers_every_node(grouping, model.graph)


@pytest.mark.parametrize("params", ["full", "compact"])
def test_a_gru_over_16_steps_folds_its_middle_steps_as_one_block(params):
    torch.manual_seed(0)
    gru = nn.GRU(8, 16)
    out, _ = gru(torch.randn(16, 1, 8))
    loss = out.sum()
    model = model_graph({"gru": gru, "loss": loss}, loss)
    grouping = group_graph(model.graph, model.root_id, params=params)
    (fold,) = grouping.folds
    # Every step's output also feeds the StackBackward0: not a chain, a repeated block of 14 ops
    # (the 15 steps after the first cut at the stack; the first and last stay drawn).
    assert fold["kind"] == "block" and fold["body"] == 14 and fold["count"] == 13
    assert len(fold["nodes"]) == 13 * 14
    names = {model.graph.nodes[n]["name"] for n in fold["nodes"]}
    assert {"AddmmBackward0", "SigmoidBackward0", "TanhBackward0", "UnsafeSplitBackward0"} <= names
    assert grouping.display.nodes[fold["id"]]["label"].startswith("14-op block × 13\n")
    assert grouping.visible_count() < len(model.graph) / 3
    assert nx.is_directed_acyclic_graph(grouping.display)
    check_covers_every_node(grouping, model.graph)


def test_short_runs_and_fan_out_do_not_fold():
    x = torch.ones(3, requires_grad=True)
    mid = x
    for _ in range(4):
        mid = mid * 1.5
    y = mid
    for _ in range(4):
        y = y * 1.5
    loss = y.sum() + mid.sum()  # mid is used twice: the run of 8 Muls is two chains of 4
    model = model_graph({"x": x, "loss": loss}, loss)
    assert group_graph(model.graph, model.root_id).folds == []
    y = mid
    for _ in range(4):
        y = y * 1.5
    loss = y.sum()  # now 8 in a row: they fold
    model = model_graph({"x": x, "loss": loss}, loss)
    assert [f["count"] for f in group_graph(model.graph, model.root_id).folds] == [6]


def test_a_fold_never_crosses_a_module_boundary():
    from engine._state import STATE

    h = torch.ones(2, requires_grad=True)
    for block in range(2):
        STATE.module_path = f"layer{block}"
        for _ in range(30):
            h = h * 1.01
    STATE.module_path = ""
    loss = h.sum()
    model = model_graph({"loss": loss}, loss)
    grouping = group_graph(model.graph, model.root_id)
    assert sorted(f["count"] for f in grouping.folds) == [28, 28]
    for fold in grouping.folds:
        assert len({model.graph.nodes[n]["module"] for n in fold["nodes"]}) == 1


def test_an_expanded_fold_shows_a_page_and_keeps_the_rest_folded():
    model = chain(1_000)
    fold_id = group_graph(model.graph, model.root_id).folds[0]["id"]
    seen: set[str] = set()
    pages = None
    page = 0
    while pages is None or page < pages:
        grouping = group_graph(model.graph, model.root_id, expanded={fold_id: page})
        record = grouping.folds[0]
        pages = record["pages"]
        shown = [n for n in record["nodes"] if grouping.group_of[n] == n]
        assert 0 < len(shown) <= PAGE_NODES
        seen.update(shown)
        ids = set(grouping.display.nodes)
        assert (fold_id + "@before" in ids) == (page > 0)
        assert (fold_id + "@after" in ids) == (page < pages - 1)
        check_covers_every_node(grouping, model.graph)
        page += 1
    assert seen == set(record["nodes"])  # every member is reachable, page by page
    assert grouping.fold_page_of(record["nodes"][-1]) == (fold_id, pages - 1)


# ---- compact parameters -----------------------------------------------------------------------------
def test_compact_parameters_become_badges_on_their_consumer(mlp):
    full = group_graph(mlp.graph, mlp.root_id, fold=False)
    compact = group_graph(mlp.graph, mlp.root_id, fold=False, params="compact")
    names = {d["name"] for _, d in compact.display.nodes(data=True)}
    assert "torch::autograd::AccumulateGrad" not in names and "TBackward0" not in names
    assert not any(d["kind"] == "tensor" for _, d in compact.display.nodes(data=True))
    # 5 Linear layers x (weight: TBackward0 + AccumulateGrad + leaf, bias: AccumulateGrad + leaf)
    assert full.visible_count() - compact.visible_count() == 5 * 5
    out_addmm = next(n for n in compact.display if compact.display.nodes[n].get("module") == "out"
                     and compact.display.nodes[n]["name"] == "AddmmBackward0")
    badges = {b["name"]: b for b in compact.badges[out_addmm]}
    assert set(badges) == {"model.out.weight", "model.out.bias"}
    assert badges["model.out.weight"]["shape"] == (3, 8) and len(badges["model.out.weight"]["nodes"]) == 3
    check_covers_every_node(compact, mlp.graph)
    # one badge expanded: its nodes are drawn again
    weight = badges["model.out.weight"]
    again = group_graph(mlp.graph, mlp.root_id, fold=False, params="compact", expanded_params={weight["id"]})
    assert all(again.group_of[n] == n for n in weight["nodes"])


def test_a_chain_with_a_weight_each_step_folds_with_its_weights():
    x = torch.ones(4, requires_grad=True)
    h = x
    for _ in range(20):
        w = torch.full((4,), 0.9, requires_grad=True)
        h = torch.sin(h * w)
    loss = h.sum()
    model = model_graph({"x": x, "loss": loss}, loss)
    for params in ("full", "compact"):
        grouping = group_graph(model.graph, model.root_id, params=params)
        (fold,) = grouping.folds
        assert fold["count"] == 18 and fold["body"] == 2
        # Sin, Mul and the Mul's own weight (AccumulateGrad + leaf) fold together
        assert len(fold["nodes"]) == 18 * (2 + 2)
        check_covers_every_node(grouping, model.graph)
        # Sum, the first and last repetition (each with its weight drawn, or as a badge), the
        # fold, and x (drawn, or a badge)
        assert grouping.visible_count() == (1 + 4 + 1 + 4 + 2 if params == "full" else 1 + 2 + 1 + 2)


# ---- the JSON document -----------------------------------------------------------------------------
def test_json_lists_every_node_at_its_groups_position_and_records_modules_and_folds(mlp):
    grouping = group_graph(mlp.graph, mlp.root_id, collapse=2, params="compact")
    positions = compute_layout(grouping.display, "layered")
    doc = grouped_document(to_json(mlp, None), grouping, positions)
    assert validate_graph_json(doc) == []
    assert len(doc["nodes"]) == len(mlp.graph) and len(doc["edges"]) == len(to_json(mlp, None)["edges"])
    for node in doc["nodes"]:
        drawn = grouping.group_of[node["id"]]
        assert (node["x"], node["y"]) == tuple(positions[drawn]), node
        assert node["group"] == (None if drawn == node["id"] else drawn)
    records = {m["path"]: m for m in doc["modules"]}
    assert set(records) == set(mlp.modules())
    block = records["blocks.1"]
    assert block["class"] == "Block" and block["parent"] == "blocks" and block["collapsed"] is True
    assert set(block["nodes"]) == {n for n, m in mlp.graph.nodes(data="module") if m.startswith("blocks.1")}
    assert (block["x"], block["y"]) == tuple(positions["module:blocks.1"])
    assert records["blocks"]["collapsed"] is False and records["blocks"]["parent"] is None
    assert doc["folds"] == []


def test_json_fold_records_of_a_chain():
    model = chain(2_000)
    grouping = group_graph(model.graph, model.root_id)
    positions = compute_layout(grouping.display, "layered")
    doc = grouped_document(to_json(model, None), grouping, positions)
    (fold,) = doc["folds"]
    assert fold["name"] == "MulBackward0" and fold["count"] == 1_998 and len(fold["nodes"]) == 1_998
    assert fold["expanded"] is False and (fold["x"], fold["y"]) == tuple(positions[fold["id"]])
    assert all(n["x"] is not None for n in doc["nodes"])
    at_fold = [n for n in doc["nodes"] if n["group"] == fold["id"]]
    assert len(at_fold) == 1_998 and {(n["x"], n["y"]) for n in at_fold} == {(fold["x"], fold["y"])}


def test_capped_is_only_a_last_resort_and_counts_what_it_leaves_out():
    graph = nx.path_graph(10, create_using=nx.DiGraph)
    assert capped(graph, None) == (graph, 0)
    shown, hidden = capped(graph, 4)
    assert list(shown.nodes) == [0, 1, 2, 3] and hidden == 6


def test_bad_choices_are_refused(mlp):
    with pytest.raises(ValueError):
        group_graph(mlp.graph, mlp.root_id, params="tiny")
    with pytest.raises(ValueError):
        group_graph(mlp.graph, mlp.root_id, collapse=0)
    with pytest.raises(ValueError):
        group_graph(mlp.graph, mlp.root_id, collapse="some")
