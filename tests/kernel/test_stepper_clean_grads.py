"""EngineStepper(zero_grad=True): the app steps a script's backward from a clean .grad (issue 14)."""

import numpy as np

import engine as torch
from gradviz.kernel.engine_stepping import EngineStepper


def test_clean_grads_steps_from_none_and_gives_the_scripts_values_back():
    a = torch.linspace(0.0, 6.0, steps=7, requires_grad=True)
    out = (2 * torch.sin(a) + 1).sum()
    out.backward(retain_graph=True)
    scripts = a.grad.numpy().copy()
    stepper = EngineStepper(out, zero_grad=True)
    assert a.grad is None and "clean .grad" in stepper.clean_note
    stepper.continue_()
    np.testing.assert_allclose(a.grad.numpy(), 2 * np.cos(a.detach().numpy()), rtol=1e-5, atol=1e-6)
    stepper.reset()
    assert a.grad is None  # Reset goes back to the clean start, not to the script's values
    stepper.continue_()
    stepper.restore_grads()  # leaving the graph: the script's own .grad comes back
    np.testing.assert_allclose(a.grad.numpy(), scripts)


def test_without_clean_grads_a_second_backward_still_accumulates():
    a = torch.ones(3, requires_grad=True)
    out = (a * 3).sum()
    out.backward(retain_graph=True)
    stepper = EngineStepper(out)
    assert stepper.clean_note is None
    stepper.continue_()
    assert a.grad.tolist() == [6.0, 6.0, 6.0]
