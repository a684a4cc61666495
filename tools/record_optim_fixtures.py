"""Record PyTorch's optimizers, schedulers, clip_grad, torch.func, DataLoader and everyday-API
behaviour into tests/fixtures/optim_cases.json (needs torch; the tests do not).

Run from the repository root:  python tools/record_optim_fixtures.py

The cases live in optim_fixture_training.py, optim_fixture_api.py and optim_fixture_everyday.py. Every case builder takes
the ``torch`` namespace as its argument, so the engine tests build exactly the same cases from
``engine``: they load this file, whose namespace holds every builder, and never import torch.
"""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import optim_fixture_api  # noqa: E402
import optim_fixture_common  # noqa: E402
import optim_fixture_everyday  # noqa: E402
import optim_fixture_training  # noqa: E402

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "optim_cases.json")

# One namespace with every builder and helper, for the tests (``BUILDERS.scheduler_cases`` ...).
for _module in (optim_fixture_common, optim_fixture_training, optim_fixture_api, optim_fixture_everyday):
    globals().update({k: v for k, v in vars(_module).items() if not k.startswith("__")})


def main() -> None:
    import torch

    torch.manual_seed(0)
    out = optim_fixture_training.record(torch)
    out["data"] = optim_fixture_api.record_data(torch)
    out["func"] = optim_fixture_api.record_func(torch)
    out["everyday"] = optim_fixture_everyday.record_everyday(torch)
    os.makedirs(os.path.dirname(FIXTURE), exist_ok=True)
    with open(FIXTURE, "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")
    print(f"wrote {FIXTURE}: {len(out['optim_runs'])} optimizer runs, {len(out['scheduler_runs'])} schedules")


if __name__ == "__main__":
    main()
