"""Third-party style PyTorch programs run unchanged on engine and print what PyTorch prints.

Each ``tests/programs/*.py`` is plain PyTorch (``import torch``, ``from torch import nn``, ...).
``tools/record_program_fixtures.py`` recorded its stdout under real PyTorch into
``tests/fixtures/programs/<name>.txt``; here it runs in a child process through
``tools/run_as_torch.py``, which makes every ``torch[.x]`` import resolve to ``engine[.x]``
(torch itself is never imported), and the output must match line by line. The children are forks
of one ``run_as_torch.py --serve`` process per test worker (the engine imported once); the last
test below checks that such a fork prints what a fresh ``run_as_torch.py`` process prints.

Programs print rounded values, so lines normally match exactly. The one tolerance: a number may
differ by one unit in its last printed digit (float32 sums in a different order round differently);
everything else on the line, including how each number is written, must be identical.
"""

from __future__ import annotations

import importlib.util
import re
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = ROOT / "tests" / "programs"
FIXTURES = ROOT / "tests" / "fixtures" / "programs"
NAMES = sorted(p.stem for p in PROGRAMS.glob("*.py"))
_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def _load_recorder():
    # The recorder only imports torch in its child processes; its run() and normalise() are shared.
    spec = importlib.util.spec_from_file_location("record_program_fixtures", ROOT / "tools" / "record_program_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


recorder = _load_recorder()


def _last_digit_unit(text: str) -> float:
    mantissa, _, exponent = text.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (-decimals + (int(exponent) if exponent else 0))


def lines_agree(got: str, want: str) -> bool:
    """Equal, or equal except numbers written alike that differ by at most one unit in the last digit."""
    if got == want:
        return True
    if _NUMBER.sub("#", got) != _NUMBER.sub("#", want):
        return False
    for g, w in zip(_NUMBER.findall(got), _NUMBER.findall(want)):
        if g == w:
            continue
        if not any(c in w for c in ".eE"):
            return False  # integers (counts, indices, sizes) must be exact
        if ("." in g) != ("." in w) or len(g.lstrip("+-")) != len(w.lstrip("+-")):
            return False
        if abs(float(g) - float(w)) > 1.01 * _last_digit_unit(w):
            return False
    return True


def test_there_are_programs_and_each_has_a_fixture():
    assert len(NAMES) >= 12
    for name in NAMES:
        assert (FIXTURES / f"{name}.txt").exists(), name
        text = (PROGRAMS / f"{name}.py").read_text()
        assert "import torch" in text and "import engine" not in text, name  # plain PyTorch programs


@pytest.fixture(scope="module")
def programs_on_engine():
    with recorder.EngineProgramServer() as server:
        yield server


@pytest.mark.parametrize("name", NAMES)
def test_program_prints_what_pytorch_prints(name, programs_on_engine):
    start = time.perf_counter()
    proc = programs_on_engine.run(name)
    elapsed = time.perf_counter() - start
    assert proc.returncode == 0, f"{name} failed on engine:\n{proc.stderr}"
    got = recorder.normalise(proc.stdout).splitlines()
    want = (FIXTURES / f"{name}.txt").read_text().splitlines()
    assert len(want) > 5
    for i, (g, w) in enumerate(zip(got, want)):
        assert lines_agree(g, w), f"{name} line {i + 1}:\n  engine: {g!r}\n  torch:  {w!r}"
    assert len(got) == len(want), f"{name}: {len(got)} lines on engine, {len(want)} on torch"
    assert elapsed < 10, f"{name} took {elapsed:.1f}s"


# ---- the comparison and the import alias themselves ----------------------------------------------
def test_lines_agree_allows_one_unit_in_the_last_digit_only():
    assert lines_agree("loss: 0.1234", "loss: 0.1234")
    assert lines_agree("loss: 0.1235", "loss: 0.1234")
    assert not lines_agree("loss: 0.1236", "loss: 0.1234")
    assert not lines_agree("loss: 0.12", "loss: 0.1234")
    assert not lines_agree("loss 0.1234", "loss: 0.1234")
    assert lines_agree("tensor([1.0001e-05])", "tensor([1.0000e-05])")
    assert not lines_agree("tensor([1.0002e-05])", "tensor([1.0000e-05])")
    assert not lines_agree("3", "2")


def test_run_as_torch_aliases_torch_modules_to_the_engine_modules(tmp_path):
    script = tmp_path / "probe.py"
    script.write_text(
        "import sys\nimport torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
        "from torch.utils.data import DataLoader\nfrom torch.func import vmap\n"
        "import engine, engine.nn, engine.nn.functional, engine.utils.data\n"
        "print(torch is engine, nn is engine.nn, F is engine.nn.functional,\n"
        "      DataLoader is engine.utils.data.DataLoader, 'torch' in sys.modules)\n"
    )
    import os
    import subprocess
    import sys

    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "run_as_torch.py"), str(script)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True"] * 5


def test_a_served_fork_prints_what_a_fresh_process_prints(programs_on_engine, tmp_path):
    # The server's forks stand in for fresh run_as_torch.py processes: the same output byte for
    # byte (hash seed, argv, working directory, __name__, the torch alias, a program's tensors) and
    # the same exit status and traceback when a program fails.
    import subprocess
    import sys

    probe = tmp_path / "probe.py"
    probe.write_text("import os, sys\nimport torch\nprint(hash('gradviz'), sys.argv, os.getcwd(), __name__,\n"
                     "      torch.__name__, sorted(m for m in sys.modules if m.startswith('torch'))[:3])\n"
                     "print(torch.arange(6.).reshape(2, 3).softmax(1))\nprint(input)\n")
    failing = tmp_path / "failing.py"
    failing.write_text("print('before')\nraise ValueError('on purpose')\n")
    options = recorder._child_options("engine")
    for script, status in ((probe, 0), (failing, 1)):
        fresh = subprocess.run([sys.executable, str(ROOT / "tools" / "run_as_torch.py"), str(script)],
                               capture_output=True, text=True, timeout=120, **options)
        served = programs_on_engine.run_script(script)
        assert fresh.returncode == served.returncode == status, (fresh.stderr, served.stderr)
        assert served.stdout == fresh.stdout and served.stdout.strip()
        if status:
            assert "ValueError: on purpose" in served.stderr and "ValueError: on purpose" in fresh.stderr
