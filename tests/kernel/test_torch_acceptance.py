"""Issue 12's acceptance run: `gradviz export --backend torch --steps all` on scripts the project does
not ship, checked against an independent walk in plain PyTorch (``tests/kernel/torch_walker.py``,
which never imports gradviz).

Each script is written fresh into a temp dir and exported with the command a user types
(``gradviz export SCRIPT --backend torch -o out.json --steps all``; one in a ``python -m gradviz``
child, the others through ``cli.main`` in the test's process); the walker runs the
same script in a separate plain-torch process (one process walks all five scripts, each in a fresh
namespace: a fresh ``import torch`` costs seconds; the five tests stay on one pytest-xdist worker
so that process runs once), walks ``grad_fn.next_functions`` and records the
execution order with a pre-hook on every node. Both walks number the nodes breadth-first from the
root (children in ``next_functions`` order), so "identical" is exact: the same names in the same
walk, the same edges (with input indices), the same steps in the same order, and bit-identical
leaf gradients (float32 survives JSON exactly) under the same leaf names. The non-scalar root
takes its gradient vector through ``--gradient`` (evaluated in the script, as the app's field is).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import deque
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
WALKER = Path(__file__).with_name("torch_walker.py")

CNN = """
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.conv2 = nn.Conv2d(4, 6, 3)
        self.fc = nn.Linear(6 * 3 * 3, 5)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn(self.conv1(x))), 2)
        x = F.relu(self.conv2(x))
        return self.fc(torch.flatten(x, 1))


model = SmallCNN()
images = torch.randn(2, 1, 10, 10)
labels = torch.tensor([1, 3])
loss = F.cross_entropy(model(images), labels)
"""

GRU = """
import torch
import torch.nn as nn

torch.manual_seed(1)
gru = nn.GRU(input_size=3, hidden_size=5, num_layers=2, batch_first=True)
head = nn.Linear(5, 1)
seq = torch.randn(2, 4, 3)
target = torch.randn(2, 1)
out, h = gru(seq)
loss = nn.functional.mse_loss(head(out[:, -1]), target)
"""

TRANSFORMER = """
import torch
import torch.nn as nn

torch.manual_seed(2)


class Block(nn.Module):
    def __init__(self, d=8, heads=2):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.ln2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x):
        h = self.ln1(x)
        mask = torch.triu(torch.full((x.shape[1], x.shape[1]), float("-inf")), diagonal=1)
        a, _ = self.attn(h, h, h, attn_mask=mask, need_weights=False)
        x = x + a
        return x + self.mlp(self.ln2(x))


block = Block()
tokens = torch.randn(2, 5, 8)
loss = block(tokens).pow(2).mean()
"""

CUSTOM_FUNCTION_WITH_HOOKS = """
import torch
import torch.nn as nn

torch.manual_seed(3)


class ClampedExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, limit):
        y = x.clamp(max=limit).exp()
        ctx.save_for_backward(x, y)
        ctx.limit = limit
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return grad * y * (x <= ctx.limit), None


seen = []
layer = nn.Linear(4, 3)
layer.register_full_backward_hook(lambda module, gin, gout: seen.append("module"))
x = torch.randn(5, 4, requires_grad=True)
h = layer(x)
h.register_hook(lambda g: g * 2)  # a tensor hook that changes the gradient flowing on
y = ClampedExp.apply(h, 0.5)
y.grad_fn.register_prehook(lambda grads: seen.append("node"))
loss = (y * torch.linspace(-1, 1, 3)).sum()
"""

NON_SCALAR_ROOT = """
import torch

torch.manual_seed(4)
w = torch.randn(3, 4, requires_grad=True)
b = torch.randn(4, requires_grad=True)
x = torch.randn(6, 3)
out = torch.tanh(x @ w + b) * b
"""

# name -> (script, its default root, the gradient vector v for --gradient or None)
SCRIPTS = {"cnn": (CNN, "loss", None), "gru": (GRU, "loss", None), "transformer": (TRANSFORMER, "loss", None),
           "custom_function_hooks": (CUSTOM_FUNCTION_WITH_HOOKS, "loss", None),
           "non_scalar_root": (NON_SCALAR_ROOT, "out", "torch.linspace(-2, 2, 24).reshape(6, 4)")}


def _environment() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO)
    return env


# The script exported by a `python -m gradviz export` child process, exactly as a user types it.
# The others go through the same command line in this process (``cli.main``): a child would import
# gradviz and start a torch kernel server (import torch) again, ~4 s each.
IN_A_CHILD = "cnn"


def _export(script: Path, out: Path, gradient: str | None, in_a_child: bool, capsys) -> dict:
    args = ["export", str(script), "--backend", "torch", "-o", str(out), "--steps", "all",
            "--timeout", "300", *([] if gradient is None else ["--gradient", gradient])]
    if in_a_child:
        done = subprocess.run([sys.executable, "-m", "gradviz", *args], cwd=script.parent,
                              env=_environment(), capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
    else:
        from gradviz import cli

        assert cli.main(args) == 0, capsys.readouterr().err
    return json.loads(out.read_text())


class IndependentWalks:
    """The walker (``torch_walker.py --many``) over every script of SCRIPTS, in one plain-torch
    process started at once; ``result(name)`` waits for it and returns that script's walk."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        jobs = []
        for name, (source, root, gradient) in SCRIPTS.items():
            (folder / name).mkdir()
            script = folder / name / f"{name}.py"
            script.write_text(source.lstrip())
            jobs.append([str(script), root, str(folder / name / "walk.json"), gradient])
        (folder / "jobs.json").write_text(json.dumps(jobs))
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)  # plain torch: nothing of gradviz on the path
        self.stderr = folder / "stderr.txt"
        with open(folder / "stdout.txt", "w") as stdout, open(self.stderr, "w") as stderr:
            self.process = subprocess.Popen([sys.executable, str(WALKER), "--many", str(folder / "jobs.json")],
                                            cwd=folder, env=env, stdout=stdout, stderr=stderr)

    def result(self, name: str) -> dict:
        returncode = self.process.wait(timeout=600)
        assert returncode == 0, self.stderr.read_text()
        walk = json.loads((self.folder / name / "walk.json").read_text())
        assert "error" not in walk, walk.get("error")
        return walk

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


@pytest.fixture(scope="module")
def independent_walks(tmp_path_factory):
    walks = IndependentWalks(tmp_path_factory.mktemp("torch_walks"))
    yield walks
    walks.close()


def _export_walk(document: dict) -> dict:
    """The export's graph walked as the walker walks torch's: breadth-first from the root over the
    edges to grad_fn nodes in input_index order, each node numbered when first reached."""
    nodes = {node["id"]: node for node in document["nodes"]}
    children: dict[str, list] = {}
    accumulated: dict[str, str] = {}  # AccumulateGrad id -> its leaf tensor node id
    for edge in document["edges"]:
        if nodes[edge["target"]]["kind"] == "grad_fn":
            children.setdefault(edge["source"], []).append((edge["input_index"], edge["target"]))
        elif nodes[edge["target"]]["kind"] == "tensor":
            accumulated[edge["source"]] = edge["target"]
    order, number, queue = [], {document["root_id"]: 0}, deque([document["root_id"]])
    while queue:
        node = queue.popleft()
        order.append(node)
        for _index, child in sorted(children.get(node, [])):
            if child not in number:
                number[child] = len(number)
                queue.append(child)
    edges = [[number[node], index, number[child]] for node in order for index, child in sorted(children.get(node, []))]
    leaf_by_id = {leaf["id"]: {"name": name, "values": leaf["grad"]} for name, leaf in document["leaves"].items()}
    leaf_grads = {str(number[acc]): leaf_by_id.get(tensor) for acc, tensor in accumulated.items() if acc in number}
    grad_fn_count = sum(node["kind"] == "grad_fn" for node in document["nodes"])
    return {"names": [nodes[n]["name"] for n in order], "edges": edges, "grad_fns": grad_fn_count,
            "order": [number[step["node"]] for step in document["steps"]], "leaf_grads": leaf_grads}


@pytest.mark.xdist_group("torch_acceptance")  # one worker: the module's one walker process
@pytest.mark.runs_long  # the five stay on one worker (~35 s): started first, not left to the end
@pytest.mark.parametrize("name", list(SCRIPTS))
def test_export_matches_an_independent_walk_of_real_torch(name, tmp_path, independent_walks, capsys):
    source, root, gradient = SCRIPTS[name]
    script = tmp_path / f"{name}.py"
    script.write_text(source.lstrip())
    exported = _export(script, tmp_path / "out.json", gradient, name == IN_A_CHILD, capsys)
    truth = independent_walks.result(name)
    assert exported["root"] == root
    ours = _export_walk(exported)
    assert ours["names"] == truth["names"]
    assert ours["grad_fns"] == len(truth["names"])  # no node the walk does not reach
    assert ours["edges"] == truth["edges"]
    assert ours["order"] == truth["order"]  # the steps, in the order torch's engine ran the nodes
    assert len(ours["order"]) == len(truth["names"])  # every node ran once
    assert ours["leaf_grads"].keys() == truth["leaf_grads"].keys() and truth["leaf_grads"]
    for key, expected in truth["leaf_grads"].items():
        got = ours["leaf_grads"][key]
        assert got is not None and expected["values"] is not None, key
        assert got["name"] == expected["name"]  # named by its variable or named_parameters()
        want = np.asarray(expected["values"], dtype=np.float32)
        assert np.array_equal(np.asarray(got["values"], dtype=np.float32), want), (name, expected["name"])
