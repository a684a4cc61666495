"""Torch-backend benchmark: a ~5,000-node real-PyTorch graph, script done -> graph document, and
the recorded backward's step round trips.

    PYTHONPATH=. python bench/bench_torch_backend.py [--nodes 5000] [--repeat 20]

Two scripts: a chain of multiplications (``--nodes`` grad_fn nodes) and an MLP of Linear+ReLU layers
(module hooks and parameters: about the same number of graph nodes). Per script:

1. the run: wall time of ``client.run`` (fork, ``import torch`` in the kernel, the script) and the
   script alone (``RunResult.seconds``: with the creation tracker, without the torch import);
2. ``graph(root)``: the kernel walks torch's graph into the document + topology and sends it;
3. ``step_start``: one real ``backward()`` with every hook recording (the recording);
4. one Step round trip, and one Step + ``step_state()`` (what a repaint needs from the kernel);
5. Continue through the whole recording.

Prints medians. The machine is shared: compare within one run.
"""

from __future__ import annotations

import argparse
import statistics
import time

from gradviz.kernel import KernelClient


def chain(nodes: int) -> str:
    ops = max(1, nodes - 3)  # + SumBackward0 and AccumulateGrad
    return (f"import torch\nx = torch.ones(3, requires_grad=True)\ny = x\nfor _ in range({ops}):\n"
            "    y = y * 1.0001\nloss = y.sum()\n")


def mlp(nodes: int) -> str:
    layers = max(1, nodes // 7)  # Addmm, T, 2 AccumulateGrad, 2 leaves, Relu per layer
    return ("import torch\nimport torch.nn as nn\ntorch.manual_seed(0)\n"
            f"net = nn.Sequential(*[m for _ in range({layers}) for m in (nn.Linear(8, 8), nn.ReLU())])\n"
            "loss = net(torch.randn(4, 8)).pow(2).sum()\n")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def bench(client: KernelClient, name: str, code: str, repeat: int) -> None:
    t = time.perf_counter()
    result = client.run(code, f"{name}.py", "torch")
    wall = time.perf_counter() - t
    assert result.ok, result.error
    t = time.perf_counter()
    answer = client.graph("loss")
    graph = time.perf_counter() - t
    nodes = len(answer["document"]["nodes"])
    t = time.perf_counter()
    client.step_start("loss")
    record = time.perf_counter() - t
    trips, repaints = [], []
    for _ in range(repeat):
        t = time.perf_counter()
        client.step()
        trips.append(time.perf_counter() - t)
        t = time.perf_counter()
        client.step()
        client.step_state()
        repaints.append(time.perf_counter() - t)
    client.reset()
    t = time.perf_counter()
    moved = client.continue_()
    cont = time.perf_counter() - t
    print(f"{name}: {nodes} nodes, {len(moved['steps'])} recorded steps")
    print(f"  run (fork + import torch + script): {_ms(wall)}")
    print(f"  the script alone (tracker on):      {_ms(result.seconds)}")
    print(f"  graph document + topology:          {_ms(graph)}")
    print(f"  script done -> graph document:      {_ms(result.seconds + graph)}  (torch import excluded)")
    print(f"  step_start (recorded backward):     {_ms(record)}")
    print(f"  one Step round trip:                {_ms(statistics.median(trips))}")
    print(f"  one Step + step_state round trips:  {_ms(statistics.median(repaints))}")
    print(f"  Continue through all:               {_ms(cont)}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with KernelClient(prestart=True) as client:
        for name, make in (("chain", chain), ("mlp", mlp)):
            bench(client, name, make(args.nodes), args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
