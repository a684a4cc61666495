"""nn benchmark: a LeNet training step (batch 32) and its layers, engine vs PyTorch, one thread, medians.

    python bench/bench_nn.py [--repeat N] [--only NAME]

Both libraries run the same model with the same weights (PyTorch's initial state_dict copied into
the engine). The ratio engine/torch is the median over rounds that run both once, alternating (shared, noisy
machines: compare ratios, not absolute times). Target: the LeNet step at most 2x PyTorch.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import numpy as np  # noqa: E402

import engine  # noqa: E402

try:
    import torch  # noqa: E402

    torch.set_num_threads(1)
except ImportError:  # torch is needed for the comparison column only
    torch = None


def interleaved_times(impls: dict, repeat: int) -> tuple[dict, float]:
    """Median time of each implementation and the median per-round engine/torch ratio.

    The implementations run in alternation, one call each per round, so a burst of load from
    other processes hits both sides of a ratio alike.
    """
    for fn in impls.values():
        fn()  # warm-up
    times = {k: [] for k in impls}
    ratios = []
    for _ in range(repeat):
        for k, fn in impls.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
        if "torch" in times:
            ratios.append(times["engine"][-1] / times["torch"][-1])
    medians = {k: statistics.median(v) for k, v in times.items()}
    return medians, statistics.median(ratios) if ratios else float("nan")


def lenet(nn):
    class LeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 4 * 4, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = nn.functional.max_pool2d(nn.functional.relu(self.conv1(x)), 2)
            x = nn.functional.max_pool2d(nn.functional.relu(self.conv2(x)), 2)
            x = x.flatten(1)
            x = nn.functional.relu(self.fc1(x))
            x = nn.functional.relu(self.fc2(x))
            return self.fc3(x)

    return LeNet()


def _same_weights(make_model):
    """{lib name: model}, the engine's loaded with the torch model's (or the engine's own) weights."""
    models = {"engine": make_model(engine.nn)}
    if torch is not None:
        models["torch"] = make_model(torch.nn)
        state = {k: engine.tensor(v.detach().numpy()) for k, v in models["torch"].state_dict().items()}
        models["engine"].load_state_dict(state)
    return models


def lenet_step(batch: int = 32):
    rng = np.random.default_rng(0)
    images = rng.standard_normal((batch, 1, 28, 28)).astype(np.float32)
    labels = rng.integers(0, 10, batch)
    models = _same_weights(lenet)

    def make(lib, model):
        opt = lib.optim.SGD(model.parameters(), lr=0.01)
        x, y = lib.tensor(images), lib.tensor(labels)

        def step():
            opt.zero_grad()
            loss = lib.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()

        return step

    return {"engine": make(engine, models["engine"]), **({"torch": make(torch, models["torch"])} if torch else {})}


def layer(build, shape):
    """Forward + backward of one layer on a random input."""
    rng = np.random.default_rng(1)
    data = rng.standard_normal(shape).astype(np.float32)
    models = _same_weights(build)

    def make(lib, model):
        def run():
            x = lib.tensor(data, requires_grad=True)
            model(x).sum().backward()

        return run

    return {"engine": make(engine, models["engine"]), **({"torch": make(torch, models["torch"])} if torch else {})}


WORKLOADS = [
    ("LeNet train step, batch 32", lenet_step, 2.0),
    ("conv2d 1->6 k5, 32x1x28x28 fwd+bwd", lambda: layer(lambda nn: nn.Conv2d(1, 6, 5), (32, 1, 28, 28)), None),
    ("conv2d 6->16 k5, 32x6x12x12 fwd+bwd", lambda: layer(lambda nn: nn.Conv2d(6, 16, 5), (32, 6, 12, 12)), None),
    ("max_pool2d 2, 32x6x24x24 fwd+bwd", lambda: layer(lambda nn: nn.MaxPool2d(2), (32, 6, 24, 24)), None),
    ("avg_pool2d 3/2 pad 1, 32x6x24x24 fwd+bwd", lambda: layer(lambda nn: nn.AvgPool2d(3, 2, 1), (32, 6, 24, 24)), None),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--only", default=None, help="substring of the workload names to run")
    args = parser.parse_args()
    print(f"numpy {np.__version__}, torch {torch.__version__ if torch else 'not installed'}, 1 thread, "
          f"median of {args.repeat}")
    header = f"{'workload':42} {'engine':>10} {'torch':>10} {'eng/torch':>9} {'target':>8}"
    print(header)
    print("-" * len(header))
    for name, make, target in WORKLOADS:
        if args.only and args.only not in name:
            continue
        impls = make()
        t, ratio = interleaved_times(impls, args.repeat)
        verdict = "" if target is None else ("ok" if ratio <= target else "MISS")
        torch_col = f"{t['torch'] * 1e3:8.2f}ms" if "torch" in t else f"{'-':>10}"
        goal = f"<={target}x" if target else ""
        print(f"{name:42} {t['engine'] * 1e3:8.2f}ms {torch_col} {ratio:9.2f} {goal:>8} {verdict}")


if __name__ == "__main__":
    main()
