"""The last breadth gaps of issue 9 against PyTorch: ``AdaptiveMaxPool3d`` (values, indices,
gradients, double backward, repr, errors), the ``*_like`` factories' layouts (strides and
contiguity under ``preserve_format``) and ``einsum``'s sublist form (values, gradients, nodes).

The cases' programs are stored in ``tests/fixtures/breadth_gaps.json`` with what PyTorch recorded
(``tools/record_breadth_gaps.py``); here the same programs run with ``torch`` bound to ``engine``.
"""

import importlib.util
import json
import pathlib

import numpy as np
import pytest

import engine

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURE = json.loads((ROOT / "tests" / "fixtures" / "breadth_gaps.json").read_text())
_spec = importlib.util.spec_from_file_location("record_breadth_gaps", ROOT / "tools" / "record_breadth_gaps.py")
recorder = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(recorder)


def _same(got, want, where):
    if isinstance(want, dict) and "values" in want:
        assert isinstance(got, dict) and "values" in got, where
        for key in ("shape", "stride", "contiguous", "dtype", "grad_fn"):
            assert got[key] == want[key], (where, key, got[key], want[key])
        assert np.allclose(np.asarray(got["values"], dtype=float), np.asarray(want["values"], dtype=float),
                           rtol=1e-6, atol=1e-7), where
    elif isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        for i, (g, w) in enumerate(zip(got, want)):
            _same(g, w, f"{where}[{i}]")
    else:
        assert got == want, where


@pytest.mark.parametrize("case", FIXTURE["cases"], ids=[c["name"] for c in FIXTURE["cases"]])
def test_engine_matches_pytorch(case):
    got = json.loads(json.dumps(recorder.run_case(engine, case["code"])))
    assert sorted(got) == sorted(case["records"])
    for key, want in case["records"].items():
        _same(got[key], want, key)


def test_the_cases_are_the_recorders():
    assert [c["code"] for c in FIXTURE["cases"]] == [c["code"] for c in recorder.CASES]
