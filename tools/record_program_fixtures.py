"""Record what real PyTorch prints for each program in ``tests/programs`` (third-party style programs).

Each program is plain PyTorch (``import torch``). Here it runs with real PyTorch in a child
process; its stdout, with object addresses normalised to ``0x...``, is written to
``tests/fixtures/programs/<name>.txt``. ``tests/engine/test_programs.py`` runs the same program
with ``engine`` standing in for ``torch`` (``tools/run_as_torch.py``) and compares line by line.

Programs take their random inputs and weights from numpy with fixed seeds, so the output does not
depend on torch's random number generator.

Run: ``python tools/record_program_fixtures.py [name ...]`` (needs PyTorch installed).
``--engine`` instead shows a diff of engine's output against the recorded fixture.
"""

from __future__ import annotations

import difflib
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = ROOT / "tests" / "programs"
FIXTURES = ROOT / "tests" / "fixtures" / "programs"
_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def normalise(stdout: str) -> str:
    return _ADDRESS.sub("0x...", stdout)


def program_names() -> list[str]:
    return sorted(p.stem for p in PROGRAMS.glob("*.py"))


def _child_options(backend: str) -> dict:
    env = dict(os.environ, PYTHONHASHSEED="0")
    if backend == "engine":
        env["PYTHONPATH"] = str(ROOT)
    else:
        env.pop("PYTHONPATH", None)
    return {"cwd": str(PROGRAMS.parent), "env": env}


def run(name: str, backend: str) -> subprocess.CompletedProcess:
    """Run one program on 'torch' (real PyTorch) or 'engine' (through tools/run_as_torch.py)."""
    script = str(PROGRAMS / f"{name}.py")
    if backend == "engine":
        argv = [sys.executable, str(ROOT / "tools" / "run_as_torch.py"), script]
    else:
        argv = [sys.executable, script]
    return subprocess.run(argv, capture_output=True, text=True, timeout=300, **_child_options(backend))


class EngineProgramServer:
    """Runs programs on the engine as :func:`run` does, each in a fork of one ``run_as_torch.py
    --serve`` process (the engine imported once, not once per program). ``with`` closes it."""

    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, str(ROOT / "tools" / "run_as_torch.py"), "--serve"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                        **_child_options("engine"))

    def run(self, name: str, timeout: float = 300.0) -> subprocess.CompletedProcess:
        return self.run_script(PROGRAMS / f"{name}.py", timeout)

    def run_script(self, script, timeout: float = 300.0) -> subprocess.CompletedProcess:
        import json
        import select

        name = Path(script).name
        self.process.stdin.write(json.dumps({"script": str(script)}) + "\n")
        self.process.stdin.flush()
        if not select.select([self.process.stdout], [], [], timeout)[0]:
            self.close()
            raise TimeoutError(f"{name} did not finish within {timeout:g} s")
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the program server ended (exit code {self.process.poll()}) while running {name}")
        answer = json.loads(line)
        return subprocess.CompletedProcess([name], answer["returncode"], answer["stdout"], answer["stderr"])

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> EngineProgramServer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def main(argv: list[str]) -> int:
    engine = "--engine" in argv
    names = [a for a in argv if not a.startswith("--")] or program_names()
    FIXTURES.mkdir(parents=True, exist_ok=True)
    status = 0
    for name in names:
        proc = run(name, "engine" if engine else "torch")
        if proc.returncode != 0:
            print(f"== {name}: exit {proc.returncode}\n{proc.stderr[-3000:]}")
            status = 1
        if engine:
            want = (FIXTURES / f"{name}.txt").read_text().splitlines()
            got = normalise(proc.stdout).splitlines()
            diff = list(difflib.unified_diff(want, got, "torch", "engine", lineterm="", n=0))
            print(f"== {name}: {'same' if not diff else 'DIFFERENT'}")
            print("\n".join(diff))
        elif proc.returncode == 0:
            (FIXTURES / f"{name}.txt").write_text(normalise(proc.stdout))
            print(f"recorded {name}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
