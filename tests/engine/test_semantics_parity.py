"""Engine vs PyTorch on the autograd-semantics cases (issue 10): views and in-place, saved tensors,
0-d dims, error translation, node names, promotion, custom Functions under double backward and
forward AD. Recorded by ``tools/record_semantics_fixtures.py``; compared like ``test_parity``.
Never imports torch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import engine
from tests.engine.test_parity import HARNESS, compare

FIXTURE = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "semantics_cases.json"
CASES = json.loads(FIXTURE.read_text())["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_semantics_match_pytorch(case) -> None:
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


def test_every_issue_class_has_a_case() -> None:
    names = {c["name"] for c in CASES}
    for required in ("view_of_base_modified_in_place", "zero_dim_dims", "errors_translated",
                     "custom_function_saves_its_output", "gradcheck_catches_a_wrong_jvp"):
        assert required in names
