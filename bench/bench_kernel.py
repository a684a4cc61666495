"""Kernel benchmark: what running user code in a separate process costs.

    PYTHONPATH=. python bench/bench_kernel.py [--repeat 5] [--nodes 5000]

1. kernel start: the first one (the fork server imports Python, numpy, networkx, engine) and
   each further one (a fork of that server) to "ready";
2. a run with a warm spare kernel (what the app pays per Run) versus a cold one;
3. one Step round trip (request, BackwardRun step, answer) on a chain of ``--nodes`` nodes;
4. Continue through the whole chain (steps/s), and the graph document of it.

Prints medians. The machine is shared: compare within one run.
"""

from __future__ import annotations

import argparse
import statistics
import time

from gradviz.kernel import KernelClient
from gradviz.kernel.process import KernelProcess


def _median(values) -> float:
    return statistics.median(values)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--nodes", type=int, default=5000)
    args = parser.parse_args()

    first = KernelProcess()  # starts the fork server (Python + numpy + networkx + engine imports)
    first.wait_ready()
    first.close()
    print(f"first kernel (fork server start):   {first.ready_seconds * 1000:7.0f} ms")
    starts = []
    for _ in range(args.repeat):
        kernel = KernelProcess()
        kernel.wait_ready()
        starts.append(kernel.ready_seconds)
        kernel.close()
    print(f"each further kernel (fork -> ready):{_median(starts) * 1000:7.1f} ms")

    ops = max(1, args.nodes - 2)
    chain = (f"import torch\nx = torch.ones(3, requires_grad=True)\ny = x\nfor _ in range({ops}):\n"
             "    y = y * 1.0001\nloss = y.sum()\n")
    with KernelClient(prestart=True) as client:
        cold = time.perf_counter()
        client.run("x = 1\n")  # no spare yet: waits for a fork
        cold = time.perf_counter() - cold
        warm_runs = []
        for _ in range(args.repeat):
            time.sleep(0.1)  # let the spare finish starting, as between Runs
            t = time.perf_counter()
            client.run("x = 1\n")
            warm_runs.append(time.perf_counter() - t)
        print(f"run of a trivial script, no spare:  {cold * 1000:7.0f} ms")
        print(f"run of a trivial script, warm spare:{_median(warm_runs) * 1000:7.0f} ms")

        client.run(chain, "chain.py")
        t = time.perf_counter()
        answer = client.graph("loss")
        graph_seconds = time.perf_counter() - t
        nodes = len(answer["document"]["nodes"])
        client.step_start("loss")
        trips = []
        for _ in range(max(20, args.repeat)):
            t = time.perf_counter()
            client.step()
            trips.append(time.perf_counter() - t)
        client.reset()
        t = time.perf_counter()
        moved = client.continue_()
        cont = time.perf_counter() - t
        print(f"graph document of {nodes} nodes:     {graph_seconds * 1000:7.0f} ms")
        print(f"one Step round trip:                {_median(trips) * 1000:7.2f} ms")
        print(f"Continue, {len(moved['steps'])} steps:             {len(moved['steps']) / cont:7.0f} steps/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
