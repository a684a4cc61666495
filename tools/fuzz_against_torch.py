"""Differential testing of the engine against PyTorch on random op programs (needs torch).

    PYTHONPATH=. python tools/fuzz_against_torch.py --seed 1234 --budget 60

Generates random programs (see ``fuzz_programs``: dtypes float32/float64/int64/bool, shapes with
broadcasting, 0-d and size-1 dims, views, in-place ops on bases and views, reuse like ``x * x``,
``detach``, ``no_grad``, ``backward(gradient=v)``, ``create_graph`` second order), runs each in
PyTorch and in the engine and compares values, every leaf's gradient, dtypes, shapes, node names
and error types. The summary counts programs and mismatches by kind; the first program of each
mismatch class is then reduced (delta debugging over its lines) and printed as a Python snippet.

Program ``i`` of a run with master seed ``S`` draws from its own ``random.Random`` seeded with
``"S:i"`` (Python seeds a string through SHA-512: the same on every machine, platform and
PYTHONHASHSEED). So a seed with a program count replays a run exactly, and one program replays
alone: ``Fuzzer.program_at(S, i)`` (``--replay i`` here).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import Counter

# Seconds of random programs when no budget is given (here and in the test): the seeded-RNG
# generator runs ~200 programs/s on a 2-core machine (4065 and 4499 in 20 s on two seeds), more
# than the Hypothesis-driven one it replaced ran in its old default of 60 s (3475 and 3425, ~58/s).
DEFAULT_BUDGET = 20.0

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
        self.first_index: dict[str, int | None] = {}  # signature -> that program's index in its run

    def program_at(self, seed: int, index: int) -> list[str]:
        """Program ``index`` of master seed ``seed``: a function of the two alone (module docstring)."""
        draws = fp.RandomDraws(random.Random(f"{seed}:{index}"))
        return fp.Gen(draws, self.table).program(lambda lines: fp.shapes_of(fp.run(lines, self.torch)))

    def check(self, lines: list[str]) -> list[tuple]:
        return fp.compare(fp.run(lines, self.torch), fp.run(lines, self.engine))

    def record(self, lines: list[str], index: int | None = None) -> None:
        self.programs += 1
        found = self.check(lines)
        for kind in {k for k, _ in found}:
            self.kinds[kind] += 1
        for m in found:
            sig = fp.signature(m, lines)
            if m[0] == "error":
                self.errors_by_class[sig] += 1
            if sig not in self.classes:
                self.classes[sig], self.first_index[sig] = lines, index

    # ---- the two phases ---------------------------------------------------------------------
    def explore(self, seed: int, budget: float, max_programs: int | None = None) -> None:
        """Programs 0, 1, 2, ... of ``seed`` for ``budget`` seconds (and at most ``max_programs``).
        Each program is a function of (seed, its index) alone, so a seed with a program count replays
        exactly, on any machine; the clock only decides where a run without a count stops."""
        end = time.monotonic() + budget
        index = 0
        while time.monotonic() < end and (max_programs is None or index < max_programs):
            self.record(self.program_at(seed, index), index)
            index += 1

    def shrink(self, sig: str, max_attempts: int = 400) -> list[str] | None:
        """A reduced program still showing mismatch class ``sig``, from the first program that showed
        it (``fp.reduce``: at most ``max_attempts`` programs run), or None for a class not seen."""
        if sig not in self.classes:
            return None

        def keeps(lines: list[str]) -> bool:
            return any(fp.signature(m, lines) == sig for m in self.check(lines))

        return fp.reduce(self.classes[sig], keeps, max_attempts)

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
    parser.add_argument("--budget", type=float, default=DEFAULT_BUDGET, help="seconds of random programs")
    parser.add_argument("--programs", type=int, default=None, help="stop after this many programs")
    parser.add_argument("--shrink", type=int, default=5, help="how many mismatch classes to shrink and print")
    parser.add_argument("--show", action="store_true", help="print the first program of every class, unshrunk")
    parser.add_argument("--replay", type=int, default=None, metavar="I",
                        help="print program I of --seed and its mismatches, and stop")
    args = parser.parse_args(argv)
    if args.replay is not None:
        if args.seed is None:
            parser.error("--replay needs --seed")
        fuzzer = Fuzzer()
        lines = fuzzer.program_at(args.seed, args.replay)
        found = fuzzer.check(lines)
        print(f"# program {args.replay} of seed {args.seed}\n{fp.snippet(lines)}")
        for m in found:
            print(f"# {fp.signature(m, lines)}  ({m[1]})")
        return 1 if any(k == "silent" for k, _ in found) else 0
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
        lines = fuzzer.shrink(sig) or fuzzer.classes[sig]
        print(f"\n# --- {sig} (first in program {fuzzer.first_index[sig]}) ---\n{fp.snippet(lines)}")
    return 1 if s["silent"] else 0


if __name__ == "__main__":
    sys.exit(main())
