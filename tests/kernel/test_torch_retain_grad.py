"""Non-leaf retain_grad() under the torch backend: y.grad as the engine shows it (issue 12)."""

from __future__ import annotations

import numpy as np
import pytest

from gradviz.kernel import KernelClient

SCRIPT = ("import torch\nx = torch.tensor([1.0, 2.0], requires_grad=True)\ny = x * 3\ny.retain_grad()\n"
          "loss = (y * y).sum()\n")


@pytest.fixture(params=["engine", "torch"])
def client(request):
    c = KernelClient(prestart=False)
    c.backend = request.param
    yield c
    c.close()


def _y_grad(client):
    return client.tensor_values("var:y.grad")["array"]


def test_after_the_scripts_own_backward_y_has_its_grad(client):
    result = client.run(SCRIPT + "loss.backward()\n", "<t>", client.backend)
    assert result.ok and result.backend == client.backend
    assert result.tensor("y").has_grad and not result.tensor("loss").has_grad
    np.testing.assert_allclose(_y_grad(client), [6.0, 12.0])  # d(sum y^2)/dy = 2y


def test_stepping_writes_y_grad_when_its_node_runs(client):
    result = client.run(SCRIPT, "<t>", client.backend)
    assert not result.tensor("y").has_grad
    client.step_start("loss")
    seen = []
    while True:
        answer = client.step()
        if not answer["steps"]:
            break
        seen.append((answer["steps"][-1]["name"], None if _y_grad(client) is None else list(_y_grad(client))))
    # Sum, Mul (y*y), Mul (x*3: y's grad_fn, where y.grad is written), AccumulateGrad
    assert [grad for _name, grad in seen] == [None, None, [6.0, 12.0], [6.0, 12.0]]
    client.step_back()
    client.step_back()
    assert _y_grad(client) is None


def test_a_second_backward_accumulates_and_the_scripts_grad_is_left_alone(client):
    client.run(SCRIPT + "loss.backward(retain_graph=True)\n", "<t>", client.backend)
    client.step_start("loss")
    client.continue_()
    np.testing.assert_allclose(_y_grad(client), [12.0, 24.0])  # torch adds into y.grad
    client.reset()
    np.testing.assert_allclose(_y_grad(client), [6.0, 12.0])
