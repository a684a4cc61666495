"""gradviz.model.export: the JSON document and the DOT text describe exactly the engine's graph."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import engine as torch
from gradviz.kernel.engine_stepping import EngineStepper
from gradviz.kernel.graph_builder import GraphModel, attach_variable_names, tensor_names
from gradviz.model.export import (
    FULL_VALUES_LIMIT,
    dot_quote,
    tensor_summary,
    to_dot,
    to_json,
    validate_graph_json,
)
from gradviz.model.layout import compute_layout

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dot_reader import DotSyntaxError, label_text, read_dot  # noqa: E402


def _build(seed: int = 0):
    """A small graph with a shared leaf, a constant, a multi-use node; returns tensors by name."""
    rng = np.random.default_rng(seed)
    a = torch.tensor(rng.normal(size=(2, 3)), requires_grad=True)
    w = torch.tensor(rng.normal(size=(3, 2)), requires_grad=True)
    target = torch.tensor(rng.normal(size=(2, 2)))
    h = (a @ w).sin()
    y = h * h + a.sum()
    loss = ((y - target) ** 2).mean()
    return {"a": a, "w": w, "target": target, "h": h, "y": y, "loss": loss}


def _model(tensors, root="loss"):
    model = GraphModel.from_root(tensors[root], tensor_names(tensors))
    attach_variable_names(model, tensors)
    return model


def _reachable_grad_fns(root) -> set:
    seen, stack = set(), [root.grad_fn]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        stack.extend(child for child, _ in node.next_functions if child is not None)
    return seen


# ---- JSON ---------------------------------------------------------------------------------------
def test_json_nodes_and_edges_are_the_engine_graph():
    tensors = _build()
    model = _model(tensors)
    positions = compute_layout(model.graph, "layered")
    doc = to_json(model, positions, root_name="loss")
    assert validate_graph_json(doc) == []
    assert doc["format"] == "gradviz-graph" and doc["version"] == 1 and doc["root"] == "loss"

    by_id = {n["id"]: n for n in doc["nodes"]}
    fns = _reachable_grad_fns(tensors["loss"])
    grad_fn_nodes = [n for n in doc["nodes"] if n["kind"] == "grad_fn"]
    assert len(grad_fn_nodes) == len(fns)
    # Every grad_fn node's name is exactly grad_fn.name(), and its edges are its next_functions.
    edges = {(e["source"], e["target"], e["input_index"]) for e in doc["edges"]}
    for fn in fns:
        node_id = model.id_of(fn)
        assert by_id[node_id]["name"] == fn.name()
        for index, (child, _) in enumerate(fn.next_functions):
            if child is not None:
                assert (node_id, model.id_of(child), index) in edges
        if fn.name() == "AccumulateGrad":
            leaf_id = model.id_of(fn.variable)
            assert by_id[leaf_id]["kind"] == "tensor"
            assert (node_id, leaf_id, 0) in edges
    mul = model.id_of(tensors["y"].grad_fn.next_functions[0][0])
    assert sum(1 for e in doc["edges"] if (e["source"], e["target"]) == (mul, model.id_of(tensors["h"].grad_fn))) == 2
    leaf_names = {n["name"] for n in doc["nodes"] if n["kind"] == "tensor"}
    assert leaf_names == {"a", "w"}
    assert set(doc["leaves"]) == {"a", "w"}
    assert doc["leaves"]["a"]["shape"] == [2, 3] and doc["leaves"]["a"]["grad"] is None
    # Positions are the layout's.
    for node_id, (x, y) in positions.items():
        assert by_id[node_id]["x"] == pytest.approx(x) and by_id[node_id]["y"] == pytest.approx(y)
    # It is real JSON (no NaN tokens) and survives a round trip.
    assert json.loads(json.dumps(doc, allow_nan=False)) == doc


def test_json_source_is_file_and_line():
    tensors = _build()
    model = _model(tensors)
    node_id = model.id_of(tensors["h"].grad_fn)
    model.graph.nodes[node_id]["source"] = ("script.py", 7)
    doc = to_json(model, None)
    node = next(n for n in doc["nodes"] if n["id"] == node_id)
    assert node["source"] == "script.py:7" and node["x"] is None
    assert validate_graph_json(doc) == []


def test_json_all_steps_leaves_match_engine_backward():
    stepped = _build(seed=3)
    model = _model(stepped)
    stepper = EngineStepper(stepped["loss"])
    while stepper.step() is not None:
        pass
    doc = to_json(model, compute_layout(model.graph), stepper)
    assert validate_graph_json(doc) == []

    reference = _build(seed=3)  # the same numbers, differentiated by engine's own backward
    reference["loss"].backward()
    for name in ("a", "w"):
        np.testing.assert_allclose(np.array(doc["leaves"][name]["grad"]), reference[name].grad.numpy(), rtol=1e-12)
    # One record per node run, each naming a node of the graph and the node's engine name.
    by_id = {n["id"]: n for n in doc["nodes"]}
    assert len(doc["steps"]) == len(stepper.history)
    for record in doc["steps"]:
        assert by_id[record["node"]]["name"] == record["name"]
    root_step = doc["steps"][0]
    assert root_step["node"] == model.root_id
    assert root_step["received"] == [{"shape": [], "norm": 1.0, "min": 1.0, "max": 1.0, "values": 1.0}]


def test_json_partial_steps_only_list_what_ran():
    tensors = _build()
    model = _model(tensors)
    stepper = EngineStepper(tensors["loss"])
    for _ in range(2):
        stepper.step()
    doc = to_json(model, None, stepper)
    assert [s["index"] for s in doc["steps"]] == [0, 1]
    # No AccumulateGrad can have run after two steps of this graph: leaves have no grad yet.
    assert all(leaf["grad"] is None for leaf in doc["leaves"].values())
    stepper.step_back()
    assert len(to_json(model, None, stepper)["steps"]) == 1


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_json_nan_gradients_are_valid_json():
    a = torch.tensor([0.0, 1.0], requires_grad=True)
    root = (a.sqrt() * 0).sum()  # d/da sqrt(a) at 0 is inf; times 0 -> nan
    model = GraphModel.from_root(root, {id(a): "a"})
    stepper = EngineStepper(root)
    while stepper.step() is not None:
        pass
    doc = to_json(model, None, stepper)
    text = json.dumps(doc, allow_nan=False)
    assert json.loads(text)["leaves"]["a"]["grad"][0] == "NaN"
    assert validate_graph_json(doc) == []


def test_tensor_summary_small_and_large():
    small = tensor_summary(torch.tensor([[3.0, -4.0]]))
    assert small == {"shape": [1, 2], "norm": 5.0, "min": -4.0, "max": 3.0, "values": [[3.0, -4.0]]}
    values = np.arange(FULL_VALUES_LIMIT + 1, dtype=np.float64).reshape(5, -1)
    large = tensor_summary(torch.tensor(values))
    assert large["shape"] == [5, (FULL_VALUES_LIMIT + 1) // 5]
    assert "values" not in large and large["first"] == list(range(8))
    assert large["norm"] == pytest.approx(np.linalg.norm(values)) and large["max"] == FULL_VALUES_LIMIT
    assert tensor_summary(None) is None


@pytest.mark.parametrize(
    "breakage, expected",
    [
        (lambda d: d.update(format="other"), "format"),
        (lambda d: d["nodes"][0].update(kind="op"), "kind"),
        (lambda d: d["nodes"][0].pop("label"), "lacks"),
        (lambda d: d["edges"].append({"source": "nowhere", "target": d["nodes"][0]["id"], "input_index": 0}), "source"),
        (lambda d: d["edges"][0].update(input_index=-1), "input_index"),
        (lambda d: d["nodes"].append(dict(d["nodes"][0])), "repeated"),
        (lambda d: d["nodes"][0].update(source="file.py"), "source"),
        (lambda d: d["leaves"]["a"].update(grad=[1.0]), "shape"),
    ],
)
def test_validator_rejects_broken_documents(breakage, expected):
    tensors = _build()
    model = _model(tensors)
    doc = to_json(model, None)
    doc["leaves"]["a"]["grad"] = [[0.0] * 3] * 2
    assert validate_graph_json(doc) == []
    breakage(doc)
    problems = validate_graph_json(doc)
    assert problems and any(expected in p for p in problems), problems


# ---- DOT ----------------------------------------------------------------------------------------
def test_dot_describes_the_same_graph():
    tensors = _build()
    model = _model(tensors)
    positions = compute_layout(model.graph)
    parsed = read_dot(to_dot(model, positions))
    assert set(parsed.nodes) == set(model.graph.nodes)
    assert {(u, v) for u, v, _ in parsed.edges} == set(model.graph.edges)
    # h * h: both inputs of the MulBackward0 come from one SinBackward0, so two parallel edges.
    mul = model.id_of(tensors["y"].grad_fn.next_functions[0][0])
    sin = model.id_of(tensors["h"].grad_fn)
    assert sorted(int(attrs["input_index"]) for u, v, attrs in parsed.edges if (u, v) == (mul, sin)) == [0, 1]
    assert len(parsed.edges) == model.graph.number_of_edges() + 1
    for node_id, attrs in parsed.nodes.items():
        assert label_text(attrs["label"]) == model.graph.nodes[node_id]["label"]
        assert "pos" in attrs


def test_dot_quotes_awkward_names():
    a = torch.tensor([1.0], requires_grad=True)
    b = torch.tensor([2.0], requires_grad=True)
    root = (a * b).sum()
    awkward = 'say "hi"\\n {x} -> y;\nsecond line \\'
    model = GraphModel.from_root(root, {id(a): awkward, id(b): "digraph"})
    text = to_dot(model)
    parsed = read_dot(text)
    labels = {label_text(attrs["label"]) for attrs in parsed.nodes.values()}
    assert model.graph.nodes[model.id_of(a)]["label"] in labels
    assert len(parsed.nodes) == model.graph.number_of_nodes()


def test_dot_quote_round_trips_through_the_reader():
    for text in ['plain', 'a"b', 'back\\slash', 'two\nlines', 'ends with \\', '']:
        parsed = read_dot(f"digraph {{ {dot_quote('n')} [label={dot_quote(text)}]; }}")
        assert label_text(parsed.nodes["n"]["label"]) == text


@pytest.mark.parametrize(
    "bad",
    [
        'digraph { "a" -> "b" ',  # unclosed
        'digraph { "a -> "b" }',  # unterminated string... then garbage
        'digraph { a -- b }',  # undirected edge in a digraph
        'graph { a -> b }',  # not a digraph
        'digraph { node -> b }',  # keyword as an id
        'digraph { a [label=] }',  # attribute without a value
        'digraph { a } }',  # trailing text
    ],
)
def test_dot_reader_rejects_invalid_text(bad):
    with pytest.raises(DotSyntaxError):
        read_dot(bad)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_graphviz_accepts_the_dot():
    tensors = _build()
    a = tensors["a"]
    model = GraphModel.from_root(tensors["loss"], {id(a): 'odd "name" \\ here', id(tensors["w"]): "w"})
    done = subprocess.run(["dot", "-Tsvg"], input=to_dot(model, compute_layout(model.graph)),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr and "Error" not in done.stderr, done.stderr
    # Graphviz shows the label we meant (XML-escaped in its SVG).
    assert "odd &quot;name&quot; \\ here" in done.stdout
    for fn in _reachable_grad_fns(tensors["loss"]):
        assert fn.name() in done.stdout
