"""Sequence-model benchmark: one training step, engine vs PyTorch in the same run, one thread, medians.

    python bench/bench_transformer.py [--repeat N] [--only SUBSTRING]

Workloads: a one-block transformer (``TransformerEncoderLayer`` + a ``Linear`` head, cross-entropy,
Adam), with and without dropout, and for comparison GRU and LSTM steps. Both libraries get the same
weights (PyTorch's ``state_dict`` copied into the engine model). The machines are shared and noisy:
compare the ratios, which are measured side by side, not the absolute times.
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
except ImportError:  # torch is optional: only for the comparison column
    torch = None


def median_time(fn, repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _copy_weights(src_state: dict, model) -> None:
    model.load_state_dict({k: engine.tensor(v.numpy()) for k, v in src_state.items()})


def _training_step(lib, build, x_np, y_np):
    model = build(lib)
    if lib is engine and torch is not None:
        _copy_weights(build(torch).state_dict(), model)
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)
    x, y = lib.tensor(x_np), lib.tensor(y_np)

    def step():
        opt.zero_grad()
        loss = lib.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    return step


def transformer_block(batch=32, length=32, d_model=128, nhead=4, ff=512, classes=10, dropout=0.0):
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((batch, length, d_model)).astype(np.float32)
    y_np = rng.integers(0, classes, batch)

    def build(lib):
        if lib is torch:
            torch.manual_seed(0)

        class Block(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.block = lib.nn.TransformerEncoderLayer(d_model, nhead, ff, dropout, batch_first=True)
                self.head = lib.nn.Linear(d_model, classes)

            def forward(self, x):
                return self.head(self.block(x).mean(1))

        return Block()

    impls = {"engine": _training_step(engine, build, x_np, y_np)}
    if torch is not None:
        impls["torch"] = _training_step(torch, build, x_np, y_np)
    return impls


def recurrent(kind: str, batch=16, length=32, features=64, hidden=128, classes=10):
    rng = np.random.default_rng(1)
    x_np = rng.standard_normal((length, batch, features)).astype(np.float32)
    y_np = rng.integers(0, classes, batch)

    def build(lib):
        if lib is torch:
            torch.manual_seed(0)

        class Net(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = getattr(lib.nn, kind)(features, hidden)
                self.head = lib.nn.Linear(hidden, classes)

            def forward(self, x):
                return self.head(self.rnn(x)[0][-1])

        return Net()

    impls = {"engine": _training_step(engine, build, x_np, y_np)}
    if torch is not None:
        impls["torch"] = _training_step(torch, build, x_np, y_np)
    return impls


WORKLOADS = [
    ("transformer block step, B32 L32 d128", lambda: transformer_block(), 2.0),
    ("transformer block step, dropout 0.1", lambda: transformer_block(dropout=0.1), 2.0),
    ("GRU(64,128) step, L32 B16", lambda: recurrent("GRU"), None),
    ("LSTM(64,128) step, L32 B16", lambda: recurrent("LSTM"), None),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--only", default=None, help="substring of the workload names to run")
    args = parser.parse_args()
    print(f"numpy {np.__version__}, torch {torch.__version__ if torch else 'not installed'}, 1 thread, "
          f"median of {args.repeat}")
    header = f"{'workload':38} {'engine':>10} {'torch':>10} {'eng/torch':>9} {'target':>10}"
    print(header)
    print("-" * len(header))
    for name, make, target in WORKLOADS:
        if args.only and args.only not in name:
            continue
        t = {k: median_time(fn, args.repeat) for k, fn in make().items()}
        ratio = t["engine"] / t["torch"] if "torch" in t else float("nan")
        torch_col = f"{t['torch'] * 1e3:8.2f}ms" if "torch" in t else f"{'-':>10}"
        verdict = "" if target is None else (f"<={target}x " + ("ok" if ratio <= target else "MISS"))
        print(f"{name:38} {t['engine'] * 1e3:8.2f}ms {torch_col} {ratio:9.2f} {verdict:>10}")


if __name__ == "__main__":
    main()
