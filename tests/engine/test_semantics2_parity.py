"""Engine vs PyTorch on the second round of autograd-semantics cases (issue 10): selections in
piecewise rules, in-place on views under create_graph, norms, bool-kernel / 0-d / overlap errors,
untracked writes and no_grad views, double-backward nodes. Recorded by
``tools/record_semantics2_fixtures.py``; compared like ``test_parity``. Never imports torch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import engine
from tests.engine.test_parity import HARNESS, compare

FIXTURE = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "semantics2_cases.json"
CASES = json.loads(FIXTURE.read_text())["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_semantics2_match_pytorch(case) -> None:
    result = HARNESS.run_case(case["code"], engine)
    engine.set_grad_enabled(True)
    problems: list = []
    compare(case["torch"], result, "case", problems)
    if problems:
        pytest.fail(
            f"engine differs from PyTorch in {len(problems)} place(s):\n  " + "\n  ".join(problems[:25])
            + f"\n--- code ---\n{case['code']}",
            pytrace=False,
        )
