"""The differential tester as a test: a bounded budget of random programs against real PyTorch.

Runs when torch is importable (CI installs it with the test extra). Under CI a missing torch is a
failure, not a skip. The seed is printed; ``FUZZ_SEED`` replays one, ``FUZZ_BUDGET`` sets seconds.
"""

from __future__ import annotations

import importlib.util
import os
import random
import sys

import pytest

TOOLS = os.path.join(os.path.dirname(__file__), "..", "..", "tools")

# Silent-mismatch classes found and not fixed yet (issue 10 stays open for them). Each is printed with
# its program when seen; any other silent mismatch fails the test. Remove an entry when it is fixed.
# (Both earlier entries, a create_graph second-order corner case and reciprocal_ after a view, were
# one cause: an in-place op on a view read a phantom leaf instead of the view's history. Fixed; their
# cases are in tests/fixtures/semantics2_cases.json.)
KNOWN_SILENT: set = set()


def _torch_or_fail():
    try:
        import torch  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("torch is not importable under CI: the differential tester must run there")
        pytest.skip("torch is not installed (it is in the test extra; CI runs this test)")


def _load_fuzzer():
    sys.path.insert(0, os.path.abspath(TOOLS))
    spec = importlib.util.spec_from_file_location("fuzz_against_torch", os.path.join(TOOLS, "fuzz_against_torch.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.runs_long
def test_random_programs_agree_with_pytorch(capsys):
    _torch_or_fail()
    module = _load_fuzzer()
    seed = int(os.environ.get("FUZZ_SEED", random.SystemRandom().randrange(2**31)))
    budget = float(os.environ.get("FUZZ_BUDGET", "60"))
    # FUZZ_PROGRAMS caps the count: with FUZZ_SEED it makes a run exact on any machine (.ci/run pins
    # both, so CI is not red by chance; fresh seeds are for developers' runs).
    programs = int(os.environ["FUZZ_PROGRAMS"]) if os.environ.get("FUZZ_PROGRAMS") else None
    with capsys.disabled():
        print(f"\nfuzz_against_torch seed {seed} (replay with FUZZ_SEED={seed}), budget {budget:g}s"
              + (f", at most {programs} programs" if programs else ""))
    import torch

    threads = torch.get_num_threads()
    try:
        fuzzer = module.Fuzzer()  # runs torch on one thread (repeatable float sums)
        fuzzer.explore(seed, budget, programs)
    finally:
        # Give the process its thread count back: tests after this one compare this process's torch
        # results bit for bit with a kernel process's, and float32 sums depend on the thread count.
        torch.set_num_threads(threads)
    s = fuzzer.summary()
    with capsys.disabled():
        print(f"programs {s['programs']}, silent {s['silent']}, names {s['name_pct']:.2f}%, errors {s['error_pct']:.2f}%")
    assert s["programs"] > 50, "the generator produced almost no programs"
    known = sorted(sig for sig in fuzzer.classes if sig in KNOWN_SILENT)
    with capsys.disabled():
        for sig in known:
            print(f"known, not fixed: {sig}\n{module.fp.snippet(fuzzer.classes[sig])}")
    silent = sorted(sig for sig in fuzzer.classes if sig.startswith("silent") and sig not in KNOWN_SILENT)
    if silent:
        lines = fuzzer.shrink(silent[0], seed) or fuzzer.classes[silent[0]]
        pytest.fail(f"silent mismatch {silent[0]} (seed {seed}); minimal program:\n{module.fp.snippet(lines)}")


def test_the_comparison_sees_a_wrong_value():
    """The tester itself: a deliberately different result must count as a silent mismatch."""
    _torch_or_fail()
    module = _load_fuzzer()
    ref = [("ok", {"v1": ((2,), "float32", __import__("numpy").array([1.0, 2.0]), "SinBackward0", None)})]
    got = [("ok", {"v1": ((2,), "float32", __import__("numpy").array([1.0, 2.5]), "SinBackward0", None)})]
    assert [k for k, _ in module.fp.compare(ref, got)] == ["silent"]
    got_name = [("ok", {"v1": ((2,), "float32", __import__("numpy").array([1.0, 2.0]), "CosBackward0", None)})]
    assert [k for k, _ in module.fp.compare(ref, got_name)] == ["name"]
