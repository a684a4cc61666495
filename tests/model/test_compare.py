"""gradviz.model.compare: matching two graph documents and listing what differs (no Qt)."""

from __future__ import annotations

import copy

from gradviz.kernel import KernelClient
from gradviz.model.compare import BackendRun, badges, collect_run, compare_runs, match_nodes, walk_order


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


def _run(backend, nodes=NODES, edges=EDGES, steps=STEPS, root="n0"):
    return BackendRun(backend, _doc(nodes, edges, root), copy.deepcopy(steps))


def test_walk_is_breadth_first_in_input_order():
    edges = [("n0", "n1", 1), ("n0", "n2", 0), ("n2", "n3", 0), ("n1", "n3", 0)]
    doc = _doc([(f"n{i}", "X", ()) for i in range(4)], edges)
    assert walk_order(doc) == [("n0", 0), ("n2", 1), ("n1", 1), ("n3", 2)]


def test_identical_runs_have_no_differences():
    assert compare_runs(_run("engine"), _run("torch")) == []
    assert badges([]) == {}


def test_rounding_is_not_a_difference_but_a_real_change_is():
    steps = copy.deepcopy(STEPS)
    steps[2]["received"] = [_grad([0.5 + 1e-7, -1, 2])]
    assert compare_runs(_run("engine"), _run("torch", steps=steps)) == []
    steps[2]["received"] = [_grad([0.5, -1, 2.5])]
    (diff,) = compare_runs(_run("engine"), _run("torch", steps=steps))
    assert (diff.node_id, diff.torch_node_id, diff.kind) == ("n2", "n2", "gradient")
    assert "2.5" in diff.torch and "2.5" not in diff.engine
    assert badges([diff]) == {"n2": "≠ gradient"}


def test_nan_in_both_agrees_nan_in_one_differs():
    steps = copy.deepcopy(STEPS)
    steps[1]["received"] = [_grad([float("nan"), 1, 1])]
    assert compare_runs(_run("engine", steps=steps), _run("torch", steps=steps)) == []
    assert [d.kind for d in compare_runs(_run("engine"), _run("torch", steps=steps))] == ["gradient"]


def test_a_name_and_a_shape_difference_are_both_reported_on_one_node():
    nodes = list(NODES)
    nodes[1] = ("n1", "MulBackward1", (1, 3))
    diffs = compare_runs(_run("engine"), _run("torch", nodes=nodes))
    assert [(d.node_id, d.kind, d.engine, d.torch) for d in diffs] == [
        ("n1", "name", "MulBackward0", "MulBackward1"), ("n1", "shape", "(3,)", "(1, 3)")]
    assert badges(diffs) == {"n1": "≠ name, shape"}


def test_a_gradient_of_a_different_shape_or_a_missing_one_differs():
    steps = copy.deepcopy(STEPS)
    steps[3]["received"] = [_grad([3, 4])]
    assert [d.node_id for d in compare_runs(_run("engine"), _run("torch", steps=steps))] == ["n3"]
    steps[3]["received"] = [None]
    (diff,) = compare_runs(_run("engine"), _run("torch", steps=steps))
    assert diff.node_id == "n3" and diff.torch == "None"


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
    assert any(d.kind == "missing" and d.torch == "ViewBackward0" and d.node_id is None for d in diffs)
    assert not any(d.kind == "name" for d in diffs)


def test_real_runs_differ_where_the_random_numbers_do():
    # Engine and torch draw different numbers from torch.randn after the same manual_seed: w's
    # signs differ, so ReLU passes different gradients on, and the nodes below it differ.
    script = ("import torch\ntorch.manual_seed(0)\nw = torch.randn(3, requires_grad=True)\n"
              "y = (w * torch.ones(3)).relu()\nloss = y.sum()\n")
    runs = {}
    for backend in ("engine", "torch"):
        client = KernelClient(prestart=False)
        try:
            runs[backend] = collect_run(client, script, backend)
        finally:
            client.close()
    assert runs["torch"].backend == "torch" and runs["engine"].backend == "engine"
    assert runs["engine"].error is None and runs["torch"].error is None
    diffs = compare_runs(runs["engine"], runs["torch"])
    names = {n["id"]: n["name"] for n in runs["engine"].document["nodes"]}
    assert {names[d.node_id] for d in diffs} == {"MulBackward0", "torch::autograd::AccumulateGrad"}
    assert {d.kind for d in diffs} == {"gradient"}
    # The same script under the same backend twice: nothing differs.
    client = KernelClient(prestart=False)
    try:
        again = collect_run(client, script, "torch")
    finally:
        client.close()
    assert compare_runs(runs["torch"], again) == []
