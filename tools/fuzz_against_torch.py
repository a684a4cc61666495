"""Differential testing of the engine against PyTorch on random op programs (needs torch).

    PYTHONPATH=. python tools/fuzz_against_torch.py --seed 1234 --budget 60

Hypothesis generates programs (see ``fuzz_programs``: dtypes float32/float64/int64/bool, shapes with
broadcasting, 0-d and size-1 dims, views, in-place ops on bases and views, reuse like ``x * x``,
``detach``, ``no_grad``, ``backward(gradient=v)``, ``create_graph`` second order), runs each in
PyTorch and in the engine and compares values, every leaf's gradient, dtypes, shapes, node names
and error types. The summary counts programs and mismatches by kind; each new mismatch class is then
shrunk by Hypothesis to a minimal program, printed as a Python snippet.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import fuzz_programs as fp  # noqa: E402


class Fuzzer:
    """Holds both libraries, the op table, the statistics and the mismatch classes seen so far."""

    def __init__(self) -> None:
        import torch

        import engine

        torch.set_num_threads(1)
        self.torch, self.engine = torch, engine
        self.table = fp.probe_table(torch)
        self.programs = 0
        self.kinds = Counter()  # programs with at least one mismatch of each kind
        self.errors_by_class = Counter()
        self.classes: dict[str, list[str]] = {}  # signature -> first program showing it

    def make_program(self, draw, st) -> list[str]:
        gen = fp.Gen(draw, st, self.table)
        return gen.program(lambda lines: fp.shapes_of(fp.run(lines, self.torch)))

    def check(self, lines: list[str]) -> list[tuple]:
        return fp.compare(fp.run(lines, self.torch), fp.run(lines, self.engine))

    def record(self, lines: list[str]) -> None:
        self.programs += 1
        found = self.check(lines)
        for kind in {k for k, _ in found}:
            self.kinds[kind] += 1
        for m in found:
            sig = fp.signature(m, lines)
            if m[0] == "error":
                self.errors_by_class[sig] += 1
            self.classes.setdefault(sig, lines)

    # ---- the two phases ---------------------------------------------------------------------
    def explore(self, seed: int, budget: float, max_programs: int | None = None) -> None:
        """Random programs for ``budget`` seconds (and at most ``max_programs``). The programs are
        a function of ``seed`` alone, so a seed with a program count replays exactly, on any machine."""
        from hypothesis import HealthCheck, Phase, given, settings
        from hypothesis import seed as hyp_seed
        from hypothesis import strategies as st

        end = time.monotonic() + budget
        rounds = random.Random(seed)
        while time.monotonic() < end and (max_programs is None or self.programs < max_programs):

            # Short rounds with fresh seeds: the budget is checked between rounds (a test that stops
            # drawing midway would confuse Hypothesis), and each round explores a new region.
            @hyp_seed(rounds.randrange(2**32))
            @settings(max_examples=25, deadline=None, database=None, phases=[Phase.generate],
                      suppress_health_check=list(HealthCheck))
            @given(st.data())
            def explore_once(data):
                self.record(self.make_program(data.draw, st))

            explore_once()

    def shrink(self, sig: str, seed: int, max_examples: int = 300) -> list[str] | None:
        """A minimal program showing mismatch class ``sig`` (Hypothesis's shrinker), or None."""
        from hypothesis import HealthCheck, Phase, given, settings
        from hypothesis import seed as hyp_seed
        from hypothesis import strategies as st

        last: list = []

        @hyp_seed(seed)
        @settings(max_examples=max_examples, deadline=None, database=None, phases=[Phase.generate, Phase.shrink],
                  suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
        @given(st.data())
        def hunt(data):
            lines = self.make_program(data.draw, st)
            if any(fp.signature(m, lines) == sig for m in self.check(lines)):
                last[:] = [lines]
                raise AssertionError(sig)

        try:
            hunt()
        except AssertionError:
            return last[0] if last else None
        except Exception:  # noqa: BLE001 - Hypothesis wraps flaky failures; keep the first example
            return last[0] if last else None
        return None

    def summary(self) -> dict:
        n = max(self.programs, 1)
        return {
            "programs": self.programs,
            "silent": self.kinds["silent"],
            "name": self.kinds["name"],
            "error": self.kinds["error"],
            "name_pct": 100.0 * self.kinds["name"] / n,
            "error_pct": 100.0 * self.kinds["error"] / n,
        }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=None, help="master seed (random when omitted; printed)")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds of random programs")
    parser.add_argument("--programs", type=int, default=None, help="stop after this many programs")
    parser.add_argument("--shrink", type=int, default=5, help="how many mismatch classes to shrink and print")
    parser.add_argument("--show", action="store_true", help="print the first program of every class, unshrunk")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    print(f"fuzz_against_torch: seed {seed}, budget {args.budget:g}s")
    fuzzer = Fuzzer()
    print(f"op table: {len(fuzzer.table)} engine methods probed on torch")
    fuzzer.explore(seed, args.budget, args.programs)
    s = fuzzer.summary()
    print(
        f"programs {s['programs']}: silent mismatches {s['silent']}, node-name mismatches {s['name']} "
        f"({s['name_pct']:.2f}%), error mismatches {s['error']} ({s['error_pct']:.2f}%)"
    )
    for sig, count in fuzzer.errors_by_class.most_common():
        print(f"  error class {count:5d}  {sig}")
    for sig in sorted(fuzzer.classes):
        if not sig.startswith("error"):
            print(f"  class  {sig}")
    if args.show:
        for sig, lines in sorted(fuzzer.classes.items()):
            print(f"\n# --- first seen: {sig} ---\n{fp.snippet(lines)}")
    for sig in sorted(fuzzer.classes, key=lambda k: (not k.startswith("silent"), k))[: args.shrink]:
        lines = fuzzer.shrink(sig, seed) or fuzzer.classes[sig]
        print(f"\n# --- {sig} ---\n{fp.snippet(lines)}")
    return 1 if s["silent"] else 0


if __name__ == "__main__":
    sys.exit(main())
