"""The Qt-free trainer: one step changes the weights exactly like the tutorial's optimizer.step()."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import engine as torch
from gradviz.model.training import Trainer, find_modules, guess_inputs, snapshot_weights, tutorial_namespace


class Small(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = torch.nn.Linear(4, 3)
        self.relu = torch.nn.ReLU()
        self.layer2 = torch.nn.Linear(3, 2)

    def forward(self, x):
        return self.layer2(self.relu(self.layer1(x)))


def setup():
    torch.manual_seed(0)
    model = Small()
    inputs = torch.randn(5, 4)
    target = torch.randn(5, 2)
    return model, inputs, target


def test_one_sgd_step_matches_optimizer_step():
    model, inputs, target = setup()
    reference = copy.deepcopy(model)
    trainer = Trainer(model, inputs, target, loss="sum of squares", optimizer="SGD", lr=0.01)
    before = snapshot_weights(model)
    loss = trainer.train_step()

    # The tutorial's loop, written out, on an identical copy.
    opt = torch.optim.SGD(reference.parameters(), lr=0.01)
    prediction = reference(inputs)
    ref_loss = (target - prediction).pow(2).sum()
    ref_loss.backward()
    grads = {n: p.grad.numpy().copy() for n, p in reference.named_parameters()}
    opt.step()

    assert loss == pytest.approx(float(ref_loss.item()))
    after = snapshot_weights(model)
    for name, p in reference.named_parameters():
        np.testing.assert_array_equal(after[name], p.detach().numpy())
        # And the update is w - lr * grad, so the step did move the weights.
        np.testing.assert_allclose(after[name], before[name] - 0.01 * grads[name], rtol=1e-5, atol=1e-7)
    assert any(not np.array_equal(after[k], before[k]) for k in after)


@pytest.mark.parametrize("loss", ["MSE", "sum of squares"])
def test_adam_and_momentum_match_a_hand_written_loop(loss):
    for optimizer, kwargs in (("Adam", {}), ("SGD", {"momentum": 0.9})):
        model, inputs, target = setup()
        reference = copy.deepcopy(model)
        trainer = Trainer(model, inputs, target, loss=loss, optimizer=optimizer, lr=0.05, **kwargs)
        trainer.train(3)
        if optimizer == "Adam":
            opt = torch.optim.Adam(reference.parameters(), lr=0.05)
        else:
            opt = torch.optim.SGD(reference.parameters(), lr=0.05, momentum=0.9)
        for _ in range(3):
            opt.zero_grad()
            pred = reference(inputs)
            value = torch.nn.MSELoss()(pred, target) if loss == "MSE" else (target - pred).pow(2).sum()
            value.backward()
            opt.step()
        for name, p in reference.named_parameters():
            np.testing.assert_allclose(trainer.weights_after[name], p.detach().numpy(), rtol=1e-6, atol=1e-7)
        assert len(trainer.losses) == 3


def test_without_zero_grad_gradients_pile_up():
    model, inputs, target = setup()
    # lr = 0 keeps the weights still, so every step computes the same gradient g; without
    # zero_grad .grad then holds n * g.
    trainer = Trainer(model, inputs, target, lr=0.0, zero_grad=False)
    trainer.train_step()
    one = {n: p.grad.numpy().copy() for n, p in model.named_parameters()}
    trainer.train(2)
    for n, p in model.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), 3 * one[n], rtol=1e-5, atol=1e-7)
    trainer.zero_grad = True
    trainer.train_step()
    for n, p in model.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), one[n], rtol=1e-5, atol=1e-7)


def test_losses_decrease_and_worker_thread_reports_progress():
    model, inputs, target = setup()
    trainer = Trainer(model, inputs, target, loss="MSE", optimizer="SGD", lr=0.1)
    progress = []
    finished = []
    trainer.progress.connect(lambda done, total: progress.append((done, total)))
    trainer.run_finished.connect(finished.append)
    trainer.start(30)
    assert trainer.wait(30)
    assert finished == [False]
    assert progress[-1] == (30, 30)
    assert len(trainer.losses) == 30 and trainer.losses[-1] < trainer.losses[0]


def test_stop_ends_a_long_run_early():
    model, inputs, target = setup()
    trainer = Trainer(model, inputs, target, lr=0.001)
    finished = []
    trainer.run_finished.connect(finished.append)
    trainer.step_done.connect(lambda i, loss: trainer.stop() if i == 5 else None)
    trainer.start(10_000)
    assert trainer.wait(30)
    assert finished == [True]
    assert len(trainer.losses) < 10_000


def test_cross_entropy_with_class_targets():
    model, inputs, _ = setup()
    target = torch.tensor([0, 1, 1, 0, 1])
    trainer = Trainer(model, inputs, target, loss="CrossEntropy", optimizer="SGD", lr=0.5)
    losses = trainer.train(20)
    assert losses[-1] < losses[0]


def test_tutorial_namespace_finds_the_tiny_model():
    ns = tutorial_namespace()
    modules = find_modules(ns)
    assert "model" in modules
    assert guess_inputs(ns) == ("some_input", "ideal_output")
    trainer = Trainer(ns["model"], ns["some_input"], ns["ideal_output"], lr=0.001)
    before = trainer.weights_before["layer2.weight"][0][0:10].copy()
    trainer.train(1)
    assert trainer.weights_after["layer2.weight"].shape == (10, 100)
    assert not np.array_equal(trainer.weights_after["layer2.weight"][0][0:10], before)
