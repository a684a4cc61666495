"""Normalisation, embedding, activations and losses against PyTorch, through recorded fixtures.

``tools/norm_cases_*.py`` define every case once against PyTorch's API;
``tools/record_norm_fixtures.py`` recorded torch's results (outputs, grad_fn graph, input and parameter gradients, buffers after the step,
module reprs, or the error); here the same case code runs on ``engine`` with the recorded initial
weights and must reproduce all of it. Torch is not imported.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

import engine

ROOT = Path(__file__).resolve().parents[2]


def _load_recorder():
    spec = importlib.util.spec_from_file_location("record_norm_fixtures", ROOT / "tools" / "record_norm_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


recorder = _load_recorder()
RECORDED = json.loads((ROOT / "tests" / "fixtures" / "norm_cases.json").read_text())
FIXTURE = RECORDED["cases"]
TOLERANCE = {"float32": dict(rtol=2e-4, atol=2e-5), "float64": dict(rtol=1e-9, atol=1e-10)}


def _close(got, want, dtype: str, what: str) -> None:
    if want is None:
        assert got is None, f"{what}: expected None"
        return
    assert got is not None, f"{what}: missing"
    g, w = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert g.shape == w.shape, f"{what}: shape {g.shape} != {w.shape}"
    np.testing.assert_allclose(g, w, err_msg=what, equal_nan=True, **TOLERANCE.get(dtype, TOLERANCE["float32"]))


def test_every_case_was_recorded():
    assert set(FIXTURE) == set(recorder.CASES), "re-run tools/record_norm_fixtures.py"


@pytest.mark.parametrize("name", sorted(recorder.CASES))
def test_case_matches_pytorch(name):
    want = FIXTURE[name]
    got = recorder.run_case(engine, name, states=want.get("states"))
    if "error" in want:
        assert got.get("error") == want["error"]
        return
    assert "error" not in got, got.get("error")
    dtype = recorder.CASES[name][1]
    assert got["dtype"] == want["dtype"]
    assert got["shape"] == want["shape"]
    assert got["graph"] == want["graph"]
    assert got["reprs"] == want["reprs"]
    if "out" in want:
        _close(got["out"], want["out"], dtype, "output")
    assert ("grads" in got) == ("grads" in want)
    for i, (g, w) in enumerate(zip(got.get("grads", []), want.get("grads", []))):
        if recorder.CASES[name][2]:  # random outputs: only which gradients exist, and their shapes
            assert g == w, f"gradient {i}"
        else:
            _close(g, w, dtype, f"gradient {i}")
    assert len(got["buffers"]) == len(want["buffers"])
    for m, (gb, wb) in enumerate(zip(got["buffers"], want["buffers"])):
        assert list(gb) == list(wb), f"module {m} buffer names"
        for key in wb:
            _close(gb[key], wb[key], dtype, f"module {m} buffer {key}")


@pytest.mark.parametrize("name", recorder.SIGNATURES)
def test_signature_matches_pytorch(name):
    """Parameter names, kinds and defaults of each class and function, as PyTorch 2.13 has them."""
    assert recorder.signature(engine, name) == RECORDED["signatures"][name]

