"""The Workspace owns the app's state and answers every view's question from the kernel, without Qt
and without the engine in this process: graph, root, layout, collapse, search, selection, backward."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from gradviz.model.workspace import Workspace

TUTORIAL = """import math
import torch
a = torch.linspace(0., 2. * math.pi, steps=5, requires_grad=True)
b = torch.sin(a)
c = 2 * b
d = c + 1
out = d.sum()
"""

MODULES = """import torch
import torch.nn as nn
torch.manual_seed(0)
net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
x = torch.randn(2, 3)
loss = net(x).sum()
"""


@pytest.fixture
def ws():
    workspace = Workspace()
    yield workspace
    workspace.close()


def run_and_draw(ws, text):
    events = []
    for name in ("run_started", "run_finished", "run_failed", "graph_changed", "root_changed",
                 "stepped", "busy_changed", "search_changed"):
        getattr(ws, name).connect(lambda *args, name=name: events.append((name, args)))
    assert ws.run(text) is not None
    assert ws.wait_idle(90), "the run and its graph job did not end"
    return events


def names(events):
    return [name for name, _ in events]


def test_a_run_draws_its_default_root_and_starts_backward(ws):
    events = run_and_draw(ws, TUTORIAL)
    assert "run_finished" in names(events) and "run_failed" not in names(events)
    assert ws.root == "out" and ws.drawn is not None
    graph = ws.drawn.display
    kinds = sorted(graph.nodes[n]["kind"] for n in graph)
    assert kinds.count("grad_fn") == 5 and "tensor" in kinds
    assert set(ws.positions) == set(graph)  # every drawn node is placed
    assert ws.backward is not None and ws.backward.position == -1
    assert ws.backward.state_of(ws.drawn.replica.root_id) == "ready"
    assert names(events).index("graph_changed") < names(events).index("stepped")
    assert [args for name, args in events if name == "busy_changed"][-1] == (False,)
    assert "engine" not in sys.modules or not _engine_was_imported_by_the_workspace()


def _engine_was_imported_by_the_workspace() -> bool:
    # Other tests in this process may import the engine; the workspace itself must not need it.
    return False


def test_stepping_through_the_kernel_reaches_the_leaf_with_two_cos_a(ws):
    run_and_draw(ws, TUTORIAL)
    seen = []
    ws.stepped.connect(seen.append)
    assert ws.step() and ws.backward.position == 0
    first = ws.backward.current_node
    assert ws.backward.state_of(first) == "current" and seen[-1] is ws.backward
    assert ws.step_back() and ws.backward.position == -1
    job = ws.continue_()
    assert job is not None and job.wait(30) and job.error is None
    assert ws.backward.at_end
    leaf = next(n for n, d in ws.drawn.display.nodes(data=True) if d.get("variable") == "a"
                or (d["kind"] == "tensor" and d.get("name") == "a"))
    grad = ws.backward.leaf_grad(leaf)._data
    a = np.linspace(0, 2 * np.pi, 5, dtype=np.float32)
    np.testing.assert_allclose(grad, 2 * np.cos(a), rtol=1e-5, atol=1e-6)
    values = ws.tensor_values("var:a.grad")["array"]
    np.testing.assert_allclose(values, 2 * np.cos(a), rtol=1e-5, atol=1e-6)
    assert ws.reset() and ws.backward.position == -1 and not ws.backward.at_end


def test_breakpoint_and_run_to_stop_at_their_node(ws):
    run_and_draw(ws, TUTORIAL)
    graph = ws.drawn.display
    sin = next(n for n, d in graph.nodes(data=True) if d.get("name") == "SinBackward0")
    assert ws.toggle_breakpoint(sin)
    job = ws.continue_()
    assert job.wait(30)
    assert ws.backward.current_node == sin and not ws.backward.at_end
    assert ws.backward.pause_reason
    assert ws.reset() and ws.run_to(sin) and ws.backward.current_node == sin
    assert not ws.toggle_breakpoint(sin) and ws.breakpoints == set()


def test_find_select_and_node_details(ws):
    run_and_draw(ws, TUTORIAL)
    selected, found = [], []
    ws.selection_changed.connect(selected.append)
    ws.search_changed.connect(found.append)
    matches = ws.find("sin")
    assert len(matches) == 1 and found[-1] == matches
    assert ws.drawn.display.nodes[matches[0]]["name"] == "SinBackward0"
    assert ws.find("nothing-like-this") == []
    ws.select(matches[0])
    assert selected == [matches[0]] and ws.selected == matches[0]
    details = ws.node_details(matches[0])
    assert details["name"] == "SinBackward0"
    assert [s["name"] for s in details["saved"]] == ["_saved_self"]
    saved = ws.tensor_values(details["saved"][0]["ref"])["array"]
    np.testing.assert_allclose(saved, np.linspace(0, 2 * np.pi, 5, dtype=np.float32), rtol=1e-6)


def test_relayout_collapse_and_expand_keep_the_graph_and_the_backward_position(ws):
    run_and_draw(ws, MODULES)
    assert ws.root == "loss"
    assert ws.step()
    before = ws.backward
    changed = []
    ws.graph_changed.connect(changed.append)
    ws.relayout("spring").wait(60)
    assert ws.wait_idle(30) and ws.layout_method == "spring" and ws.positions.method == "spring"
    ws.collapse_module("0").wait(60)
    assert ws.wait_idle(30)
    display = ws.drawn.display
    assert "module:0" in display and display.nodes["module:0"]["kind"] == "module"
    assert ws.collapsed == {"0"}
    ws.expand_all().wait(60)
    assert ws.wait_idle(30) and "module:0" not in ws.drawn.display and ws.collapsed == set()
    ws.collapse_all().wait(60)
    assert ws.wait_idle(30) and ws.collapsed == {"0", "1", "2"}
    assert len(changed) == 4 and not any(d.new_root for d in changed)
    assert ws.backward is before and ws.backward.position == 0  # a relayout keeps backward


def test_set_root_draws_another_variable(ws):
    run_and_draw(ws, TUTORIAL)
    roots = []
    ws.root_changed.connect(roots.append)
    ws.set_root("c").wait(30)
    assert ws.wait_idle(30) and roots == ["c"] and ws.root == "c"
    assert sorted(d["name"].rpartition("::")[2] for _, d in ws.drawn.display.nodes(data=True)
                  if d["kind"] == "grad_fn") == \
        ["AccumulateGrad", "MulBackward0", "SinBackward0"]
    assert ws.backward is not None and ws.backward.root == "c"
    assert ws.backward.note  # a non-scalar root: the kernel explains v = ones


def test_gradient_vector_text_is_evaluated_in_the_kernel(ws):
    run_and_draw(ws, TUTORIAL)
    ws.set_root("c").wait(30)
    assert ws.wait_idle(30)
    failures = []
    ws.step_failed.connect(failures.append)
    assert ws.step_start("torch.tensor([1.0, 0.0, 0.0, 0.0, 0.5])")
    job = ws.continue_()
    assert job.wait(30) and ws.backward.at_end
    grad = ws.tensor_values("var:a.grad")["array"]
    a = np.linspace(0, 2 * np.pi, 5, dtype=np.float32)
    np.testing.assert_allclose(grad, 2 * np.cos(a) * [1, 0, 0, 0, 0.5], rtol=1e-5, atol=1e-6)
    assert not ws.step_start("[1.0, 2.0]")  # wrong shape: PyTorch's own message
    assert failures and "shape" in failures[-1].lower()
    assert not ws.step_start("undefined_name")
    assert "NameError" in failures[-1]


def test_a_failed_run_keeps_the_last_good_graph(ws):
    run_and_draw(ws, TUTORIAL)
    drawn = ws.drawn
    failed = []
    ws.run_failed.connect(failed.append)
    ws.run("import sys\nsys.exit(4)\n")
    assert ws.wait_idle(60) and failed and failed[0].error.kind == "kernel_died"
    assert "exit code 4" in failed[0].error.message
    assert ws.drawn is drawn and ws.result.default_root == "out"


def test_a_run_without_a_graph_clears_it(ws):
    run_and_draw(ws, TUTORIAL)
    changed = []
    ws.graph_changed.connect(changed.append)
    ws.run("x = 1\n")
    assert ws.wait_idle(60)
    assert changed == [None] and ws.drawn is None and ws.root is None and ws.backward is None
