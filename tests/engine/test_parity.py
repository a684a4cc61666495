"""Engine vs PyTorch: each recorded case in tests/fixtures/core_cases.json is re-run with engine.

The fixture was recorded by ``tools/record_torch_fixtures.py`` with real PyTorch; here the same
snippet runs with ``torch`` bound to ``engine`` and everything it recorded (values, dtypes, shapes,
reprs, grad_fn graphs, errors, warnings, backward order) must match. Float values use float32
tolerance (rtol=1e-5, atol=1e-6); everything else is compared exactly. A case that needs an op
another engineer has not added yet fails, naming the missing op -- it is never skipped.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest

import engine

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "core_cases.json"


def _load_harness():
    # The harness lives next to the recorder; it only imports torch inside its main().
    spec = importlib.util.spec_from_file_location("record_torch_fixtures", ROOT / "tools" / "record_torch_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HARNESS = _load_harness()
CASES = json.loads(FIXTURE.read_text())["cases"]

RTOL = 1e-5
ATOL = 1e-6


def _numbers_close(expected, actual) -> bool:
    if isinstance(expected, str) or isinstance(actual, str):  # "nan", "inf", "-inf"
        return expected == actual
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    if isinstance(expected, int) and isinstance(actual, int):
        return expected == actual
    return math.isclose(actual, expected, rel_tol=RTOL, abs_tol=ATOL)


def _values_close(expected, actual) -> bool:
    if isinstance(expected, list):
        return isinstance(actual, list) and len(expected) == len(actual) and all(
            _values_close(e, a) for e, a in zip(expected, actual)
        )
    if isinstance(actual, list):
        return False
    return _numbers_close(expected, actual)


def compare(expected, actual, path: str, problems: list) -> None:
    """Collect every difference between two recorded descriptions into ``problems``."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        kind = expected.get("kind")
        if kind == "tensor" and actual.get("kind") == "tensor":
            for key in ("dtype", "shape", "requires_grad", "is_leaf", "grad_fn", "repr"):
                if expected[key] != actual[key]:
                    problems.append(f"{path}.{key}: expected {expected[key]!r}, got {actual[key]!r}")
            if not _values_close(expected["values"], actual["values"]):
                problems.append(f"{path}.values: expected {expected['values']!r}, got {actual['values']!r}")
            return
        if kind == "float" and actual.get("kind") == "float":
            if not _numbers_close(expected["value"], actual["value"]):
                problems.append(f"{path}: expected {expected['value']!r}, got {actual['value']!r}")
            return
        keys = set(expected) | set(actual)
        for key in sorted(keys):
            if key not in actual:
                problems.append(f"{path}.{key}: missing in engine (torch: {expected[key]!r})")
            elif key not in expected:
                problems.append(f"{path}.{key}: only in engine ({actual[key]!r})")
            else:
                compare(expected[key], actual[key], f"{path}.{key}", problems)
        return
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            problems.append(f"{path}: expected {len(expected)} items {expected!r}, got {len(actual)} {actual!r}")
            return
        for i, (e, a) in enumerate(zip(expected, actual)):
            compare(e, a, f"{path}[{i}]", problems)
        return
    if expected != actual:
        problems.append(f"{path}: expected {expected!r}, got {actual!r}")


def _missing_ops(needs: list) -> list:
    return [n for n in needs if not hasattr(engine, n) and not hasattr(engine.Tensor, n)]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_matches_pytorch(case) -> None:
    result = HARNESS.run_case(case["code"], engine)
    # Anomaly mode and similar switches must not leak into the next case.
    engine.set_grad_enabled(True)
    problems: list = []
    compare(case["torch"], result, "case", problems)
    if problems:
        missing = _missing_ops(case["needs"])
        header = f"engine differs from PyTorch in {len(problems)} place(s)"
        if missing:
            header += f" -- engine lacks {missing} (ops owned by other engineers)"
        pytest.fail(header + ":\n  " + "\n  ".join(problems[:25]) + f"\n--- code ---\n{case['code']}", pytrace=False)
