"""STATE.keep_freed: backward frees saved tensors as PyTorch does, but the app can revive them."""

import math

import numpy as np
import pytest

import engine as torch
from engine._state import STATE
from engine.autograd import iter_backward
from engine.autograd.graph import revive_freed


@pytest.fixture
def keep_freed():
    STATE.keep_freed = True
    yield
    STATE.keep_freed = False


def _tutorial_graph():
    a = torch.linspace(0.0, 2.0 * math.pi, steps=25, requires_grad=True)
    out = (2 * torch.sin(a) + 1).sum()
    return a, out


def test_second_backward_still_raises_pytorchs_error(keep_freed):
    a, out = _tutorial_graph()
    out.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        out.backward()


def test_revived_graph_replays_the_same_gradients(keep_freed):
    a, out = _tutorial_graph()
    out.backward()
    first = a.grad.numpy().copy()
    assert revive_freed([out]) == 0
    a.grad = None
    for _ in iter_backward(out):
        pass
    np.testing.assert_allclose(a.grad.numpy(), first)
    np.testing.assert_allclose(first, 2 * np.cos(a.detach().numpy()), rtol=1e-5, atol=1e-6)


def test_without_the_switch_nothing_is_kept():
    a, out = _tutorial_graph()
    out.backward()
    assert revive_freed([out]) > 0  # SinBackward0 and MulBackward0 lost their saved tensors
    with pytest.raises(RuntimeError, match="second time"):
        out.backward()
