"""A script that already called backward() can still be stepped through (the tutorial's first cell)."""

from pathlib import Path

import numpy as np
import pytest

from gradviz.kernel.engine_stepping import EngineStepper
from gradviz.kernel.session import Session

EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "examples" / "01_simple_example.py"


def test_stepping_replays_the_scripts_backward_and_accumulates():
    result = Session().run_sync(EXAMPLE.read_text(), str(EXAMPLE))
    a, out = result.namespace["a"], result.namespace["out"]
    cos = 2 * np.cos(a.detach().numpy())
    np.testing.assert_allclose(a.grad.numpy(), cos, rtol=1e-5, atol=1e-6)  # the script's own backward
    stepper = EngineStepper(out)
    stepper.continue_()
    assert stepper.history[-1].node.name() == "torch::autograd::AccumulateGrad"
    # A second backward without zero_grad adds to .grad, exactly like PyTorch would with retain_graph.
    np.testing.assert_allclose(a.grad.numpy(), 2 * cos, rtol=1e-5, atol=1e-6)


def test_the_users_own_second_backward_still_fails_like_pytorch():
    code = EXAMPLE.read_text() + "\nout.backward()\n"
    with pytest.raises(Exception) as info:
        Session().run_sync(code, str(EXAMPLE))
    assert "backward through the graph a second time" in str(getattr(info.value, "error", info.value))
