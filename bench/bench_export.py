"""Export benchmark: ``gradviz export`` as a whole process, against its budget and against Graphviz.

    python bench/bench_export.py [--nodes 5000] [--small 300] [--repeat 3]

1. ``gradviz export big.py -o big.png`` for a generated script whose graph has about ``--nodes``
   nodes (budget: 10 s for the whole process, Python start-up included).
2. A graph of about ``--small`` nodes: ``gradviz export small.py -o small.png`` (whole process, and
   the export work alone with modules already imported) and ``dot -Tpng`` on the DOT gradviz writes
   for the same graph (when Graphviz is installed). The target is the whole process; Python start-up
   plus importing numpy, networkx, engine and Qt is a fixed ~1 s floor that Graphviz does not pay.

Prints medians; exits 1 when a budget is missed. The machine is shared: compare within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIG_BUDGET_SECONDS = 10.0


def graph_script(nodes: int, branches: int = 8) -> str:
    """A script whose graph has about ``nodes`` nodes: parallel chains of ``sin(h * w)`` joined by a sum.

    Each chain step adds MulBackward0, SinBackward0, an AccumulateGrad and the weight's tensor node
    (4 nodes), so the graph is both deep and wide, like a small network's.
    """
    depth = max(1, round(nodes / (4 * branches)))
    return (
        "import torch\n"
        "x = torch.linspace(-1.0, 1.0, steps=4, requires_grad=True)\n"
        "outs = []\n"
        f"for branch in range({branches}):\n"
        "    h = x\n"
        f"    for step in range({depth}):\n"
        "        w = torch.full((4,), 0.9, requires_grad=True)\n"
        "        h = torch.sin(h * w)\n"
        "    outs.append(h.sum())\n"
        "loss = outs[0]\n"
        "for o in outs[1:]:\n"
        "    loss = loss + o\n"
    )


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.pop("DISPLAY", None)
    return env


def timed_run(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, env=_env(), cwd=REPO)
        times.append(time.perf_counter() - t0)
        if done.returncode != 0:
            raise SystemExit(f"failed: {' '.join(cmd)}\n{done.stderr}")
    return statistics.median(times)


WARM_EXPORT = """
import os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
import engine, gradviz.cli, gradviz.model.export, gradviz.model.layout, gradviz.kernel.session
import gradviz.qt.graph_scene, gradviz.qt.render
t0 = time.perf_counter()
assert gradviz.cli.main(["export", sys.argv[1], "-o", sys.argv[2]]) == 0
print(time.perf_counter() - t0, file=sys.stderr)
"""


def warm_export_seconds(script: Path, out: Path, repeat: int) -> float:
    """The export's own work: modules imported before the clock starts (as in the running app)."""
    times = []
    for _ in range(repeat):
        done = subprocess.run([sys.executable, "-c", WARM_EXPORT, str(script), str(out)],
                              capture_output=True, text=True, env=_env(), cwd=REPO)
        if done.returncode != 0:
            raise SystemExit(done.stderr)
        times.append(float(done.stderr.strip().splitlines()[-1]))
    return statistics.median(times)


def node_count(script: Path, folder: Path) -> int:
    out = folder / f"{script.stem}.json"
    subprocess.run([sys.executable, "-m", "gradviz", "export", str(script), "-o", str(out)],
                   check=True, capture_output=True, env=_env(), cwd=REPO)
    return len(json.loads(out.read_text())["nodes"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--small", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        big = folder / "big.py"
        big.write_text(graph_script(args.nodes))
        small = folder / "small.py"
        small.write_text(graph_script(args.small, branches=4))
        gradviz = [sys.executable, "-m", "gradviz", "export"]

        n_big = node_count(big, folder)
        t_big = timed_run([*gradviz, str(big), "-o", str(folder / "big.png")], args.repeat)
        verdict = "ok" if t_big <= BIG_BUDGET_SECONDS else "OVER BUDGET"
        ok &= t_big <= BIG_BUDGET_SECONDS
        print(f"gradviz export, {n_big} nodes -> PNG (whole process): {t_big:6.2f} s  "
              f"(budget {BIG_BUDGET_SECONDS:g} s: {verdict})")
        t_big_dot = timed_run([*gradviz, str(big), "-o", str(folder / "big.dot")], args.repeat)
        print(f"gradviz export, {n_big} nodes -> DOT (whole process): {t_big_dot:6.2f} s")

        n_small = node_count(small, folder)
        t_small = timed_run([*gradviz, str(small), "-o", str(folder / "small.png")], args.repeat)
        print(f"gradviz export, {n_small} nodes -> PNG (whole process): {t_small:6.2f} s")
        t_warm = warm_export_seconds(small, folder / "small_warm.png", args.repeat)
        print(f"  the same without interpreter start-up and imports:   {t_warm:6.2f} s")
        dot = shutil.which("dot")
        if dot is None:
            print("Graphviz is not installed: no comparison with dot -Tpng")
        else:
            dot_file = folder / "small.dot"
            subprocess.run([*gradviz, str(small), "-o", str(dot_file)], check=True, capture_output=True,
                           env=_env(), cwd=REPO)
            t_dot = timed_run([dot, "-Tpng", str(dot_file), "-o", str(folder / "small_dot.png")], args.repeat)
            faster = t_small < t_dot
            ok &= faster
            print(f"dot -Tpng on gradviz's DOT, {n_small} nodes:           {t_dot:6.2f} s  "
                  f"(gradviz whole process {'faster' if faster else 'SLOWER'}: {t_dot / t_small:.2f}x; "
                  f"export work alone {t_dot / t_warm:.2f}x)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
