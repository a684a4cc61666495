"""Engine vs PyTorch for the nn-breadth cases (packed sequences, 3-D layers, einsum graphs, ...).

``tools/record_breadth_fixtures.py`` ran each case of ``tools/breadth_cases_*.py`` with PyTorch
2.13 (inputs and weights drawn from numpy with the case's own seed). Here the same case function
runs with ``engine`` and must give the same outputs, gradients of every leaf and parameter, graph
(node names, output numbers, shared nodes, leaves), repr and state_dict keys; error cases must raise
the same exception type with the same message.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import engine

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import record_breadth_fixtures as recorder  # noqa: E402
from breadth_harness import run  # noqa: E402

FIXTURE = json.loads((ROOT / "tests" / "fixtures" / "breadth_cases.json").read_text())
CASES = recorder.load_cases()
TOL = {"float32": dict(rtol=2e-4, atol=2e-5), "float64": dict(rtol=1e-9, atol=1e-10)}


def test_every_case_was_recorded():
    assert sorted(FIXTURE) == sorted(c.name for c in CASES)


@pytest.mark.parametrize("c", CASES, ids=[c.name for c in CASES])
def test_case_matches_pytorch(c):
    expected = FIXTURE[c.name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        actual = run(engine, c)
    if c.error:
        assert actual == expected
        return
    assert actual.get("repr") == expected.get("repr")
    assert actual.get("state_keys") == expected.get("state_keys")
    assert len(actual["graphs"]) == len(expected["graphs"])
    for i, (e, a) in enumerate(zip(expected["graphs"], actual["graphs"])):
        assert a == e, f"graph above output {i} differs:\n" + "\n".join(a)
    if c.structure_only:
        return
    tol = TOL[c.dtype]
    assert len(actual["outputs"]) == len(expected["outputs"])
    for i, (e, a) in enumerate(zip(expected["outputs"], actual["outputs"])):
        np.testing.assert_allclose(np.array(a), np.array(e), err_msg=f"output {i}", **tol)
    assert sorted(actual["grads"]) == sorted(expected["grads"])
    for name, e in expected["grads"].items():
        np.testing.assert_allclose(np.array(actual["grads"][name]), np.array(e), err_msg=f"grad of {name}", **tol)
