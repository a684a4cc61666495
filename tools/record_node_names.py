"""Record PyTorch 2.13's node names, outputs and gradients for one tiny program per node name the
engine creates that no other fixture shows, into ``tests/fixtures/node_names.json``.

``tests/engine/test_node_name_coverage.py`` asserts every engine node name occurs in some recorded
fixture; the cases here fill the gaps the other recorders leave (the rarer unary ops, fills, scatter,
the double-backward ``*BackwardBackward0`` nodes, ``NotImplemented`` ...). Each case is a snippet run
with ``torch`` bound to real PyTorch here and to ``engine`` in ``tests/engine/test_node_names.py``;
the snippet's source is stored in the fixture, so both sides run the same program. A snippet sets
``out`` (a tensor) and ``inputs`` (the leaves to differentiate), using ``leaf(*shape, lo, hi, seed)``
for float64 leaves requiring grad; ``backward = False`` skips the gradient (for outputs without one).

Run: ``python tools/record_node_names.py`` (needs PyTorch installed).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
FIXTURE_PATH = HERE.parent / "tests" / "fixtures" / "node_names.json"

CASES: list = []


def case(name: str, code: str) -> None:
    CASES.append({"name": name, "code": code.strip("\n")})


def _leaf_maker(torch):
    def leaf(*shape, lo=-1.0, hi=1.0, seed=0, requires_grad=True):
        values = np.random.default_rng(seed).uniform(lo, hi, shape)
        return torch.tensor(values.tolist(), dtype=torch.float64, requires_grad=requires_grad)
    return leaf


def graph_names(root) -> list:
    """type(node).__name__ of every node reachable from ``root`` (sorted, unique)."""
    seen, stack, names = set(), [root], set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        names.add(type(node).__name__)
        stack.extend(fn for fn, _ in getattr(node, "next_functions", ()))
    return sorted(names)


def run_case(torch, code: str) -> dict:
    """Run one snippet with ``torch`` bound to ``torch``; the record both sides compare."""
    ns = {"torch": torch, "np": np, "leaf": _leaf_maker(torch), "backward": True}
    exec(compile(code, "<node-name case>", "exec"), ns)
    out, inputs = ns["out"], ns["inputs"]
    record = {"grad_fn": type(out.grad_fn).__name__, "grad_fn_name": out.grad_fn.name(),
              "names": graph_names(out.grad_fn), "out": out.detach().tolist(),
              # the root node's edges: (None, 0) for inputs without history, as PyTorch has them
              "root_edges": [None if fn is None else type(fn).__name__ for fn, _ in out.grad_fn.next_functions],
              "dtype": str(out.dtype)}
    if ns["backward"]:
        weights = torch.tensor(np.linspace(0.5, 1.5, out.numel()).reshape(tuple(out.shape)).tolist(),
                               dtype=out.dtype)
        grads = torch.autograd.grad(out, inputs, grad_outputs=weights, allow_unused=True)
        record["grads"] = [None if g is None else g.tolist() for g in grads]
    return record


# ---- unary ops no other fixture reaches ------------------------------------------------------------
for _fn, _lo, _hi in [("asin", -0.6, 0.6), ("atan", -2, 2), ("ceil", -2, 2), ("cosh", -1, 1),
                      ("erf", -1, 1), ("exp2", -1, 1), ("expm1", -1, 1), ("floor", -2, 2), ("frac", -2, 2),
                      ("log10", 0.2, 2), ("log1p", -0.5, 2), ("log2", 0.2, 2), ("round", -2, 2),
                      ("rsqrt", 0.2, 2), ("sign", -1, 1), ("sinh", -1, 1), ("tan", -1, 1), ("trunc", -2, 2)]:
    case(_fn, f"x = leaf(2, 3, lo={_lo}, hi={_hi})\nout = torch.{_fn}(x * 1.5)\ninputs = [x]")
case("round_decimals", "x = leaf(2, 3, lo=-2, hi=2)\nout = torch.round(x, decimals=1)\ninputs = [x]")

# ---- binary / ternary math ----------------------------------------------------------------------------
case("clamp_max_scalar", "x = leaf(2, 3)\nout = torch.clamp_max(x, 0.2)\ninputs = [x]")
case("clamp_max_tensor", "x = leaf(2, 3)\nm = leaf(3, seed=1)\nout = torch.clamp_max(x, m)\ninputs = [x, m]")
case("clamp_min_tensor", "x = leaf(2, 3)\nm = leaf(3, seed=1)\nout = x.clamp_min(m)\ninputs = [x, m]")
case("fmod_scalar", "x = leaf(2, 3, lo=-3, hi=3)\nout = torch.fmod(x, 1.3)\ninputs = [x]")
case("fmod_tensor", "x = leaf(2, 3, lo=-3, hi=3)\ny = leaf(2, 3, lo=0.5, hi=1.5, seed=1)\n"
     "out = torch.fmod(x, y)\ninputs = [x, y]")
case("remainder_scalar", "x = leaf(2, 3, lo=-3, hi=3)\nout = torch.remainder(x, 1.3)\ninputs = [x]")
case("remainder_tensor", "x = leaf(2, 3, lo=-3, hi=3)\ny = leaf(2, 3, lo=0.5, hi=1.5, seed=1)\n"
     "out = x % y\ninputs = [x, y]")
case("lerp_scalar", "a = leaf(2, 3)\nb = leaf(2, 3, seed=1)\nout = torch.lerp(a, b, 0.3)\ninputs = [a, b]")
case("lerp_tensor", "a = leaf(2, 3)\nb = leaf(2, 3, seed=1)\nw = leaf(2, 3, lo=0, hi=1, seed=2)\n"
     "out = torch.lerp(a, b, w)\ninputs = [a, b, w]")
case("maximum", "a = leaf(2, 3)\nb = leaf(2, 3, seed=1)\nout = torch.maximum(a, b)\ninputs = [a, b]")
case("leaky_relu", "x = leaf(2, 3)\nout = torch.nn.functional.leaky_relu(x, 0.1)\ninputs = [x]")
# Both operands require grad: PyTorch's NotImplemented node then has both edges, as the engine's. (With
# a number or a tensor without grad as divisor PyTorch gives it one edge; the engine still two -- left
# for the owner of ops/math.py.)
case("floor_divide_not_implemented", "x = leaf(2, 3, lo=-3, hi=3)\ny = leaf(2, 3, lo=0.5, hi=1.5, seed=1)\n"
     "out = torch.floor_divide(x, y)\ninputs = [x, y]\nbackward = False")

# ---- reductions -------------------------------------------------------------------------------------
case("amin", "x = leaf(3, 4)\nout = torch.amin(x, dim=1)\ninputs = [x]")
case("min_all", "x = leaf(3, 4)\nout = torch.min(x)\ninputs = [x]")
case("prod", "x = leaf(3, 4, lo=0.5, hi=1.5)\nout = torch.prod(x)\ninputs = [x]")

# ---- fills, masks, scatter, triangles -------------------------------------------------------------------
case("fill_scalar", "x = leaf(2, 3)\nout = torch.fill(x * 2, 1.5)\ninputs = [x]")
case("fill_tensor", "x = leaf(2, 3)\nv = leaf(seed=1)\nout = torch.fill(x * 2, v)\ninputs = [x, v]")
case("fill__scalar", "x = leaf(2, 3)\ny = x * 2\ny.fill_(1.5)\nout = y\ninputs = [x]")
case("fill__tensor", "x = leaf(2, 3)\nv = leaf(seed=1)\ny = x * 2\ny.fill_(v)\nout = y\ninputs = [x, v]")
case("zero_", "x = leaf(2, 3)\ny = x * 2\ny.zero_()\nout = y\ninputs = [x]")
case("masked_fill_tensor", "x = leaf(2, 3)\nv = leaf(seed=1)\nout = x.masked_fill(x > 0, v)\ninputs = [x, v]")
case("masked_select", "x = leaf(2, 3)\nout = torch.masked_select(x, x > 0)\ninputs = [x]")
case("index_put", "x = leaf(3, 4)\nv = leaf(2, 4, seed=1)\n"
     "out = torch.index_put(x * 1, (torch.tensor([2, 0]),), v)\ninputs = [x, v]")
case("scatter_src", "x = leaf(3, 4)\ns = leaf(3, 2, seed=1)\n"
     "out = torch.scatter(x, 1, torch.tensor([[0, 2], [1, 3], [3, 0]]), s)\ninputs = [x, s]")
case("scatter_value", "x = leaf(3, 4)\nout = x.scatter(1, torch.tensor([[0, 2], [1, 3], [3, 0]]), 0.5)\ninputs = [x]")
case("scatter_add", "x = leaf(3, 4)\ns = leaf(3, 2, seed=1)\n"
     "out = x.scatter_add(1, torch.tensor([[0, 0], [1, 3], [3, 0]]), s)\ninputs = [x, s]")
case("tril", "x = leaf(3, 4)\nout = torch.tril(x, 1)\ninputs = [x]")
case("triu", "x = leaf(3, 4)\nout = x.triu(-1)\ninputs = [x]")
case("squeeze_dims", "x = leaf(1, 3, 1)\nout = x.squeeze((0, 2))\ninputs = [x]")

# ---- double backward: the gradient of a gradient ---------------------------------------------------------
# out is d<y, v>/dx as a function of v (and x): its node is the op's backward's backward. PyTorch's
# pooling/padding backward nodes also take ``self`` (gradient ``zeros_like(self)``, so x's gradient is
# zeros there and None for the upsampling/slicing ones, which do not).
def double(name: str, forward: str, shape: tuple, lo: float = -1.0, hi: float = 1.0) -> None:
    case(name, f"x = leaf(*{shape!r}, lo={lo}, hi={hi}, seed=3)\nF = torch.nn.functional\ny = {forward}\n"
         "v = leaf(*y.shape, seed=4)\n(out,) = torch.autograd.grad(y, x, v, create_graph=True)\ninputs = [v, x]")


double("slice_backward_backward", "x[1:3, ::2] * 1", (4, 5))
double("diagonal_backward_backward", "x.diagonal(1) * 1", (3, 4))
double("index_backward_backward", "x[torch.tensor([0, 2, 0])] * 1", (3, 4))
double("avg_pool3d_backward_backward", "F.avg_pool3d(x, 2)", (1, 1, 4, 4, 4))
double("adaptive_avg_pool3d_backward_backward", "F.adaptive_avg_pool3d(x, (2, 3, 2))", (1, 2, 4, 5, 4))
double("max_pool3d_backward_backward", "F.max_pool3d(x, 2)", (1, 1, 4, 4, 4))
double("reflection_pad3d_backward_backward", "F.pad(x, (1, 1, 1, 0, 0, 1), mode='reflect')", (1, 1, 3, 3, 3))
double("replication_pad3d_backward_backward", "F.pad(x, (1, 1, 1, 0, 0, 1), mode='replicate')", (1, 1, 3, 3, 3))
double("upsample_nearest3d_backward_backward", "F.interpolate(x, scale_factor=2, mode='nearest')", (1, 1, 2, 2, 2))
double("upsample_nearest_exact3d_backward_backward", "F.interpolate(x, size=(3, 4, 3), mode='nearest-exact')",
       (1, 1, 2, 2, 2))
double("upsample_trilinear3d_backward_backward",
       "F.interpolate(x, size=(3, 4, 3), mode='trilinear', align_corners=False)", (1, 1, 2, 2, 2))
double("pack_padded_sequence_backward_backward",
       "torch.nn.utils.rnn.pack_padded_sequence(x, torch.tensor([3, 2]), batch_first=True).data * 1", (2, 3, 2))
case("copy_", "x = leaf(3)\na = torch.zeros(3, dtype=torch.float64)\na.copy_(x * 2)\nout = a\ninputs = [x]")

# ---- sliding windows, series and sub-pixel ops (nodefixture branch) -----------------------------------------
case("unfold", "x = leaf(2, 7)\nout = x.unfold(1, 3, 2) * 1\ninputs = [x]")
case("roll", "x = leaf(3, 4)\nout = torch.roll(x, (1, -2), (0, 1))\ninputs = [x]")
case("roll_flat", "x = leaf(3, 4)\nout = x.roll(5)\ninputs = [x]")
case("std_mean", "x = leaf(3, 4)\ns, m = torch.std_mean(x, dim=1)\nout = s * 2 + m\ninputs = [x]")
case("var_mean", "x = leaf(3, 4)\nv, m = torch.var_mean(x, 0, keepdim=True, correction=0)\nout = v + m * m\ninputs = [x]")
case("std_mean_only_std", "x = leaf(2, 5)\nout = torch.std_mean(x)[0]\ninputs = [x]")
case("diff", "x = leaf(3, 5)\nout = torch.diff(x, n=2, dim=1, prepend=x[:, :1] * 2)\ninputs = [x]")
case("pixel_shuffle", "x = leaf(2, 8, 2, 3)\nout = torch.nn.functional.pixel_shuffle(x, 2)\ninputs = [x]")
case("pixel_unshuffle", "x = leaf(1, 2, 4, 6)\nout = torch.nn.functional.pixel_unshuffle(x, 2)\ninputs = [x]")
double("unfold_backward_backward", "x.unfold(0, 3, 2) * 1", (7,))
double("pixel_shuffle_backward_backward", "F.pixel_shuffle(x, 2)", (1, 4, 2, 2))

case("embedding_bag_mean_padding", "w = leaf(6, 3)\nout = torch.nn.functional.embedding_bag(torch.tensor([1, 2, 4, 5, 4, 3]), w, "
     "torch.tensor([0, 2, 2]), padding_idx=4)\ninputs = [w]")
case("embedding_bag_sum_weights_last_offset", "w = leaf(6, 3)\np = leaf(6, seed=2)\n"
     "out = torch.nn.functional.embedding_bag(torch.tensor([1, 2, 4, 5, 4, 3]), w, torch.tensor([0, 3, 6]), mode='sum', "
     "per_sample_weights=p, include_last_offset=True)\ninputs = [w, p]")
case("embedding_bag_max_2d", "w = leaf(6, 3)\nout = torch.nn.functional.embedding_bag(torch.tensor([[1, 2, 4], [5, 4, 0]]), w, "
     "mode='max')\ninputs = [w]")

case("full_backward_hook", "m = torch.nn.Tanh()\nm.register_full_backward_hook(lambda mod, gin, gout: None)\n"
     "x = leaf(2, 3)\nout = m(x * 2)\ninputs = [x]")


def main() -> None:
    import torch

    torch.manual_seed(0)
    records = []
    for c in CASES:
        try:
            records.append({**c, **run_case(torch, c["code"])})
        except Exception as exc:  # a case that fails in torch is a bug in this script
            print(f"{c['name']}: {type(exc).__name__}: {exc}", file=sys.stderr)
            raise
    payload = {"torch_version": torch.__version__, "cases": records}
    FIXTURE_PATH.write_text(json.dumps(payload, indent=1) + "\n")
    print(f"wrote {len(records)} cases to {FIXTURE_PATH}")


if __name__ == "__main__":
    main()
