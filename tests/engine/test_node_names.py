"""The node-name programs of ``tests/fixtures/node_names.json`` (recorded from PyTorch by
``tools/record_node_names.py``) run on the engine: same node names, outputs and gradients.

Each fixture case carries its program's source; it runs here with ``torch`` bound to ``engine``
through the recorder's own ``run_case``, so the engine side is measured exactly as PyTorch was.
"""

import importlib.util
import json
import pathlib

import numpy as np
import pytest

import engine

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURE = json.loads((ROOT / "tests" / "fixtures" / "node_names.json").read_text())
_spec = importlib.util.spec_from_file_location("record_node_names", ROOT / "tools" / "record_node_names.py")
recorder = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(recorder)


def _close(actual, expected):
    if expected is None:
        return actual is None
    return np.allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float),
                       rtol=1e-10, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("case", FIXTURE["cases"], ids=[c["name"] for c in FIXTURE["cases"]])
def test_engine_matches_pytorch_node_names_and_values(case):
    got = recorder.run_case(engine, case["code"])
    assert got["grad_fn"] == case["grad_fn"]
    assert got["grad_fn_name"] == case["grad_fn_name"]
    assert got["names"] == case["names"]
    assert got["root_edges"] == case["root_edges"]
    assert got["dtype"] == case["dtype"]
    assert _close(got["out"], case["out"]), (got["out"], case["out"])
    assert ("grads" in got) == ("grads" in case)
    for g, e in zip(got.get("grads", ()), case.get("grads", ())):
        assert _close(g, e), (g, e)


def test_the_cases_are_the_recorders():
    # The committed fixture was recorded from the current recorder's programs.
    assert [c["code"] for c in FIXTURE["cases"]] == [c["code"] for c in recorder.CASES]
