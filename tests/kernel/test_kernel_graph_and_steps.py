"""The kernel's answers about a graph equal what the in-process code builds, and stepping in the
kernel follows the engine's own BackwardRun."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np
import pytest

from engine.autograd import iter_backward
from engine.autograd.graph import revive_freed
from gradviz.kernel import KernelClient
from gradviz.kernel.engine_stepping import EngineStepper
from gradviz.kernel.graph_builder import GraphModel, attach_variable_names, tensor_names
from gradviz.kernel.replica import GraphReplica, StepSnapshot, with_positions
from gradviz.kernel.session import Session
from gradviz.model.export import to_dot, to_json
from gradviz.model.layout import compute_layout

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_01 = REPO / "resources" / "examples" / "01_simple_example.py"
EXAMPLE_02 = REPO / "resources" / "examples" / "02_training_tinymodel.py"
# Repeated inputs (a * a) and a constant: the edges a DiGraph alone would merge.
TUTORIAL = textwrap.dedent(
    """\
    import torch
    import math

    a = torch.linspace(0., 2. * math.pi, steps=7, requires_grad=True)
    b = torch.sin(a)
    c = 2 * b
    d = c + 1 + a * a
    out = d.sum()
    """
)


@pytest.fixture(scope="module")
def client():
    with KernelClient(prestart=True) as c:
        yield c


def _in_process(code: str, filename: str, root: str):
    """What the export built before the kernel: the session's run, the model, the layout."""
    result = Session().run_sync(code, filename)
    model = GraphModel.from_root(result.tensors[root], tensor_names(result.namespace))
    attach_variable_names(model, result.tensors)
    return result, model


@pytest.mark.parametrize("code_path, root", [(None, "out"), (EXAMPLE_02, None)], ids=["tutorial", "tinymodel"])
def test_graph_document_equals_the_in_process_export(client, code_path, root):
    code = TUTORIAL if code_path is None else code_path.read_text()
    filename = "tutorial.py" if code_path is None else str(code_path)
    run = client.run(code, filename)
    assert run.ok, run.error
    root = root or run.default_root
    result, model = _in_process(code, filename, root)
    expected = to_json(model, compute_layout(model.graph), root_name=root)

    answer = client.graph(root)
    replica = GraphReplica(answer)
    assert with_positions(answer["document"], compute_layout(replica.graph)) == expected
    # The replica is the model's graph, node for node and edge for edge (the layout relies on it).
    assert list(replica.graph.nodes) == list(model.graph.nodes)
    assert list(replica.graph.edges(data=True)) == list(model.graph.edges(data=True))
    assert to_dot(replica, edges=replica.edges) == to_dot(model)


def test_stepping_follows_the_engines_backward_run(client):
    code = EXAMPLE_01.read_text()
    assert client.run(code, str(EXAMPLE_01)).ok
    result, model = _in_process(code, str(EXAMPLE_01), "out")
    revive_freed([result.tensors["out"]])  # the example ran out.backward() itself
    engine_order = [model.id_of(step.node) for step in iter_backward(result.tensors["out"], retain_graph=True)]

    graph = client.graph("out")["document"]
    started = client.step_start("out", zero_grad=True)
    assert started["position"] == -1 and started["ready"] == [graph["root_id"]]
    moved = client.continue_()
    assert [e["node"] for e in moved["steps"]] == engine_order
    assert moved["at_end"] and moved["position"] == len(engine_order) - 1

    a = client.tensor_values("var:a")["array"]
    grad = client.tensor_values("var:a.grad")["array"]
    np.testing.assert_allclose(grad, 2 * np.cos(a), rtol=1e-5, atol=1e-6)


def test_stepping_without_zero_grad_accumulates_like_pytorch(client):
    # The example already called out.backward(), so a second backward adds: 2cos(a) + 2cos(a).
    assert client.run(EXAMPLE_01.read_text(), str(EXAMPLE_01)).ok
    client.step_start("out")
    client.continue_()
    a = client.tensor_values("var:a")["array"]
    np.testing.assert_allclose(client.tensor_values("var:a.grad")["array"], 4 * np.cos(a), rtol=1e-5, atol=1e-6)


def test_step_back_breakpoints_run_to_and_reset(client):
    assert client.run(TUTORIAL, "tutorial.py").ok
    doc = client.graph("out")["document"]
    ids = {n["name"].split("::")[-1]: n["id"] for n in doc["nodes"] if n["kind"] == "grad_fn"}
    acc, leaf = ids["AccumulateGrad"], doc["leaves"]["a"]["id"]
    client.step_start("out")

    first = client.step()
    assert [e["name"] for e in first["steps"]] == ["SumBackward0"] and first["current"] == doc["root_id"]
    state = StepSnapshot(client.step_state())
    assert state.state_of(doc["root_id"]) == "current" and state.position == 0

    paused = client.continue_(breakpoints=[ids["SinBackward0"]])
    assert paused["steps"][-1]["name"] == "SinBackward0" and "breakpoint on SinBackward0" in paused["pause_reason"]
    # a * a and sin(a) both feed AccumulateGrad: after sin it still waits for the a * a gradients.
    state = StepSnapshot(client.step_state())
    assert state.state_of(acc) in ("ready", "waiting")
    assert state.leaf_grad(leaf) is None

    done = client.run_to(acc)
    assert done["steps"][-1]["node"] == acc and done["current"] == acc
    grad = client.tensor_values(f"node:{leaf}.grad")["array"]
    a = client.tensor_values("var:a")["array"].astype(np.float64)
    np.testing.assert_allclose(grad, 2 * np.cos(a) + 2 * a, rtol=1e-5, atol=1e-5)
    assert StepSnapshot(client.step_state()).leaf_grad(leaf)._data.shape == (7,)

    back = client.step_back()
    assert back["current"] != acc and client.tensor_values("var:a.grad")["array"] is None
    again = client.step()
    assert again["steps"][0]["node"] == acc  # replayed from history, same result
    np.testing.assert_allclose(client.tensor_values("var:a.grad")["array"], grad)

    reset = client.reset()
    assert reset["position"] == -1 and client.tensor_values("var:a.grad")["array"] is None


def test_kernel_steps_match_the_in_process_stepper(client):
    """The kernel's BackwardRun-driven stepper and the app's Stepper give the same exported steps."""
    assert client.run(TUTORIAL, "tutorial.py").ok
    result, model = _in_process(TUTORIAL, "tutorial.py", "out")
    stepper = EngineStepper(result.tensors["out"])
    for _ in range(4):
        stepper.step()
    expected = to_json(model, None, stepper, root_name="out")
    client.step_start("out")
    client.continue_(max_steps=4, check=False)
    assert client.graph("out")["document"] == expected


def test_node_details_and_saved_tensors(client):
    assert client.run(TUTORIAL, "tutorial.py").ok
    doc = client.graph("out")["document"]
    sin = next(n for n in doc["nodes"] if n["name"] == "SinBackward0")
    details = client.node_details(sin["id"])
    assert details["name"] == "SinBackward0" and details["source"] == ("tutorial.py", 5)
    assert [s["name"] for s in details["saved"]] == ["_saved_self"]
    saved = client.tensor_values(details["saved"][0]["ref"])["array"]
    np.testing.assert_allclose(saved, np.linspace(0, 2 * math.pi, 7), rtol=1e-6)


def test_arrays_arrive_as_arrays_not_lists(client):
    code = "import torch\nbig = torch.arange(250000, dtype=torch.float64).reshape(500, 500).t()\n"
    assert client.run(code, "big.py").ok
    values = client.tensor_values("var:big")
    array = values["array"]
    assert type(array) is np.ndarray and array.dtype == np.float64 and array.shape == (500, 500)
    np.testing.assert_array_equal(array, np.arange(250000, dtype=np.float64).reshape(500, 500).T)
    assert values["dtype"] == "torch.float64"


def test_a_vector_root_steps_with_the_given_v_or_explains_the_ones(client):
    from gradviz.kernel import KernelRequestError

    assert client.run("import torch\nx = torch.ones(3, requires_grad=True)\ny = x * 2\n", "vec.py").ok
    v = np.array([0.1, 1.0, 0.0001], dtype=np.float32)
    started = client.step_start("y", gradient=v)
    assert started["note"] is None
    assert client.continue_()["at_end"]
    np.testing.assert_allclose(client.tensor_values("var:x.grad")["array"], 2 * v, rtol=1e-6)
    # Without v, PyTorch's backward() would refuse; the stepper uses ones and says why.
    note = client.step_start("y")["note"]
    assert "grad can be implicitly created only for scalar outputs" in note and "ones" in note
    with pytest.raises(KernelRequestError, match="Mismatch in shape"):
        client.step_start("y", gradient=np.ones(2, dtype=np.float32))
