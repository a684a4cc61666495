"""Engine vs PyTorch for LayerNorm, the recurrent layers and attention, without importing torch.

``tools/record_rnn_fixtures.py`` recorded each case with PyTorch 2.13 (same weights: its
``state_dict``; same inputs; loss Σ out·proj). Here the recorder's own ``run_case`` runs with
``engine`` and must give the same outputs, input and parameter gradients, graph (node names,
output numbers, shared nodes, leaves), repr and ``state_dict`` keys; error cases must raise the
same exception type with the same message.
"""

from __future__ import annotations

import importlib.util
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import engine

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = json.loads((ROOT / "tests" / "fixtures" / "rnn_cases.json").read_text())


def _load_recorder():
    spec = importlib.util.spec_from_file_location("record_rnn_fixtures", ROOT / "tools" / "record_rnn_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REC = _load_recorder()
TOL = {"float32": dict(rtol=2e-4, atol=2e-5), "float64": dict(rtol=1e-9, atol=1e-10)}


def _ids(items):
    return [item["case"]["name"] for item in items]


@pytest.mark.parametrize("item", FIXTURE["cases"], ids=_ids(FIXTURE["cases"]))
def test_case_matches_pytorch(item):
    case, data = item["case"], item["data"]
    expected = data["expected"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the dropout-with-one-layer warning is checked separately
        actual = REC.run_case(engine, case, data)
    assert len(actual["graphs"]) == len(expected["graphs"])
    for i, (e, a) in enumerate(zip(expected["graphs"], actual["graphs"])):
        assert a == e, f"graph above output {i} differs:\n" + "\n".join(a)
    if case["structure_only"]:
        return
    tol = TOL[case["dtype"]]
    for i, (e, a) in enumerate(zip(expected["outputs"], actual["outputs"])):
        np.testing.assert_allclose(np.array(a), np.array(e), err_msg=f"output {i}", **tol)
    assert sorted(actual["grads"]) == sorted(expected["grads"])
    for name, e in expected["grads"].items():
        np.testing.assert_allclose(np.array(actual["grads"][name]), np.array(e), err_msg=f"grad of {name}", **tol)


@pytest.mark.parametrize("item", [c for c in FIXTURE["cases"] if "repr" in c["data"]],
                         ids=_ids([c for c in FIXTURE["cases"] if "repr" in c["data"]]))
def test_repr_and_state_dict_keys_match_pytorch(item):
    case, data = item["case"], item["data"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        module, _ = REC.build(engine, case, None)
    assert repr(module) == data["repr"]
    assert list(module.state_dict()) == data["state_keys"]


@pytest.mark.parametrize("item", FIXTURE["errors"], ids=_ids(FIXTURE["errors"]))
def test_error_matches_pytorch(item):
    case, data = item["case"], item["data"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # constructors' own warnings are compared in their own test
        assert REC.run_error(engine, case, data) == data["expected"]


def test_fixture_covers_every_layer_family():
    names = {c["case"]["module"] or c["case"]["function"] for c in FIXTURE["cases"]}
    assert {"LayerNorm", "layer_norm", "RNN", "GRU", "LSTM", "RNNCell", "GRUCell", "LSTMCell"} <= names
    assert {c["case"]["dtype"] for c in FIXTURE["cases"]} == {"float32", "float64"}


@pytest.mark.parametrize("item", FIXTURE["warnings"], ids=[w["case"]["name"] for w in FIXTURE["warnings"]])
def test_construction_warnings_match_pytorch(item):
    assert REC.run_warning(engine, item["case"]) == item["expected"]
