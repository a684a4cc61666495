"""The Workspace owns what the graph groups (collapsed modules, folds, compact parameters, opened
folds and parameters) and its graph job draws ``group_graph``'s display graph, without Qt."""

from __future__ import annotations

import pytest
from residual_scripts import residual_blocks_script

from gradviz.model.grouping import PAGE_NODES
from gradviz.model.workspace import Workspace

CHAIN = "import torch\nx = torch.ones(3, requires_grad=True)\ny = x\nfor _ in range(300):\n    y = y * 1.0001\nloss = y.sum()\n"
MLP = residual_blocks_script(2, head=True, imports="import")


@pytest.fixture
def ws():
    workspace = Workspace()
    yield workspace
    workspace.close()


def draw(ws, text):
    assert ws.run(text) is not None
    assert ws.wait_idle(90), "the run and its graph job did not end"


def settle(ws, job):
    assert job is not None
    job.wait(60)
    assert ws.wait_idle(30)


def test_a_chain_opens_folded_and_pages_open_and_close(ws):
    draw(ws, CHAIN)
    grouping = ws.grouping
    assert grouping is ws.drawn.grouping and len(grouping.folds) == 1
    fold_id = grouping.folds[0]["id"]
    display = ws.drawn.display
    assert display.nodes[fold_id]["kind"] == "fold"
    assert len(display) < 10 < len(ws.replica)  # 300 multiplications drawn as one node
    assert set(ws.positions) == set(display)
    settle(ws, ws.expand_fold(fold_id))
    assert ws.expanded_folds == {fold_id: 0} and fold_id + "@after" in ws.drawn.display
    settle(ws, ws.expand_fold(fold_id + "@after"))
    assert ws.expanded_folds == {fold_id: 1} and fold_id + "@before" in ws.drawn.display
    settle(ws, ws.collapse_fold(fold_id))
    assert ws.expanded_folds == {} and fold_id in ws.drawn.display


def test_fold_off_draws_every_node_and_says_so(ws):
    draw(ws, CHAIN)
    heard = []
    ws.grouping_options_changed.connect(lambda fold, compact: heard.append((fold, compact)))
    settle(ws, ws.set_fold(False))
    assert heard == [(False, False)] and not ws.fold_repeats
    assert len(ws.drawn.display) == len(ws.replica) and not ws.grouping.folds
    assert ws.backward is not None  # a relayout keeps backward


def test_a_breakpoint_node_inside_a_fold_is_revealed(ws):
    draw(ws, CHAIN)
    record = ws.grouping.folds[0]
    member = record["nodes"][200]
    assert member not in ws.drawn.display
    assert ws.reveal_node(member)
    assert ws.wait_idle(60)
    assert member in ws.drawn.display
    assert ws.expanded_folds == {record["id"]: 200 // PAGE_NODES}
    assert not ws.reveal_node(member)  # drawn as itself now: nothing to open


def test_modules_collapse_to_a_depth_and_open_again(ws):
    draw(ws, MLP)
    full = len(ws.drawn.display)
    assert ws.collapsed == set()  # a small graph opens with every module drawn open
    settle(ws, ws.collapse_to_depth(2))
    assert ws.collapsed == {"blocks.0", "blocks.1"}
    display = ws.drawn.display
    assert display.nodes["module:blocks.0"]["kind"] == "module"
    assert display.nodes["module:blocks.0"]["class"] == "Block"  # the kernel sent the module classes
    inner = next(n for n, d in ws.replica.graph.nodes(data=True) if d.get("module") == "blocks.1.fc")
    assert ws.reveal_node(inner) and ws.wait_idle(60)
    assert ws.collapsed == {"blocks.0"} and inner in ws.drawn.display
    settle(ws, ws.expand_drawn("module:blocks.0"))
    assert ws.collapsed == set() and len(ws.drawn.display) == full


def test_compact_parameters_and_drawing_one_in_full(ws):
    draw(ws, MLP)
    full = len(ws.drawn.display)
    settle(ws, ws.set_compact_params(True))
    badges = [b for listed in ws.grouping.badges.values() for b in listed]
    assert len(badges) == 6  # three Linear layers' weight and bias
    assert len(ws.drawn.display) == full - 3 * 5
    settle(ws, ws.expand_drawn(badges[0]["id"]))
    assert ws.expanded_params == {badges[0]["id"]}
    assert len(ws.drawn.display) == full - 3 * 5 + len(badges[0]["nodes"])


def test_a_new_run_forgets_what_was_opened(ws):
    draw(ws, CHAIN)
    fold_id = ws.grouping.folds[0]["id"]
    settle(ws, ws.expand_fold(fold_id))
    draw(ws, CHAIN)
    assert ws.expanded_folds == {} and fold_id in ws.drawn.display
