"""gradviz.model.compare: matching two graph documents and listing what differs (no Qt)."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from gradviz.kernel import KernelClient
from gradviz.model.compare import (
    BackendRun,
    badges,
    collect_run,
    compare_runs,
    match_nodes,
    walk_order,
)
from gradviz.model.compare_values import TOLERANCES, relative_difference, tolerance


def _doc(nodes, edges, root="n0"):
    """A graph document: nodes as (id, name, shape), edges as (source, target, input_index)."""
    return {"root_id": root,
            "nodes": [{"id": i, "name": name, "shape": list(shape), "kind": "grad_fn"} for i, name, shape in nodes],
            "edges": [{"source": s, "target": t, "input_index": k} for s, t, k in edges]}


def _grad(values):
    return {"shape": [len(values)], "values": list(values), "norm": sum(v * v for v in values) ** 0.5}


# loss = (a * b).sum(): Sum -> Mul -> (Acc a, Acc b)
NODES = [("n0", "SumBackward0", ()), ("n1", "MulBackward0", (3,)),
         ("n2", "torch::autograd::AccumulateGrad", (3,)), ("n3", "torch::autograd::AccumulateGrad", (3,))]
EDGES = [("n0", "n1", 0), ("n1", "n2", 0), ("n1", "n3", 1)]
STEPS = [{"node": "n0", "received": [{"shape": [], "values": 1.0, "norm": 1.0}]},
         {"node": "n1", "received": [_grad([1, 1, 1])]},
         {"node": "n2", "received": [_grad([0.5, -1, 2])]},
         {"node": "n3", "received": [_grad([3, 4, 5])]}]


def _run(backend, nodes=NODES, edges=EDGES, steps=STEPS, root="n0", edge_grads=None, leaf_grads=None):
    return BackendRun(backend, _doc(nodes, edges, root), copy.deepcopy(steps),
                      edge_grads=dict(edge_grads or {}), leaf_grads=dict(leaf_grads or {}))


def test_walk_is_breadth_first_in_input_order():
    edges = [("n0", "n1", 1), ("n0", "n2", 0), ("n2", "n3", 0), ("n1", "n3", 0)]
    doc = _doc([(f"n{i}", "X", ()) for i in range(4)], edges)
    assert walk_order(doc) == [("n0", 0), ("n2", 1), ("n1", 1), ("n3", 2)]


def _arrays(dtype=np.float32):
    """What each node sent (full arrays, as ``step_state`` gives them) and the leaves' .grad."""
    sent = {("n0", 0): np.ones(3, dtype), ("n1", 0): np.array([0.5, -1, 2], dtype),
            ("n1", 1): np.array([3, 4, 5], dtype)}
    return sent, {"t4": np.array([0.5, -1, 2], dtype), "t5": np.array([3, 4, 5], dtype)}


# The same graph with its leaf tensors drawn: AccumulateGrad -> tensor node.
LEAF_NODES = NODES + [("t4", "a", (3,)), ("t5", "b", (3,))]
LEAF_EDGES = EDGES + [("n2", "t4", 0), ("n3", "t5", 0)]


def _leaf_run(backend, sent, grads, steps=STEPS):
    run = _run(backend, LEAF_NODES, LEAF_EDGES, steps, edge_grads=sent, leaf_grads=grads)
    for node in run.document["nodes"]:
        if node["id"].startswith("t"):
            node["kind"] = "tensor"
    return run


def test_identical_runs_have_no_differences():
    assert compare_runs(_run("engine"), _run("torch")) == []
    assert compare_runs(_leaf_run("engine", *_arrays()), _leaf_run("torch", *_arrays())) == []
    assert badges([]) == {}


def test_rounding_is_not_a_difference_but_a_real_change_is():
    steps = copy.deepcopy(STEPS)
    steps[2]["received"] = [_grad([0.5 + 1e-7, -1, 2])]
    assert compare_runs(_run("engine"), _run("torch", steps=steps)) == []
    steps[2]["received"] = [_grad([0.5, -1, 2.5])]
    (diff,) = compare_runs(_run("engine"), _run("torch", steps=steps))
    assert (diff.node_id, diff.torch_node_id, diff.labels) == ("n2", "n2", ["received"])
    (aspect,) = diff.aspects
    assert aspect.where == "output 0" and "2.5" in aspect.torch and "2.5" not in aspect.engine
    assert diff.largest_relative == pytest.approx(0.5 / 2.5)  # relative to the largest magnitude
    assert badges([diff]) == {"n2": "≠ received"}


def test_nan_in_both_agrees_nan_in_one_differs():
    steps = copy.deepcopy(STEPS)
    steps[1]["received"] = [_grad([float("nan"), 1, 1])]
    assert compare_runs(_run("engine", steps=steps), _run("torch", steps=steps)) == []
    (diff,) = compare_runs(_run("engine"), _run("torch", steps=steps))
    assert diff.labels == ["received"] and diff.largest_relative == math.inf


def test_a_name_and_a_shape_difference_are_one_entry_with_both():
    nodes = list(NODES)
    nodes[1] = ("n1", "MulBackward1", (1, 3))
    (diff,) = compare_runs(_run("engine"), _run("torch", nodes=nodes))
    assert diff.node_id == "n1" and diff.name == "MulBackward0"
    assert [(a.kind, a.engine, a.torch) for a in diff.aspects] == [
        ("name", "MulBackward0", "MulBackward1"), ("shape", "(3,)", "(1, 3)")]
    assert diff.largest_relative is None  # no value differs
    assert badges([diff]) == {"n1": "≠ name, shape"}


def test_a_gradient_of_a_different_shape_or_a_missing_one_differs():
    steps = copy.deepcopy(STEPS)
    steps[3]["received"] = [_grad([3, 4])]
    assert [d.node_id for d in compare_runs(_run("engine"), _run("torch", steps=steps))] == ["n3"]
    steps[3]["received"] = [None]
    (diff,) = compare_runs(_run("engine"), _run("torch", steps=steps))
    assert diff.node_id == "n3" and diff.aspects[0].torch == "None"
    # A node that ran in one backward only.
    (diff,) = compare_runs(_run("engine"), _run("torch", steps=STEPS[:3]))
    assert diff.node_id == "n3" and (diff.aspects[0].engine, diff.aspects[0].torch) == ("ran", "(not run)")


def test_sent_gradients_and_final_leaf_grads_are_compared_in_full():
    # 100 elements: the step log would hold only a summary; sent arrays and .grad are whole.
    sent_e, grads_e = _arrays()
    sent_e[("n1", 1)] = np.arange(100, dtype=np.float32)
    sent_t, grads_t = copy.deepcopy(sent_e), copy.deepcopy(grads_e)
    sent_t[("n1", 1)][57] += 1.0          # one element of what Mul sent to b
    grads_t["t4"] = grads_t["t4"] * 1.5  # a's final .grad
    diffs = compare_runs(_leaf_run("engine", sent_e, grads_e), _leaf_run("torch", sent_t, grads_t))
    assert [(d.node_id, d.labels) for d in diffs] == [("n1", ["sent"]), ("t4", [".grad"])]
    assert diffs[0].aspects[0].where == "input 1"
    assert diffs[0].largest_relative == pytest.approx(1.0 / 99)
    assert diffs[1].largest_relative == pytest.approx(1 / 3)
    assert badges(diffs, "torch") == {"n1": "≠ sent", "t4": "≠ .grad"}


def test_one_node_with_several_differences_is_listed_once_with_the_largest():
    nodes = list(NODES)
    nodes[1] = ("n1", "MulBackward1", (3,))
    steps = copy.deepcopy(STEPS)
    steps[1]["received"] = [_grad([1, 1, 1.1])]
    sent_e, _grads = _arrays()
    sent_t = copy.deepcopy(sent_e)
    sent_t[("n1", 0)] = sent_t[("n1", 0)] * -1
    diffs = compare_runs(_run("engine", edge_grads=sent_e), _run("torch", nodes, steps=steps, edge_grads=sent_t))
    (diff,) = [d for d in diffs if d.node_id == "n1"]
    assert diff.labels == ["name", "received", "sent"]
    assert diff.largest_relative == pytest.approx(2.0)  # 0.5 vs -0.5 ... 2 vs -2: |4| / 2
    assert sum(d.node_id == "n1" for d in diffs) == 1


def test_tolerance_is_the_less_precise_dtypes():
    # float64 against float32: the float32 side's rounding is no difference, but the dtype is.
    sent_e, grads_e = _arrays(np.float64)
    sent_e = {k: v + 1e-7 for k, v in sent_e.items()}
    sent_t, grads_t = _arrays(np.float32)
    diffs = compare_runs(_leaf_run("engine", sent_e, grads_e), _leaf_run("torch", sent_t, grads_t))
    assert {d.node_id: d.labels for d in diffs} == {"n0": ["dtype"], "n1": ["dtype"], "t4": ["dtype"],
                                                    "t5": ["dtype"]}
    assert [(a.engine, a.torch) for a in diffs[0].aspects] == [("float64", "float32")]
    # Both float64: a 1e-6 relative difference is beyond float64 rounding; both float32: it is not.
    for dtype, expected in ((np.float64, ["n1"]), (np.float32, [])):
        sent_e, grads = _arrays(dtype)
        sent_t = copy.deepcopy(sent_e)
        sent_t[("n1", 0)] = sent_t[("n1", 0)] * (1 + 1e-6)
        diffs = compare_runs(_leaf_run("engine", sent_e, grads), _leaf_run("torch", sent_t, grads))
        assert [d.node_id for d in diffs] == expected
    assert tolerance("float32", "float64") == TOLERANCES["float32"] == 1e-4
    assert tolerance("torch.float64", "float64") == 1e-9


def test_relative_difference_is_against_the_largest_magnitude():
    # A gradient that cancels to ~0 in one backend and to exactly 0 in the other agrees.
    assert relative_difference([1000.0, 1e-9], [1000.0, 0.0]) < 1e-11
    assert relative_difference([0.0, 0.0], [0.0, 0.0]) == 0.0
    assert relative_difference([0.0, 0.0], [0.0, 2.0]) == 1.0
    assert relative_difference([1.0, float("inf")], [1.0, float("inf")]) == 0.0
    assert relative_difference([1.0, float("inf")], [1.0, float("-inf")]) == math.inf
    assert relative_difference([1.0, 2.0], [1.0, 2.0, 3.0]) == math.inf


def test_matching_follows_the_walk_not_the_ids():
    # The torch document numbers its nodes differently: the same graph, other ids.
    rename = {"n0": "t9", "n1": "t4", "n2": "t7", "n3": "t1"}
    nodes = [(rename[i], name, shape) for i, name, shape in NODES]
    edges = [(rename[s], rename[t], k) for s, t, k in EDGES]
    steps = [dict(step, node=rename[step["node"]]) for step in STEPS]
    torch = _run("torch", nodes, edges, steps, root="t9")
    assert match_nodes(_run("engine").document, torch.document) == list(rename.items())
    assert compare_runs(_run("engine"), torch) == []


def test_an_extra_node_is_missing_on_the_other_side_and_names_break_ties():
    # torch has an extra ViewBackward0 between Sum and Mul: Mul still pairs with Mul by name.
    nodes = NODES[:1] + [("n9", "ViewBackward0", (3,))] + NODES[1:]
    edges = [("n0", "n9", 0), ("n9", "n1", 0)] + EDGES[1:]
    diffs = compare_runs(_run("engine"), _run("torch", nodes, edges))
    pairs = match_nodes(_run("engine").document, _run("torch", nodes, edges).document)
    assert ("n0", "n0") in pairs and ("n1", "n1") in pairs and (None, "n9") in pairs
    assert any(d.labels == ["node"] and d.aspects[0].torch == "ViewBackward0" and d.node_id is None
               for d in diffs)
    assert not any("name" in d.labels for d in diffs)


def _both(script):
    runs = {}
    for backend in ("engine", "torch"):
        client = KernelClient(prestart=False)
        try:
            runs[backend] = collect_run(client, script, backend)
        finally:
            client.close()
    assert runs["torch"].backend == "torch" and runs["engine"].backend == "engine"
    assert runs["engine"].error is None and runs["torch"].error is None
    return runs["engine"], runs["torch"]


# A custom autograd.Function whose backward is planted wrong under the engine only (gradviz's
# engine reports a "+engine" version): factor 2 instead of 3 in d(x**3)/dx.
PLANTED_SCRIPT = """import torch
ENGINE = torch.__version__.endswith("+engine")


class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (2.0 if ENGINE else 3.0) * x ** 2


x = torch.tensor([1.0, 2.0, -0.5], requires_grad=True)
w = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
y = Cube.apply(x * w)
loss = (y * w).sum()
"""


def test_a_planted_difference_is_found_where_it_is_and_below_it():
    engine, torch = _both(PLANTED_SCRIPT)
    diffs = compare_runs(engine, torch)
    names = {n["id"]: n["name"] for n in engine.document["nodes"]}
    found = {(names[d.node_id], tuple(d.labels)) for d in diffs}
    # Cube sends 2/3 of torch's gradient; everything below it (x * w, both leaves) follows.
    assert found == {("CubeBackward", ("sent",)), ("MulBackward0", ("received", "sent")),
                     ("torch::autograd::AccumulateGrad", ("received",)), ("x", (".grad",)), ("w", (".grad",))}
    cube = next(d for d in diffs if d.name == "CubeBackward")
    assert cube.largest_relative == pytest.approx(1 / 3, rel=1e-5)
    x_grad = next(d for d in diffs if d.name == "x")
    # x's .grad is w * 3 * (x*w)**2 * w under torch: [0.1875, 12, 12]; 2/3 of it under the engine.
    assert x_grad.aspects[0].torch == "[0.1875, 12, 12]" and x_grad.aspects[0].engine == "[0.125, 8, 8]"
    # The nodes above the planted rule agree: the root Sum and the outer Mul are not listed.
    assert len([d for d in diffs if d.name == "MulBackward0"]) == 1
    assert names[engine.document["root_id"]] not in {d.name for d in diffs}


def test_the_same_computation_agrees_everywhere():
    engine, torch = _both(PLANTED_SCRIPT.replace("(2.0 if ENGINE else 3.0)", "3.0"))
    assert engine.leaf_grads and engine.edge_grads  # the compared data is there
    assert compare_runs(engine, torch) == []


def test_real_runs_differ_where_the_random_numbers_do():
    # Engine and torch draw different numbers from torch.randn after the same manual_seed: w's
    # signs differ, so ReLU passes different gradients on, and the nodes below it differ.
    script = ("import torch\ntorch.manual_seed(0)\nw = torch.randn(3, requires_grad=True)\n"
              "y = (w * torch.ones(3)).relu()\nloss = y.sum()\n")
    engine, torch = _both(script)
    diffs = compare_runs(engine, torch)
    names = {n["id"]: n["name"] for n in engine.document["nodes"]}
    assert {names[d.node_id]: d.labels for d in diffs} == {
        "ReluBackward0": ["sent"], "MulBackward0": ["received", "sent"],
        "torch::autograd::AccumulateGrad": ["received"], "w": [".grad"]}
