"""The torch backend's step_state from its index (torch_step_state.py) is exactly the answer of
asking the stepper about every node (documents.step_state), at every position of the replay."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gradviz.kernel import torch_documents

DOCS = torch_documents.TorchDocuments()

SCRIPTS = {
    # A residual chain (the bench's graph, small), with a weight used at every block.
    "chain": ("h = torch.randn(4, 8, generator=gen)\nw = torch.randn(8, 8, generator=gen, requires_grad=True)\n"
              "b = torch.zeros(8, requires_grad=True)\nfor i in range(6):\n    h = h + (h @ w + b).tanh() * 0.5\n"
              "loss = h.pow(2).mean()\n", "loss"),
    # A retain_grad() tensor, a leaf used twice, a node with several outputs, a .grad from before.
    "retained": ("x = torch.randn(3, 4, generator=gen, requires_grad=True)\nx.grad = torch.ones(3, 4)\n"
                 "y = (x * x).sin()\ny.retain_grad()\na, b = y.split(2, dim=1)\nloss = (a * 3).sum() + b.mean()\n",
                 "loss"),
    # A non-scalar root (ones as v) and a leaf as root.
    "vector": ("w = torch.randn(5, generator=gen, requires_grad=True)\nout = w.exp() * w\n", "out"),
    "leaf": ("w = torch.randn(5, generator=gen, requires_grad=True)\n", "w"),
}


def _same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key in a:
        if key in ("edge_grads", "leaf_grads"):
            assert a[key].keys() == b[key].keys(), key
            for k in a[key]:
                assert a[key][k].dtype == b[key][k].dtype and np.array_equal(a[key][k], b[key][k]), (key, k)
        else:
            assert a[key] == b[key], key


@pytest.mark.parametrize("name", list(SCRIPTS))
@pytest.mark.parametrize("max_nodes", [None, 7])
def test_the_index_answers_as_asking_every_node_does(name, max_nodes):
    source, root_name = SCRIPTS[name]
    namespace = {"torch": torch, "gen": torch.Generator().manual_seed(0)}
    exec(source, namespace)
    tensors = {k: v for k, v in namespace.items() if isinstance(v, torch.Tensor)}
    root = namespace[root_name]
    model = DOCS.build_model(root, namespace, tensors, max_nodes=max_nodes)
    stepper = DOCS.new_stepper(root, None, name != "retained", model)
    positions = []
    while True:
        positions.append(stepper.position)
        _same(DOCS.step_state(model, stepper), torch_documents.step_state_by_asking(model, stepper))
        if stepper.step() is None:
            break
    assert positions == list(range(-1, len(stepper.history)))
    stepper.step_back()
    stepper.step_back()
    _same(DOCS.step_state(model, stepper), torch_documents.step_state_by_asking(model, stepper))
    stepper.reset()
    _same(DOCS.step_state(model, stepper), torch_documents.step_state_by_asking(model, stepper))
