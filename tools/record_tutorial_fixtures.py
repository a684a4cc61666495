"""Record what real PyTorch prints for each script in ``resources/examples`` (the tutorial-as-tests).

Each example starts with ``import engine as torch``. Here it runs with the module name ``engine``
bound to real PyTorch, several times with different seeds, and every printed *logical line* is
classified by comparing the runs:

``exact``   the same in every run: engine must print exactly this line;
``masked``  only the numbers differ (random inputs, timings): engine must print the same line
            once every number is replaced by ``#`` and whitespace is removed;
``skip``    anything else (e.g. profiler rows, whose order follows the timings).

A logical line is a printed line plus its continuation lines while brackets are open, so a tensor
that wraps differently for different values is still one line. Object addresses (``0x7f...``)
are normalised to ``0x...``. When the runs print different numbers of logical lines (a
data-dependent loop), the fixture stores the ``exact`` lines common to all runs, which engine's
output must contain in order.

The results go to ``tests/fixtures/tutorial_<script>.json`` (what the test reads) and
``tests/fixtures/tutorial_<script>.txt`` (PyTorch's first run, for people to read).

Only this tool runs torch, in child processes. ``tests/engine/test_tutorial.py`` imports the
normalisation helpers below, which do not import torch.

Run: ``python tools/record_tutorial_fixtures.py`` (needs PyTorch installed).
"""

from __future__ import annotations

import difflib
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "resources" / "examples"
FIXTURES = ROOT / "tests" / "fixtures"
SEEDS = (0, 1, 2, 3, 4)

_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_SPACES = re.compile(r"\s+")

# Runs a script with `import engine as torch` bound to real PyTorch, seeded.
_TORCH_RUNNER = (
    "import sys, runpy, torch; torch.manual_seed(int(sys.argv[2])); "
    "sys.modules['engine'] = torch; runpy.run_path(sys.argv[1], run_name='__main__')"
)


def logical_lines(stdout: str) -> list[str]:
    """Printed lines with bracket continuations joined and addresses normalised."""
    result: list[str] = []
    depth = 0
    for line in stdout.splitlines():
        line = _ADDRESS.sub("0x...", line)
        if depth > 0 and result:
            result[-1] += "\n" + line
        else:
            result.append(line)
        depth += line.count("(") + line.count("[") - line.count(")") - line.count("]")
        depth = max(depth, 0)
    return result


def mask(line: str) -> str:
    """The line with every number replaced by '#' and all whitespace removed.

    Whitespace goes too because a tensor's padding depends on its values (a minus sign, a wider
    number), which vary with the seed.
    """
    return _SPACES.sub("", _NUMBER.sub("#", line))


def classify(runs: list[list[str]]) -> dict:
    """The fixture for one script from the logical lines of several seeded runs."""
    if len({len(r) for r in runs}) == 1:
        lines = []
        for variants in zip(*runs):
            if all(v == variants[0] for v in variants):
                lines.append({"kind": "exact", "text": variants[0]})
            elif all(mask(v) == mask(variants[0]) for v in variants):
                lines.append({"kind": "masked", "text": mask(variants[0])})
            else:
                lines.append({"kind": "skip", "text": None})
        return {"mode": "lines", "lines": lines}
    common = runs[0]
    for other in runs[1:]:
        matcher = difflib.SequenceMatcher(a=common, b=other, autojunk=False)
        common = [line for block in matcher.get_matching_blocks() for line in common[block.a: block.a + block.size]]
    return {"mode": "subsequence", "lines": [{"kind": "exact", "text": line} for line in common]}


def run_with_torch(script: Path, seed: int) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", _TORCH_RUNNER, str(script), str(seed)],
        capture_output=True, text=True, timeout=600, cwd=str(ROOT),
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{script.name} failed under PyTorch:\n{proc.stderr}")
    return proc.stdout


def main() -> None:
    import torch  # noqa: F401  (fail early, with a clear message, when PyTorch is missing)

    FIXTURES.mkdir(parents=True, exist_ok=True)
    only = set(sys.argv[1:])  # optional: script names to re-record
    for script in sorted(EXAMPLES.glob("*.py")):
        if only and script.name not in only and script.stem not in only:
            continue
        outputs = [run_with_torch(script, seed) for seed in SEEDS]
        fixture = classify([logical_lines(out) for out in outputs])
        fixture["script"] = script.name
        fixture["torch_version"] = torch.__version__
        stem = script.stem
        (FIXTURES / f"tutorial_{stem}.json").write_text(json.dumps(fixture, indent=1) + "\n")
        (FIXTURES / f"tutorial_{stem}.txt").write_text(outputs[0])
        kinds = [line["kind"] for line in fixture["lines"]]
        print(f"{script.name}: {fixture['mode']}, {kinds.count('exact')} exact, "
              f"{kinds.count('masked')} masked, {kinds.count('skip')} skipped")


if __name__ == "__main__":
    main()
