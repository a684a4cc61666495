"""Record PyTorch's normalisation, embedding, activation and loss behaviour into
``tests/fixtures/norm_cases.json`` (needs torch; the tests do not).

Run from the repository root:  PYTHONPATH=. python tools/record_norm_fixtures.py

The cases live in ``tools/norm_cases_*.py`` and the harness that runs them on either library in
``tools/norm_fixture_harness.py``; ``tests/engine/test_norm_parity.py`` loads this file for
``CASES`` and ``run_case`` and runs them on engine, never importing torch.
"""

from __future__ import annotations

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import norm_cases_activations_losses  # noqa: E402,F401  (registers its cases)
import norm_cases_layers  # noqa: E402,F401
from norm_fixture_harness import CASES, SIGNATURES, run_case, signature  # noqa: E402

FIXTURE = os.path.join(HERE, "..", "tests", "fixtures", "norm_cases.json")


def main() -> None:
    import torch

    torch.manual_seed(0)
    cases = {}
    for name in CASES:
        cases[name] = run_case(torch, name)
    signatures = {name: signature(torch, name) for name in SIGNATURES}
    record = {"torch_version": torch.__version__, "cases": cases, "signatures": signatures}
    with open(FIXTURE, "w") as f:  # opened only once everything is recorded
        json.dump(record, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.normpath(FIXTURE)}")


if __name__ == "__main__":
    main()
