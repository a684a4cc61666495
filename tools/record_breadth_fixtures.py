"""Record PyTorch's results for the nn-breadth cases into tests/fixtures/breadth_cases.json.

Run from the repository root (needs torch; the tests do not):  python tools/record_breadth_fixtures.py

The cases live in ``tools/breadth_cases_*.py`` (packed sequences, 3-D layers, einsum, LSTM
projections, attention with bias_kv/zero_attn); ``tools/breadth_harness.py`` runs one with either
library. ``tests/engine/test_breadth_parity.py`` runs the same cases with ``engine``.
"""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import breadth_harness  # noqa: E402

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "breadth_cases.json")
CASE_MODULES = ("breadth_cases_packed", "breadth_cases_einsum", "breadth_cases_3d",
                "breadth_cases_layers")


def load_cases() -> list:
    import importlib

    for name in CASE_MODULES:
        importlib.import_module(name)
    return breadth_harness.CASES


def record() -> None:
    import torch

    torch.set_num_threads(1)
    out = {}
    for c in load_cases():
        torch.manual_seed(0)
        out[c.name] = breadth_harness.run(torch, c)
    with open(FIXTURE, "w") as f:
        json.dump(out, f)
    print(f"wrote {len(out)} cases to {os.path.normpath(FIXTURE)}")


if __name__ == "__main__":
    record()
