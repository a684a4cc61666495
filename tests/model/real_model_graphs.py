"""Graphs of real models, shared by the layout tests and ``bench/bench_layout.py``.

Each builder returns the display graph the app draws (``display_graph`` of the model's
``GraphModel``, nothing collapsed), with module paths on the nodes. Every model is a script run the
way the app runs it: the four real models are ``bench/layout_models/*.py`` (the same files the
layout screenshots open), the rest are tutorial examples.
"""

from __future__ import annotations

import os

import networkx as nx
from residual_scripts import residual_blocks_script

from gradviz.kernel.graph_builder import GraphModel, attach_variable_names, tensor_names
from gradviz.model.graph_model import display_graph

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _graph(root, namespace: dict | None = None) -> nx.DiGraph:
    return display_graph(_model(root, namespace))[0]


def _model(root, namespace: dict | None = None) -> GraphModel:
    return GraphModel.from_root(root, tensor_names(namespace or {}))


LAYOUT_MODELS = os.path.join(ROOT, "bench", "layout_models")


def _script_loss(name: str) -> tuple:
    """Run ``bench/layout_models/NAME`` (the scripts the layout screenshots open in the app) with
    ``torch`` bound to engine; its ``loss`` and, for naming parameters, its ``model`` only."""
    from gradviz.kernel.session import Session

    path = os.path.join(LAYOUT_MODELS, name)
    with open(path, encoding="utf-8") as handle:
        namespace = Session().run_sync(handle.read(), path).namespace
    return namespace["loss"], {"model": namespace["model"]}


def residual_mlp_loss() -> tuple:
    """``Linear -> 3 x (x + tanh(Linear(x))) -> Linear``, cross-entropy (the issue's 40-node model)."""
    return _script_loss("residual_mlp.py")


def residual_mlp() -> nx.DiGraph:
    return _graph(*residual_mlp_loss())


def lenet_loss() -> tuple:
    """LeNet as in PyTorch's "Neural Networks" tutorial: two Conv2d + ReLU + max-pool stages
    (``F.max_pool2d``), three Linear layers, cross-entropy.

    (Example 11 calls one ``nn.MaxPool2d`` module twice; one box around both calls must contain
    conv2 between them, so no layout keeps that model's boxes disjoint.)"""
    return _script_loss("lenet.py")


def lenet() -> nx.DiGraph:
    return _graph(*lenet_loss())


def gru_unrolled_loss() -> tuple:
    """A GRUCell applied in a loop over 16 time steps, a Linear head on the last state."""
    return _script_loss("gru16.py")


def gru_unrolled() -> nx.DiGraph:
    return _graph(*gru_unrolled_loss())


def transformer_block_loss() -> tuple:
    """One ``nn.TransformerEncoderLayer`` (self-attention, LayerNorms, feed-forward) and a head."""
    return _script_loss("transformer_block.py")


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


NESTED_SCRIPT = residual_blocks_script(2)


def nested_modules() -> nx.DiGraph:
    """Modules three deep (``blocks.1.fc``) right under the root op, which belongs to none: the
    outer box's three title strips reach up towards the root's row."""
    from gradviz.kernel.session import Session

    namespace = Session().run_sync(NESTED_SCRIPT, "<nested modules>").namespace
    return _graph(namespace["loss"], {"model": namespace["model"]})
