"""Graphs of real models, shared by the layout tests and ``bench/bench_layout.py``.

Each builder returns the display graph the app draws (``display_graph`` of the model's
``GraphModel``, nothing collapsed), with module paths on the nodes. The models are built with the
engine directly (fast: no script run) except the tutorial examples, which run as scripts the way
the app runs them.
"""

from __future__ import annotations

import os

import networkx as nx

import engine
from gradviz.kernel.graph_builder import GraphModel, attach_variable_names, tensor_names
from gradviz.model.graph_model import display_graph

nn = engine.nn
F = engine.nn.functional

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _graph(root, namespace: dict | None = None) -> nx.DiGraph:
    return display_graph(_model(root, namespace))[0]


def _model(root, namespace: dict | None = None) -> GraphModel:
    return GraphModel.from_root(root, tensor_names(namespace or {}))


def residual_mlp_loss() -> tuple:
    """``Linear -> 3 x (x + tanh(Linear(x))) -> Linear``, cross-entropy (the issue's 40-node model)."""
    engine.manual_seed(0)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(16, 16)

        def forward(self, x):
            return x + engine.tanh(self.linear(x))

    class ResidualMLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.inp = nn.Linear(8, 16)
            self.blocks = nn.Sequential(*(Block() for _ in range(3)))
            self.out = nn.Linear(16, 4)

        def forward(self, x):
            return self.out(self.blocks(self.inp(x)))

    model = ResidualMLP()
    loss = F.cross_entropy(model(engine.randn(5, 8)), engine.tensor([0, 1, 2, 3, 0]))
    return loss, {"model": model}


def residual_mlp() -> nx.DiGraph:
    return _graph(*residual_mlp_loss())


def lenet_loss() -> tuple:
    """LeNet as in PyTorch's "Neural Networks" tutorial: two Conv2d + ReLU + max-pool stages
    (``F.max_pool2d``), three Linear layers, cross-entropy.

    (Example 11 calls one ``nn.MaxPool2d`` module twice; one box around both calls must contain
    conv2 between them, so no layout keeps that model's boxes disjoint.)"""
    engine.manual_seed(0)

    class LeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 4 * 4, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), 2)
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = x.flatten(1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    model = LeNet()
    loss = F.cross_entropy(model(engine.randn(2, 1, 28, 28)), engine.tensor([3, 7]))
    return loss, {"model": model}


def lenet() -> nx.DiGraph:
    return _graph(*lenet_loss())


def gru_unrolled_loss(steps: int = 16) -> tuple:
    """A GRUCell applied in a loop over ``steps`` time steps, a Linear head on the last state."""
    engine.manual_seed(0)

    class Unrolled(nn.Module):
        def __init__(self):
            super().__init__()
            self.cell = nn.GRUCell(6, 12)
            self.head = nn.Linear(12, 6)

        def forward(self, xs):
            h = engine.zeros(1, 12)
            for t in range(xs.shape[0]):
                h = self.cell(xs[t], h)
            return self.head(h)

    model = Unrolled()
    loss = F.cross_entropy(model(engine.randn(steps, 1, 6)), engine.tensor([2]))
    return loss, {"model": model}


def gru_unrolled(steps: int = 16) -> nx.DiGraph:
    return _graph(*gru_unrolled_loss(steps))


def transformer_block_loss() -> tuple:
    """One ``nn.TransformerEncoderLayer`` (self-attention, LayerNorms, feed-forward) and a head."""
    engine.manual_seed(0)

    class OneBlock(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = nn.TransformerEncoderLayer(16, nhead=4, dim_feedforward=32, dropout=0.0, batch_first=True)
            self.head = nn.Linear(16, 5)

        def forward(self, x):
            return self.head(self.block(x))

    model = OneBlock()
    out = model(engine.randn(2, 5, 16))
    loss = F.cross_entropy(out.reshape(10, 5), engine.tensor([0, 1, 2, 3, 4, 4, 3, 2, 1, 0]))
    return loss, {"model": model}


def transformer_block() -> nx.DiGraph:
    return _graph(*transformer_block_loss())


def example(name: str) -> nx.DiGraph:
    """The display graph of a tutorial example script at its default root (as the app opens it)."""
    return display_graph(example_model(name)[0])[0]


def example_model(name: str) -> tuple[GraphModel, object]:
    """The graph model of a tutorial example script at its default root, and that root tensor."""
    from gradviz.kernel.session import Session

    path = os.path.join(ROOT, "resources", "examples", name)
    with open(path, encoding="utf-8") as handle:
        result = Session().run_sync(handle.read(), path)
    root = result.tensors[result.default_root]
    model = GraphModel.from_root(root, tensor_names(result.namespace))
    attach_variable_names(model, result.tensors)
    return model, root


# name -> builder; the benchmark set of issue 13.
REAL_MODELS = {
    "residual MLP": residual_mlp,
    "LeNet": lenet,
    "GRU x16": gru_unrolled,
    "transformer block": transformer_block,
    "TinyModel (02)": lambda: example("02_training_tinymodel.py"),
    "simple (01)": lambda: example("01_simple_example.py"),
    "two-layer tanh (08)": lambda: example("08_two_layer_tanh.py"),
    "softmax CE (09)": lambda: example("09_softmax_cross_entropy.py"),
}


# name -> (GraphModel, root tensor) builder, for stepping backward through a model in the scene.
REAL_MODEL_RUNS = {
    "residual MLP": lambda: _with_model(*residual_mlp_loss()),
    "LeNet": lambda: _with_model(*lenet_loss()),
    "GRU x16": lambda: _with_model(*gru_unrolled_loss()),
    "transformer block": lambda: _with_model(*transformer_block_loss()),
    "TinyModel (02)": lambda: example_model("02_training_tinymodel.py"),
    "simple (01)": lambda: example_model("01_simple_example.py"),
    "two-layer tanh (08)": lambda: example_model("08_two_layer_tanh.py"),
    "softmax CE (09)": lambda: example_model("09_softmax_cross_entropy.py"),
}


def _with_model(root, namespace) -> tuple[GraphModel, object]:
    return _model(root, namespace), root
