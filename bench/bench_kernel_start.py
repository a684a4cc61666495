"""Time what a Run costs before the script's first line: a fresh kernel per run, per backend.

    PYTHONPATH=. python bench/bench_kernel_start.py [--runs 5]

Each row is one ``KernelClient.run`` of a two-line script (``import torch`` and one tensor) on a
fresh kernel, as the app's Run does: the wall time from the call to its answer. The first run of a
backend starts its fork server (Python, numpy, the engine; torch as well for the torch backend);
the runs after it take the spare kernel the previous run started. Compare within one run of this
script (the machine is shared).
"""

from __future__ import annotations

import argparse
import statistics
import time

from gradviz.kernel import KernelClient

SCRIPT = "import torch\nx = torch.ones(3, requires_grad=True)\ny = (x * 2).sum()\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with KernelClient(prestart=True) as client:
        for backend in ("engine", "torch"):
            seconds = []
            for _ in range(args.runs):
                time.sleep(0.5)  # as between two clicks: the spare has time to fork
                started = time.perf_counter()
                result = client.run(SCRIPT, "bench.py", backend)
                seconds.append(time.perf_counter() - started)
                assert result.ok, result.error
            later = seconds[1:]
            print(f"{backend:6s} first run {seconds[0] * 1000:7.0f} ms   later runs: median "
                  f"{statistics.median(later) * 1000:6.0f} ms, min {min(later) * 1000:6.0f} ms")


if __name__ == "__main__":
    main()
