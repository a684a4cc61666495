"""The tutorial as tests: every script in resources/examples runs on engine and prints what PyTorch prints.

PyTorch's output was recorded by ``tools/record_tutorial_fixtures.py`` (several seeds per script);
see that file for what ``exact``/``masked``/``skip`` lines mean. Here each script runs in a child
process with ``import engine as torch`` resolving to this repository's engine.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "resources" / "examples"
FIXTURES = ROOT / "tests" / "fixtures"


def _load_recorder():
    # The normalisation helpers live in the recording tool so both sides normalise identically;
    # importing it does not import torch.
    spec = importlib.util.spec_from_file_location("record_tutorial_fixtures", ROOT / "tools" / "record_tutorial_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


recorder = _load_recorder()
SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.py"))


def _run_on_engine(name: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / name)], capture_output=True, text=True, timeout=300, cwd=str(ROOT), env=env
    )
    assert proc.returncode == 0, f"{name} failed on engine:\n{proc.stderr}"
    return proc.stdout


def test_every_example_has_a_fixture():
    assert len(SCRIPTS) >= 10
    for name in SCRIPTS:
        assert (FIXTURES / f"tutorial_{Path(name).stem}.json").exists(), name


def test_every_example_starts_with_the_engine_import_and_a_docstring():
    for name in SCRIPTS:
        text = (EXAMPLES / name).read_text()
        assert text.startswith('"""'), name
        assert "\nimport engine as torch\n" in text, name


@pytest.mark.parametrize("name", SCRIPTS)
def test_example_prints_what_pytorch_prints(name):
    fixture = json.loads((FIXTURES / f"tutorial_{Path(name).stem}.json").read_text())
    got = recorder.logical_lines(_run_on_engine(name))
    expected = fixture["lines"]
    if fixture["mode"] == "subsequence":
        # Data-dependent output length: PyTorch's common lines must appear in order.
        it = iter(got)
        for line in expected:
            assert any(g == line["text"] for g in it), f"missing line: {line['text']!r}"
        return
    assert len(got) == len(expected), "\n".join(got)
    compared = 0
    for i, (line, want) in enumerate(zip(got, expected)):
        if want["kind"] == "exact":
            assert line == want["text"], f"line {i}"
            compared += 1
        elif want["kind"] == "masked":
            assert recorder.mask(line) == want["text"], f"line {i}: {line!r}"
            compared += 1
    assert compared > 0, "the fixture checks nothing"


# ---- the normalisation itself -------------------------------------------------------------------
def test_logical_lines_join_wrapped_tensors_and_normalise_addresses():
    out = "tensor([1.0000, 2.0000,\n        3.0000])\n<MulBackward0 object at 0x7f00ab>\nplain"
    assert recorder.logical_lines(out) == [
        "tensor([1.0000, 2.0000,\n        3.0000])",
        "<MulBackward0 object at 0x...>",
        "plain",
    ]


def test_mask_ignores_numbers_and_padding_but_not_structure():
    assert recorder.mask("tensor([ 0.5000, -1.2500])") == recorder.mask("tensor([-3.0000e+00,  2.0000e-01])")
    assert recorder.mask("tensor([1., 2.])") != recorder.mask("tensor([1., 2., 3.])")
    assert recorder.mask("grad_fn=<MulBackward0>") != recorder.mask("grad_fn=<AddBackward0>")


def test_classify_marks_lines_by_how_they_vary():
    runs = [["same", "x = 1.5", "a"], ["same", "x = -2.0", "b c"]]
    fixture = recorder.classify(runs)
    assert [line["kind"] for line in fixture["lines"]] == ["exact", "masked", "skip"]
    fixture = recorder.classify([["a", "b", "c"], ["a", "x", "b", "c"]])
    assert fixture["mode"] == "subsequence"
    assert [line["text"] for line in fixture["lines"]] == ["a", "b", "c"]
