"""The torch backend: a script run on the real PyTorch in the kernel gives torch's own graph, gradients
and backward order, checked against an independent walk and hook recording done here, in the test
process, on the same script.

torch is in the test extra and installed in CI: there these tests must run (a missing torch fails
them); elsewhere they are skipped with the reason.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
from collections import deque
from pathlib import Path

import numpy as np
import pytest

if importlib.util.find_spec("torch") is None:
    if os.environ.get("CI"):
        pytest.fail("torch is not installed, but the torch backend's tests must run in CI "
                    "(torch is in the test extra)", pytrace=False)
    pytest.skip("torch is not installed: the torch backend's tests need it (CI installs it)",
                allow_module_level=True)

import torch  # noqa: E402

from gradviz.kernel import KernelClient, KernelRequestError  # noqa: E402
from gradviz.kernel.backends import choose_backend, directive_backend  # noqa: E402
from gradviz.model.export import validate_graph_json  # noqa: E402

REPO = Path(__file__).resolve().parents[2]

SCRIPTS = {
    "cnn": """\
        import torch
        import torch.nn as nn
        torch.manual_seed(0)
        net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                            nn.Linear(2 * 3 * 3, 2))
        x = torch.randn(2, 1, 8, 8)
        loss = net(x).pow(2).sum()
        """,
    "gru": """\
        import torch
        import torch.nn as nn
        torch.manual_seed(1)
        gru = nn.GRU(3, 4, batch_first=True)
        x = torch.randn(2, 5, 3)
        out, h = gru(x)
        loss = out.sum() + h.pow(2).sum()
        """,
    "transformer": """\
        import torch
        import torch.nn as nn
        torch.manual_seed(2)
        layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0,
                                           batch_first=True)
        src = torch.randn(2, 3, 8)
        loss = layer(src).pow(2).mean()
        """,
    "function": """\
        import torch

        class Cube(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                return 3 * x * x * grad

        torch.manual_seed(3)
        w = torch.randn(4, requires_grad=True)
        y = Cube.apply(w * 2)
        loss = (y + w).sum()
        """,
    "hook": """\
        import torch
        torch.manual_seed(4)
        a = torch.randn(3, requires_grad=True)
        b = a * a
        b.register_hook(lambda g: g * 10)
        c = b.exp()
        loss = c.sum() + a.sum()
        """,
}


def code_of(name: str) -> str:
    return textwrap.dedent(SCRIPTS[name])


@pytest.fixture(scope="module")
def client():
    with KernelClient(prestart=True) as c:
        yield c


def run_here(code: str) -> dict:
    namespace: dict = {"__name__": "__main__"}
    exec(compile(code, "here.py", "exec"), namespace)
    return namespace


def bfs_nodes(root_fn) -> list:
    """grad_fn nodes breadth first in next_functions order: the order the document lists them."""
    order, seen, queue = [], {root_fn}, deque([root_fn])
    while queue:
        node = queue.popleft()
        order.append(node)
        for child, _ in node.next_functions:
            if child is not None and child not in seen:
                seen.add(child)
                queue.append(child)
    return order


def structure(nodes: list) -> tuple[list, list]:
    """Names in order and edges as (parent position, input index, child position)."""
    position = {n: i for i, n in enumerate(nodes)}
    edges = [(position[n], i, position[c]) for n in nodes for i, (c, _) in enumerate(n.next_functions)
             if c is not None]
    return [n.name() for n in nodes], sorted(edges)


def document_structure(doc: dict) -> tuple[list, list, dict]:
    grad_fns = [n for n in doc["nodes"] if n["kind"] == "grad_fn"]
    position = {n["id"]: i for i, n in enumerate(grad_fns)}
    edges = sorted((position[e["source"]], e["input_index"], position[e["target"]])
                   for e in doc["edges"] if e["source"] in position and e["target"] in position)
    return [n["name"] for n in grad_fns], edges, position


def hook_order(root, gradient=None) -> list:
    """The order torch's engine runs the nodes of ``root``'s graph, recorded here with node hooks."""
    nodes = bfs_nodes(root.grad_fn)
    ran, handles = [], []
    for node in nodes:
        handles.append(node.register_hook(lambda gi, go, node=node: ran.append(node)))
    torch.autograd.backward(root, grad_tensors=gradient, retain_graph=True)
    for h in handles:
        h.remove()
    position = {n: i for i, n in enumerate(nodes)}
    return [position[n] for n in ran]


def run_and_step(client, name: str, root: str = "loss", gradient=None):
    result = client.run(code_of(name), f"{name}.py", "torch")
    assert result.ok, result.error
    assert result.backend == "torch"
    client.step_start(root, gradient=gradient)
    moved = client.continue_(check=False)
    assert moved["at_end"]
    return result, client.graph(root)["document"], moved["steps"]


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_graph_gradients_and_order_are_torchs_own(client, name):
    _, doc, steps = run_and_step(client, name)
    assert validate_graph_json(doc) == []
    namespace = run_here(code_of(name))
    loss = namespace["loss"]
    names, edges = structure(bfs_nodes(loss.grad_fn))
    doc_names, doc_edges, position = document_structure(doc)
    assert doc_names == names
    assert doc_edges == edges
    # steps: exactly the order torch's engine ran the nodes (recorded here independently)
    assert [position[s["node"]] for s in steps] == hook_order(loss)
    # leaf gradients: those of a plain loss.backward() (hook_order ran it here)
    leaves = {n: t for n, t in namespace.items() if isinstance(t, torch.Tensor) and t.is_leaf and t.requires_grad}
    for var, value in namespace.items():
        if isinstance(value, torch.nn.Module):
            leaves.update({f"{var}.{p}": t for p, t in value.named_parameters()})
    assert set(doc["leaves"]) == set(leaves)
    for leaf_name, tensor in leaves.items():
        np.testing.assert_array_equal(np.asarray(doc["leaves"][leaf_name]["grad"], dtype=np.float32),
                                      tensor.grad.numpy())


def test_nodes_know_their_module_and_line(client):
    _, doc, _ = run_and_step(client, "transformer")
    line = next(i for i, text in enumerate(code_of("transformer").splitlines(), 1) if text.startswith("loss"))
    by_module = {}
    for node in doc["nodes"]:
        by_module.setdefault(node["module"], []).append(node)
    assert {"layer", "layer.self_attn", "layer.linear1", "layer.linear2", "layer.norm1",
            "layer.norm2"} <= set(by_module)
    assert all(n["source"] == f"transformer.py:{line}" for n in doc["nodes"] if n["kind"] == "grad_fn"
               and not n["name"].endswith("AccumulateGrad"))
    # the parameters' accumulators sit in the module that uses them
    weights = {n["name"]: n["module"] for n in doc["nodes"] if n["kind"] == "tensor"}
    assert weights["layer.linear1.weight"] == "layer.linear1"
    assert weights["layer.self_attn.in_proj_weight"] == "layer.self_attn"
    pow_node = next(n for n in doc["nodes"] if n["name"] == "PowBackward0")
    assert pow_node["module"] == ""


def test_a_custom_function_node_and_its_line(client):
    _, doc, _ = run_and_step(client, "function")
    custom = [n for n in doc["nodes"] if n["name"] == "CubeBackward"]
    assert len(custom) == 1
    assert custom[0]["source"] == "function.py:16"  # y = Cube.apply(w * 2)


def test_non_scalar_root_takes_the_gradient_vector(client):
    code = "import torch\nw = torch.tensor([1., 2., 3.], requires_grad=True)\ny = w * w * torch.tensor([1., -1., 2.])\n"
    result = client.run(code, "vec.py", "torch")
    assert result.ok, result.error
    v = np.array([0.5, 2.0, -1.0], dtype=np.float32)
    started = client.step_start("y", gradient=v)
    assert started["note"] is None
    client.continue_(check=False)
    doc = client.graph("y")["document"]
    here = run_here(code)
    here["y"].backward(torch.tensor(v))
    np.testing.assert_array_equal(np.asarray(doc["leaves"]["w"]["grad"], dtype=np.float32), here["w"].grad.numpy())
    # without a vector: ones, with the same note as the engine path gives
    started = client.step_start("y")
    assert "grad can be implicitly created only for scalar outputs" in started["note"]


def test_nan_breakpoint_stops_at_the_node_that_first_sends_nan(client):
    code = ("import torch\nx = torch.tensor([0., 1.], requires_grad=True)\na = x.sqrt()\n"
            "b = (a * 0.0).exp()\nloss = b.sum()\n")
    assert client.run(code, "nan.py", "torch").ok
    client.step_start("loss")
    moved = client.continue_(break_on_nan=True)
    assert moved["steps"][-1]["name"] == "SqrtBackward0"
    assert "NaN" in moved["pause_reason"] and "nan.py:3" in moved["pause_reason"]
    assert not moved["at_end"]
    # the node breakpoint, and a continue to the end
    sqrt_id = moved["current"]
    client.reset()
    moved = client.continue_(breakpoints=[sqrt_id])
    assert moved["current"] == sqrt_id and moved["pause_reason"].startswith("breakpoint on SqrtBackward0")
    assert client.continue_(check=False)["at_end"]


def test_zero_gradient_and_norm_breakpoints(client):
    code = ("import torch\nx = torch.tensor([-1., -2.], requires_grad=True)\nr = torch.relu(x)\n"
            "loss = (r * 3).sum()\n")
    assert client.run(code, "zero.py", "torch").ok
    client.step_start("loss")
    moved = client.continue_(break_on_zero=True)
    assert moved["steps"][-1]["name"] == "ReluBackward0" and "zero" in moved["pause_reason"]
    client.reset()
    moved = client.continue_(norm_threshold=4.0)  # MulBackward0 sends [3, 3]: norm 4.24
    assert moved["steps"][-1]["name"] == "MulBackward0" and "norm" in moved["pause_reason"]


def test_states_follow_the_recorded_order_and_dependency_counts(client):
    code = "import torch\na = torch.tensor([1., 2.], requires_grad=True)\nb = a * 2\nc = b * b\nloss = (c + b).sum()\n"
    assert client.run(code, "deps.py", "torch").ok
    started = client.step_start("loss")
    doc = client.graph("loss")["document"]
    parents = {}
    for e in doc["edges"]:
        parents.setdefault(e["target"], []).append(e["source"])
    grad_fns = [n["id"] for n in doc["nodes"] if n["kind"] == "grad_fn"]
    assert started["ready"] == [doc["root_id"]]
    done: list[str] = []
    while True:
        state = client.step_state()
        for node in grad_fns:
            if node in done:
                assert state["states"][node] in ("done", "current")
                continue
            arrived = sum(p in done for p in parents.get(node, []))
            needed = len(parents.get(node, []))
            expected = "ready" if node == doc["root_id"] or arrived == needed else \
                "waiting" if arrived else "pending"
            assert state["states"][node] == expected, (node, state["position"])
            if expected == "waiting":
                assert state["waiting"][node] == needed - arrived
        moved = client.step()
        if not moved["steps"]:
            break
        done.append(moved["steps"][0]["node"])
    # MulBackward0 of b waits for two gradients (from c = b * b, twice, and from c + b)
    assert len(done) == len(grad_fns)
    # step back undoes the leaf's gradient, stepping forward again gives it back
    end = client.step_state()
    leaf = next(n["id"] for n in doc["nodes"] if n["kind"] == "tensor")
    client.step_back()
    assert leaf not in client.step_state()["leaf_grads"]
    client.step()
    np.testing.assert_array_equal(client.step_state()["leaf_grads"][leaf], end["leaf_grads"][leaf])
    here = run_here(code)
    here["loss"].backward()
    np.testing.assert_array_equal(end["leaf_grads"][leaf], here["a"].grad.numpy())
    # run_to a node that already ran goes back to it
    target = done[1]
    client.run_to(target)
    assert client.step_state()["current"] == target


def test_saved_tensors_readable_and_grads_restored(client):
    code = ("import torch\nw = torch.tensor([1., 2., 3.], requires_grad=True)\nx = torch.tensor([4., 5., 6.])\n"
            "y = w * x\nloss = y.sum()\nloss.backward(retain_graph=True)\n")
    assert client.run(code, "saved.py", "torch").ok
    doc = client.graph("loss")["document"]
    mul = next(n["id"] for n in doc["nodes"] if n["name"] == "MulBackward0")
    details = client.node_details(mul)
    saved = {s["name"]: s for s in details["saved"]}
    # torch saves only what the gradient needs: x (for w's gradient), not w (x needs no gradient)
    assert set(saved) == {"_saved_other"}
    assert ("self", "None") in details["params"]
    np.testing.assert_array_equal(client.tensor_values(saved["_saved_other"]["ref"])["array"], [4., 5., 6.])
    # the script's own backward left w.grad = x; the recording adds to it, zero_grad starts from None
    leaf = doc["leaves"]["w"]["id"]
    for zero_grad, before, after in ((False, [4., 5., 6.], [8., 10., 12.]), (True, None, [4., 5., 6.]),
                                     (False, [4., 5., 6.], [8., 10., 12.])):
        client.step_start("loss", zero_grad=zero_grad)
        state = client.step_state()
        if before is None:
            assert leaf not in state["leaf_grads"]
        else:
            np.testing.assert_array_equal(state["leaf_grads"][leaf], before)
        client.continue_(check=False)
        # the same result each time: every recording put the real w.grad back as the script left it
        np.testing.assert_array_equal(client.step_state()["leaf_grads"][leaf], after)


def test_a_freed_graph_reports_torchs_error(client):
    code = "import torch\nw = torch.ones(2, requires_grad=True)\nloss = (w * w).sum()\nloss.backward()\n"
    assert client.run(code, "freed.py", "torch").ok
    with pytest.raises(KernelRequestError, match="second time"):
        client.step_start("loss")


def test_directive_and_explicit_choice(client):
    code = "# gradviz: backend=torch\nimport torch\nprint(torch.__name__, hasattr(torch, '_C'))\n"
    result = client.run(code, "d.py")
    assert result.ok and result.backend == "torch" and result.output == "torch True\n"
    result = client.run(code, "d.py", "engine")
    assert result.ok and result.backend == "engine" and result.output == "engine False\n"
    assert directive_backend("#!/usr/bin/env python\n# gradviz: backend=torch\n") == "torch"
    assert directive_backend("import torch\n# gradviz: backend=torch\n") is None
    assert choose_backend("x = 1\n") == "engine"
    with pytest.raises(ValueError, match="unknown backend 'tensorflow'"):
        choose_backend("# gradviz: backend=tensorflow\n")


def test_torch_availability_is_told_with_a_reason(client, monkeypatch):
    from gradviz.kernel import backends

    available, reason = client.torch_available(refresh=True)
    assert available and reason == f"torch {torch.__version__}"
    monkeypatch.setattr(backends.importlib.util, "find_spec", lambda name: None)
    assert backends.torch_availability(refresh=True) == (False, backends.NOT_INSTALLED)
    monkeypatch.undo()
    backends.torch_availability(refresh=True)


def test_the_app_side_never_imports_torch(tmp_path):
    probe = textwrap.dedent(
        """\
        import sys
        from gradviz.kernel import KernelClient
        import gradviz.export_job, gradviz.kernel.replica, gradviz.kernel.backends
        with KernelClient(prestart=False) as c:
            assert c.torch_available()[0]
            r = c.run("import torch\\nw = torch.ones(2, requires_grad=True)\\nloss = (w * 3).sum()\\n",
                      "p.py", "torch")
            assert r.ok, r.error
            c.graph("loss"); c.step_start("loss"); c.continue_(); c.step_state()
            c.tensor_values("var:w")
        print(sorted(m for m in sys.modules if m == "torch" or m.startswith("torch.")))
        """
    )
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_mistyped_directive_is_refused_not_run_on_the_engine(client):
    result = client.run("# gradviz: backend=troch\nx = 1\n", "t.py")
    assert result.error.kind == "request" and "unknown backend 'troch'" in result.error.message


def test_the_fork_server_preload_and_engine_runs_do_not_load_torch(client):
    # The fork server imports the worker: torch must not come with it (engine runs stay torch-free).
    done = subprocess.run([sys.executable, "-c", "import sys, gradviz.kernel.worker; print('torch' in sys.modules)"],
                          capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
    result = client.run("import sys\nloaded = 'torch' in sys.modules\nprint(loaded)\n", "e.py", "engine")
    assert result.ok and result.output == "False\n"


def test_saved_tensor_lists_and_a_custom_functions_saved_tensors(client):
    assert client.run(code_of("function") + "z = torch.cat([w, w * 3])[torch.tensor([1, 5])]\n"
                      "total = z.sum() + loss\n",
                      "saved2.py", "torch").ok
    doc = client.graph("total")["document"]
    here = run_here(code_of("function"))
    custom = next(n["id"] for n in doc["nodes"] if n["name"] == "CubeBackward")
    saved = client.node_details(custom)["saved"]
    assert [s["name"] for s in saved] == ["saved_tensors[0]"]
    np.testing.assert_allclose(client.tensor_values(saved[0]["ref"])["array"], (here["w"] * 2).detach().numpy())
    cat = next(n["id"] for n in doc["nodes"] if n["name"] == "CatBackward0")
    details = client.node_details(cat)
    assert all(len(text) <= 200 for _, text in details["params"])
    assert ("dim", "0") in details["params"]
    index = next(n["id"] for n in doc["nodes"] if n["name"] == "IndexBackward0")
    saved = {s["name"]: s for s in client.node_details(index)["saved"]}
    assert set(saved) == {"_saved_indices[0]"}
    np.testing.assert_array_equal(client.tensor_values(saved["_saved_indices[0]"]["ref"])["array"], [1, 5])


def test_a_leaf_root_steps_its_accumulator_and_errors_keep_their_line(client):
    assert client.run("import torch\nw = torch.tensor([1., 2.], requires_grad=True)\n", "leaf.py", "torch").ok
    doc = client.graph("w")["document"]
    assert [n["kind"] for n in doc["nodes"]] == ["tensor"]
    started = client.step_start("w")
    assert "implicitly created only for scalar outputs" in started["note"]
    moved = client.continue_()
    assert [s["name"] for s in moved["steps"]] == ["torch::autograd::AccumulateGrad"]
    assert moved["steps"][0]["node"] == doc["root_id"] and moved["at_end"]
    np.testing.assert_array_equal(client.step_state()["leaf_grads"][doc["root_id"]], [1., 1.])
    failed = client.run("import torch\nimport torch.nn as nn\nlin = nn.Linear(3, 2)\ny = lin(torch.ones(4))\n",
                        "bad.py", "torch")
    assert failed.error.kind == "exception" and failed.error.lineno == 4
    assert "mat1 and mat2 shapes cannot be multiplied" in failed.error.message
