"""Engine benchmark: engine vs the raw-numpy floor vs PyTorch (when importable), one thread, medians.

    python bench/bench_engine.py [--repeat N] [--quick]

Prints one table row per workload with the ratios engine/numpy and engine/torch measured in the
same run, the implementations taking turns round by round, and whether the row's target is met
(these machines are shared and noisy: compare ratios, not absolute times).
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

import gc  # noqa: E402

try:
    import torch  # noqa: E402

    torch.set_num_threads(1)
except ImportError:  # torch is optional: only for the comparison column
    torch = None

# torch's import leaves ~170,000 GC-tracked objects that a program running on the engine does not
# have; every full collection the engine's graph objects trigger would walk them too (~0.2 s a time
# here). Freezing them keeps each implementation paying for its own objects only. The engine is
# imported afterwards, so its own import-time objects stay in the heap, as in a real program.
gc.collect()
gc.freeze()

import numpy as np  # noqa: E402

import engine  # noqa: E402


def median_times(impls: dict, repeat: int) -> dict:
    """Median wall time of each implementation, the implementations taking turns in every round so
    that the load of this shared machine, which changes within seconds, falls on all of them alike."""
    for fn in impls.values():
        fn()  # warm-up
    times: dict = {k: [] for k in impls}
    for _ in range(repeat):
        for k, fn in impls.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}


# ---- workloads: each returns {impl: callable} ---------------------------------------------------


def small_ops(backward: bool):
    rng = np.random.default_rng(0)
    xs, ys = rng.standard_normal((2, 3)).astype(np.float32), rng.random((2, 3)).astype(np.float32) + 0.5

    def run_engine(lib):
        x = lib.tensor(xs, requires_grad=True)
        y = lib.tensor(ys, requires_grad=True)
        z = lib.ones(2, 3, requires_grad=True)
        for _ in range(1000):
            z = (z / x) * y
        if backward:
            z.sum().backward()

    def run_numpy():
        z = np.ones((2, 3), np.float32)
        zs = []
        for _ in range(1000):
            zs.append(z)
            z = (z / xs) * ys
        if backward:
            g = np.ones_like(z)
            gx = np.zeros_like(xs)
            gy = np.zeros_like(ys)
            for zp in reversed(zs):
                q = zp / xs
                gy += g * q
                gq = g * ys
                gx += -gq * zp / (xs * xs)
                g = gq / xs

    impls = {"engine": lambda: run_engine(engine), "numpy": run_numpy}
    if torch is not None:
        impls["torch"] = lambda: run_engine(torch)
    return impls


def tiny_model(batch: int):
    rng = np.random.default_rng(1)
    xin = rng.standard_normal((batch, 1000)).astype(np.float32)
    yout = rng.standard_normal((batch, 10)).astype(np.float32)
    w1 = (rng.random((100, 1000)).astype(np.float32) - 0.5) * 0.06
    b1 = np.zeros(100, np.float32)
    w2 = (rng.random((10, 100)).astype(np.float32) - 0.5) * 0.2
    b2 = np.zeros(10, np.float32)

    def make(lib):
        model = lib.nn.Sequential(lib.nn.Linear(1000, 100), lib.nn.ReLU(), lib.nn.Linear(100, 10))
        with lib.no_grad():
            model[0].weight.copy_(lib.tensor(w1))
            model[2].weight.copy_(lib.tensor(w2))
        opt = lib.optim.SGD(model.parameters(), lr=0.001)
        x, y = lib.tensor(xin), lib.tensor(yout)

        def step():
            opt.zero_grad()
            loss = (y - model(x)).pow(2).sum()
            loss.backward()
            opt.step()

        return step

    P = {"w1": w1.copy(), "b1": b1.copy(), "w2": w2.copy(), "b2": b2.copy()}

    def run_numpy():
        h = xin @ P["w1"].T + P["b1"]
        r = np.maximum(h, 0)
        out = r @ P["w2"].T + P["b2"]
        d = out - yout
        _ = (d * d).sum()
        g = 2 * d
        gw2 = g.T @ r
        gb2 = g.sum(0)
        gr = g @ P["w2"]
        gh = gr * (h > 0)
        gw1 = gh.T @ xin
        gb1 = gh.sum(0)
        for k, gk in (("w1", gw1), ("b1", gb1), ("w2", gw2), ("b2", gb2)):
            P[k] -= 0.001 * gk

    impls = {"numpy": run_numpy}
    if hasattr(engine, "nn"):
        impls["engine"] = make(engine)
    if torch is not None:
        impls["torch"] = make(torch)
    return impls


def matmul_big():
    rng = np.random.default_rng(2)
    a_np = rng.standard_normal((1000, 1000)).astype(np.float32)
    b_np = rng.standard_normal((1000, 1000)).astype(np.float32)

    def run(lib):
        a = lib.tensor(a_np, requires_grad=True)
        b = lib.tensor(b_np, requires_grad=True)
        (a @ b).sum().backward()

    def run_numpy():
        _ = (a_np @ b_np).sum()
        g = np.ones((1000, 1000), np.float32)
        _ = g @ b_np.T
        _ = a_np.T @ g

    impls = {"engine": lambda: run(engine), "numpy": run_numpy}
    if torch is not None:
        impls["torch"] = lambda: run(torch)
    return impls


def elementwise_big():
    rng = np.random.default_rng(3)
    x_np = rng.standard_normal((2000, 2000)).astype(np.float32) * 0.1

    def make(lib):
        # The input tensor is made once, outside the timed region, as numpy's floor gets its array.
        x = lib.tensor(x_np, requires_grad=True)

        def run():
            x.grad = None
            y = (lib.sin(x) * x + x).exp().sum()
            y.backward()

        return run

    def run_numpy():
        s = np.sin(x_np)
        u = s * x_np + x_np
        e = np.exp(u)
        _ = e.sum()
        gu = e  # d sum / du = e
        _ = gu * (np.cos(x_np) * x_np + s + 1)

    impls = {"engine": make(engine), "numpy": run_numpy}
    if torch is not None:
        impls["torch"] = make(torch)
    return impls


def long_chain(n: int = 20_000):
    def run(lib):
        x = lib.ones(4, requires_grad=True)
        y = x
        for _ in range(n // 2):
            y = y * 1.0001
            y = y + 0.0001
        y.sum().backward()

    def run_numpy():
        x = np.ones(4, np.float32)
        y = x
        for _ in range(n // 2):
            y = y * np.float32(1.0001)
            y = y + np.float32(0.0001)
        g = np.ones(4, np.float32)
        for _ in range(n // 2):
            g = g * np.float32(1.0001)

    impls = {"engine": lambda: run(engine), "numpy": run_numpy}
    if torch is not None:
        impls["torch"] = lambda: run(torch)
    return impls


def hessian_50():
    rng = np.random.default_rng(4)
    x_np = rng.standard_normal(50)
    a_np = rng.standard_normal((50, 50))

    def run(lib):
        a = lib.tensor(a_np)

        def f(x):
            return (x.tanh() @ a @ x.sin()) + (x * x).sum()

        lib.autograd.functional.hessian(f, lib.tensor(x_np))

    impls = {}
    if hasattr(engine.autograd, "functional"):
        impls["engine"] = lambda: run(engine)
    if torch is not None:
        impls["torch"] = lambda: run(torch)
    return impls


def profiler_overhead(lib, profiled: bool):
    x = lib.randn(2, 3, requires_grad=True)
    y = lib.rand(2, 3, requires_grad=True)

    def loop():
        z = lib.ones(2, 3, requires_grad=True)
        for _ in range(1000):
            z = (z / x) * y

    if not profiled:
        return loop

    def profiled_loop():
        with lib.autograd.profiler.profile():
            loop()

    return profiled_loop


WORKLOADS = [
    ("z=(z/x)*y x1000, 2x3, forward", lambda: small_ops(False), 1.5, "torch"),
    ("z=(z/x)*y x1000, 2x3, fwd+bwd", lambda: small_ops(True), 1.5, "torch"),  # issue 10 (issue 2: 1.0)
    ("TinyModel SGD step, batch 16", lambda: tiny_model(16), 1.5, "torch"),
    ("TinyModel SGD step, batch 1024", lambda: tiny_model(1024), 1.5, "torch"),
    ("matmul 1000x1000 fwd+bwd", matmul_big, 1.15, "numpy"),
    ("sin/*/+/exp/sum 2000x2000 fwd+bwd", elementwise_big, 1.15, "numpy"),
    ("20,000-op chain fwd+bwd", long_chain, 1.2, "torch"),  # issue 10 (issue 2: 1.0)
    ("hessian, 50-dim function", hessian_50, 3.0, "torch"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--only", default=None, help="substring of the workload names to run")
    args = parser.parse_args()

    print(f"numpy {np.__version__}, torch {torch.__version__ if torch else 'not installed'}, 1 thread, "
          f"median of {args.repeat}")
    header = f"{'workload':38} {'engine':>10} {'numpy':>10} {'torch':>10} {'eng/np':>7} {'eng/torch':>9} {'target':>14}"
    print(header)
    print("-" * len(header))
    for name, make, target, against in WORKLOADS:
        if args.only and args.only not in name:
            continue
        impls = make()
        t = median_times(impls, args.repeat)

        def fmt(k, t=t):
            return f"{t[k] * 1e3:8.2f}ms" if k in t else f"{'-':>10}"

        r_np = t["engine"] / t["numpy"] if "engine" in t and "numpy" in t else float("nan")
        r_t = t["engine"] / t["torch"] if "engine" in t and "torch" in t else float("nan")
        ratio = r_t if against == "torch" else r_np
        ok = "ok" if ratio <= target else "MISS"
        print(f"{name:38} {fmt('engine')} {fmt('numpy')} {fmt('torch')} {r_np:7.2f} {r_t:9.2f} "
              f"{'<=' + str(target) + 'x ' + against:>11} {ok}")

    if not args.only or "profiler" in args.only:
        if hasattr(engine.autograd, "profiler"):
            t = median_times({"off": profiler_overhead(engine, False), "on": profiler_overhead(engine, True)}, args.repeat)
            off, on = t["off"], t["on"]
            print(f"{'profiler on / off, tutorial loop':38} {on * 1e3:8.2f}ms {off * 1e3:8.2f}ms "
                  f"{'':>10} {on / off:7.2f} {'':>9} {'<=2.0x off':>11} {'ok' if on / off <= 2 else 'MISS'}")


if __name__ == "__main__":
    main()
