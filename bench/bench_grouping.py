"""Grouping benchmark: ``gradviz export`` of huge chains and of a GRU, folded, as whole processes.

    python bench/bench_grouping.py [--repeat 1] [--sizes 20000 100000]

Rows:
1. ``gradviz export chain.py -o chain.png`` for chains of ``--sizes`` multiplications (budget: 10 s
   for the whole process, Python start-up and the kernel included); the picture's size in pixels;
2. the same chain to JSON (every node listed, at its fold's position);
3. a ``nn.GRU`` over 16 steps: nodes in the graph, nodes drawn once folded, and the export time.

Prints medians of wall and CPU time; exits 1 when a chain's PNG misses the budget. The machine is shared: compare
within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUDGET_SECONDS = 10.0

GRU = (
    "import torch\n"
    "torch.manual_seed(0)\n"
    "gru = torch.nn.GRU(8, 16)\n"
    "out, h = gru(torch.randn(16, 1, 8))\n"
    "loss = out.sum()\n"
)


def chain(n: int) -> str:
    return ("import torch\nx = torch.ones(3, requires_grad=True)\ny = x\n"
            f"for _ in range({n}):\n    y = y * 1.0001\nloss = y.sum()\n")


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.pop("DISPLAY", None)
    return env


def kernel_side_cpu(n: int) -> float:
    """CPU seconds of what the kernel does for an image export of the chain, run in this process."""
    import pickle

    from gradviz.kernel.documents import topology
    from gradviz.kernel.engine_documents import build_model
    from gradviz.kernel.session import Session

    started = time.process_time()
    result = Session().run_sync(chain(n), "chain.py")
    model = build_model(result.tensors["loss"], result.namespace, result.tensors)
    pickle.dumps({"document": None, "topology": topology(model)}, protocol=5)
    return time.process_time() - started


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def export(script: Path, out: Path, *flags: str) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (the export process and its kernel) and the summary line."""
    cpu = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "gradviz", "export", str(script), "-o", str(out), *flags],
                          capture_output=True, text=True, env=_env(), cwd=REPO)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"failed: {script} -> {out}\n{done.stderr}")
    return seconds, _children_cpu() - cpu, done.stdout.strip()


def median_export(script: Path, out: Path, repeat: int, *flags: str) -> tuple[float, float, str]:
    runs = [export(script, out, *flags) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs), runs[-1][2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--sizes", type=int, nargs="*", default=[20_000, 100_000])
    args = parser.parse_args()
    missed = False
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for n in args.sizes:
            script = tmp / f"chain{n}.py"
            script.write_text(chain(n))
            seconds, cpu, summary = median_export(script, tmp / "chain.png", args.repeat)
            ok = seconds <= BUDGET_SECONDS
            missed |= not ok
            size = summary.rpartition(", ")[2].rstrip(")")
            rows.append((f"{n:,}-op chain -> PNG (whole process)", f"{seconds:.2f} s", f"{cpu:.2f} s", size,
                         f"budget {BUDGET_SECONDS:g} s: {'ok' if ok else 'MISSED'}"))
            seconds, cpu, _ = median_export(script, tmp / "chain.json", args.repeat)
            doc = json.loads((tmp / "chain.json").read_text())
            fold = doc["folds"][0] if doc["folds"] else {"count": 0}
            rows.append((f"{n:,}-op chain -> JSON", f"{seconds:.2f} s", f"{cpu:.2f} s", f"{len(doc['nodes']):,} nodes",
                         f"fold × {fold['count']:,}"))
            rows.append((f"{n:,}-op chain: kernel side in-process", "", f"{kernel_side_cpu(n):.2f} s",
                         "run + graph + topology", "+ pickle (what the kernel does)"))
        script = tmp / "gru.py"
        script.write_text(GRU)
        for params in ("full", "compact"):
            seconds, cpu, _ = median_export(script, tmp / "gru.json", args.repeat, "--params", params)
            doc = json.loads((tmp / "gru.json").read_text())
            drawn = len({n["group"] or n["id"] for n in doc["nodes"]})
            folds = ", ".join(f"{f['body']}-op block × {f['count']}" for f in doc["folds"]) or "none"
            rows.append((f"GRU × 16 steps, --params {params} -> JSON", f"{seconds:.2f} s", f"{cpu:.2f} s",
                         f"{len(doc['nodes'])} nodes, {drawn} drawn", folds))
    width = max(len(r[0]) for r in rows)
    print(f"{'':<{width}}  {'wall':>8}  {'cpu':>8}")
    for row in rows:
        print(f"{row[0]:<{width}}  {row[1]:>8}  {row[2]:>8}  {row[3]:<22}  {row[4]}")
    print("wall: the whole process; cpu: user+system of the export process (less sensitive to a busy machine;")
    print("      its kernel is forked from a fork server, so the kernel's CPU is the 'kernel side' rows)")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
