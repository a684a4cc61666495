"""KernelClient.step_state asks only for the edge gradients of the steps after the last state it
received and keeps the others itself (documents.step_state's ``since``). Whatever the moves -- steps,
steps back, Continue, Run-to, Reset, a new backward, a new run -- the answer must equal the whole
state the kernel would send to a new asker, under both backends."""

from __future__ import annotations

import numpy as np
import pytest

from gradviz.kernel import protocol
from gradviz.kernel.client import KernelClient

SCRIPT = """
import torch
gen = torch.Generator().manual_seed(0)
x = torch.randn(3, 4, generator=gen, requires_grad=True)
w = torch.randn(4, 4, generator=gen, requires_grad=True)
h = x
for i in range(4):
    h = (h @ w).tanh() + h
a, b = h.split(2, dim=1)
loss = (a * 3).sum() + b.pow(2).mean()
"""


def _whole(client: KernelClient) -> dict:
    """What a new asker gets: no ``since``, every edge gradient."""
    return protocol.unpack_step_state(client._call("step_state"))


def _same(kept: dict, whole: dict) -> None:
    whole = {k: v for k, v in whole.items() if k not in ("edges_base", "token")}
    assert kept.keys() == whole.keys()
    assert kept["edge_grads"].keys() == whole["edge_grads"].keys()
    for key, array in whole["edge_grads"].items():
        assert np.array_equal(kept["edge_grads"][key], array), key
    for key in whole:
        if key not in ("edge_grads", "leaf_grads"):
            assert kept[key] == whole[key], key


@pytest.mark.parametrize("backend", ["engine", "torch"])
def test_the_kept_edges_plus_the_new_ones_are_the_whole_state(backend):
    with KernelClient(prestart=False) as client:
        assert client.run(SCRIPT, backend=backend).ok
        client.graph("loss")
        client.step_start("loss", zero_grad=True)
        moves = [client.step, client.step, client.step, client.step_back, client.step,
                 lambda: client.continue_(max_steps=5), client.step_back, client.step_back,
                 client.reset, client.step, lambda: client.continue_(), client.step_back]
        sizes = []
        for move in moves:
            move()
            kept = client.step_state()
            sizes.append(len(kept["edge_grads"]))
            _same(kept, _whole(client))
        assert max(sizes) > 10 and sizes[8] == 0  # the edges grew, and Reset emptied them
        # Only the new steps travel: one step after the end-of-backward state sends no old edges.
        client.step_back()
        cache_position = client._edges_cache["position"]
        answer = protocol.unpack_step_state(client._call("step_state", since=cache_position,
                                                          token=client._edges_cache["token"]))
        assert answer["edges_base"] == cache_position - 1 and answer["edge_grads"] == {}
        # A new backward is a new token: the kernel sends everything again, and the client drops its copy.
        client.step_start("loss", zero_grad=True)
        client.continue_(max_steps=3)
        _same(client.step_state(), _whole(client))
        # A new run (a new kernel) as well.
        assert client.run(SCRIPT.replace("range(4)", "range(2)"), backend=backend).ok
        client.graph("loss")
        client.step_start("loss", zero_grad=True)
        client.continue_()
        _same(client.step_state(), _whole(client))
