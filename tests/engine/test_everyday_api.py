"""The everyday API against PyTorch 2.13 (CPU build): devices and their errors, torch.cuda /
torch.accelerator, default device, ``out=``, legacy typed constructors, ``Variable`` and in-place
random fills — values, error types and messages recorded in tests/fixtures/optim_cases.json."""

from __future__ import annotations

import numpy as np
import pytest
from optim_fixture import BUILDERS, CASES

import engine

EVERYDAY = CASES["everyday"]
LABELS = [label for label, _ in BUILDERS.everyday_cases(engine)]


def test_every_recorded_case_is_built():
    assert LABELS == list(EVERYDAY)


@pytest.mark.parametrize("label", LABELS)
def test_matches_pytorch(label):
    if label == "default_tensor_type":
        # PyTorch warns once per process; the recording ran this case first, so start afresh.
        engine._runtime._WARNED_ONCE.clear()
    found = BUILDERS._errors_or_values([c for c in BUILDERS.everyday_cases(engine) if c[0] == label])
    assert found[label] == EVERYDAY[label]


def test_manual_seed_reproduces_random_fills_and_factories():
    def draw():
        t = engine.empty(6)
        return [t.uniform_(-1, 1).tolist(), t.normal_(2, 0.5).tolist(), t.bernoulli_(0.3).tolist(),
                t.random_(0, 100).tolist(), t.exponential_(3.0).tolist(), engine.rand(3).tolist(),
                engine.randn(2).tolist(), engine.randperm(5).tolist(),
                engine.multinomial(engine.tensor([0.1, 0.6, 0.3]), 8, replacement=True).tolist(),
                engine.bernoulli(engine.full((6,), 0.5)).tolist(), engine.normal(0.0, 1.0, size=(3,)).tolist()]

    engine.manual_seed(1234)
    first = draw()
    engine.manual_seed(1234)
    assert draw() == first
    engine.manual_seed(4321)
    assert draw() != first


def test_random_fills_respect_their_ranges():
    engine.manual_seed(0)
    t = engine.empty(2000)
    u = t.uniform_(2, 3)._data.copy()
    assert u.min() >= 2 and u.max() < 3
    r = t.random_(5, 8)._data.copy()
    assert set(np.unique(r)) == {5, 6, 7}
    b = t.bernoulli_(0.25)._data.copy()
    assert set(np.unique(b)) == {0, 1} and 0.2 < b.mean() < 0.3
    e = t.exponential_(4.0)._data.copy()
    assert e.min() >= 0 and 0.2 < e.mean() < 0.3  # mean 1/λ
    n = t.normal_(1.0, 0.1)._data.copy()
    assert abs(n.mean() - 1.0) < 0.02 and abs(n.std() - 0.1) < 0.02


def test_a_seeded_generator_drives_a_fill():
    g1, g2 = engine.Generator().manual_seed(5), engine.Generator().manual_seed(5)
    assert engine.empty(4).normal_(generator=g1).tolist() == engine.empty(4).normal_(generator=g2).tolist()


def test_out_bumps_the_version_and_keeps_identity():
    y = engine.zeros(2)
    before = y._version
    assert engine.add(engine.ones(2), 1, out=y) is y
    assert y._version > before and y.tolist() == [2.0, 2.0]


def test_device_is_hashable_and_picklable():
    import pickle

    d = engine.device("cuda:1")
    assert pickle.loads(pickle.dumps(d)) == d
    assert {d: 1}[engine.device("cuda", 1)] == 1
