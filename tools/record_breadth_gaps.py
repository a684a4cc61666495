"""Record PyTorch 2.13 on the last breadth gaps of issue 9 into ``tests/fixtures/breadth_gaps.json``:
``AdaptiveMaxPool3d`` / ``F.adaptive_max_pool3d``, the ``*_like`` factories' layouts
(``memory_format=torch.preserve_format``) and ``einsum``'s sublist form.

Each case is a snippet run with ``torch`` bound to real PyTorch here and to ``engine`` in
``tests/engine/test_breadth_gaps.py`` (the source is stored in the fixture). A snippet records with
``rec(key, value)`` (tensors as values, shape, strides, contiguity, dtype and grad_fn name) and
``err(key, fn)`` (the exception type and message); ``leaf(*shape, seed=)`` makes float64 leaves
requiring grad, ``names(t)`` is the set of node names in ``t``'s graph.

Run: ``python tools/record_breadth_gaps.py`` (needs PyTorch installed).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
FIXTURE_PATH = HERE.parent / "tests" / "fixtures" / "breadth_gaps.json"
sys.path.insert(0, str(HERE))
from record_node_names import _leaf_maker, graph_names  # noqa: E402

CASES: list = []


def case(name: str, code: str) -> None:
    CASES.append({"name": name, "code": code.strip("\n")})


def encode(torch, value):
    if isinstance(value, torch.Tensor):
        return {"values": value.detach().tolist(), "shape": list(value.shape), "stride": list(value.stride()),
                "contiguous": value.is_contiguous(), "dtype": str(value.dtype),
                "grad_fn": None if value.grad_fn is None else type(value.grad_fn).__name__}
    if isinstance(value, (list, tuple)):
        return [encode(torch, v) for v in value]
    if isinstance(value, set):
        return sorted(value)
    return value


def run_case(torch, code: str) -> dict:
    records: dict = {}

    def rec(key, value):
        records[key] = encode(torch, value)

    def err(key, fn):
        try:
            fn()
        except Exception as exc:  # the contract is PyTorch's exception type and message
            records[key] = {"error": type(exc).__name__, "message": str(exc)}
        else:
            records[key] = {"error": None}

    ns = {"torch": torch, "np": np, "leaf": _leaf_maker(torch), "rec": rec, "err": err,
          "names": lambda t: graph_names(t.grad_fn), "F": torch.nn.functional}
    exec(compile(code, "<breadth-gap case>", "exec"), ns)
    return records


# ---- AdaptiveMaxPool3d ------------------------------------------------------------------------------
case("adaptive_max_pool3d_values_indices_grads", """
for shape, size in [((1, 2, 5, 4, 3), (2, 3, 2)), ((2, 3, 4, 5), 3), ((1, 1, 7, 6, 5), (3, None, 2)),
                    ((2, 2, 3, 3, 3), 1), ((1, 1, 4, 5, 6), (4, 5, 6))]:
    x = leaf(*shape, seed=sum(shape))
    out, idx = F.adaptive_max_pool3d(x, size, return_indices=True)
    rec(f"{shape} {size} saved indices", out.grad_fn._saved_result1)
    rec(f"{shape} {size} names", names(out))
    w = leaf(*out.shape, seed=7, requires_grad=False)
    (g,) = torch.autograd.grad((out * w).sum(), x)
    rec(f"{shape} {size} out", out)
    rec(f"{shape} {size} indices", idx)
    rec(f"{shape} {size} grad", g)
""")
case("adaptive_max_pool3d_double_backward", """
x = leaf(1, 2, 4, 5, 4, seed=1)
y = F.adaptive_max_pool3d(x, (2, 3, 2))
v = leaf(*y.shape, seed=2)
(g,) = torch.autograd.grad(y, x, v, create_graph=True)
rec("grad", g)
rec("names", names(g))
(gv,) = torch.autograd.grad(g, v, torch.ones_like(g))
rec("grad of grad", gv)
""")
case("adaptive_max_pool3d_float32_ties_and_module", """
x = torch.tensor([[[[[1., 3.], [3., 2.]], [[0., 3.], [1., 1.]]]]], requires_grad=True)
m = torch.nn.AdaptiveMaxPool3d(1, return_indices=True)
out, idx = m(x)
out.sum().backward()
rec("out", out)
rec("idx", idx)
rec("grad", x.grad)
rec("repr", repr(m))
rec("repr sizes", repr(torch.nn.AdaptiveMaxPool3d((2, None, 3))))
rec("output_size", torch.nn.AdaptiveMaxPool3d((2, None, 3)).output_size)
rec("plain", torch.nn.AdaptiveMaxPool3d(2)(torch.arange(64.).reshape(1, 4, 4, 4)))
rec("params", len(list(m.parameters())))
rec("with_indices", F.adaptive_max_pool3d_with_indices(torch.arange(8.).reshape(1, 2, 2, 2), 1))
""")
case("adaptive_max_pool3d_errors", """
err("3d input", lambda: F.adaptive_max_pool3d(torch.randn(2, 3, 4), 2))
err("6d input", lambda: F.adaptive_max_pool3d(torch.randn(1, 2, 3, 4, 5, 6), 2))
err("two sizes", lambda: F.adaptive_max_pool3d(torch.randn(1, 2, 3, 4, 5), (2, 2)))
err("one size list", lambda: F.adaptive_max_pool3d(torch.randn(1, 2, 3, 4, 5), [2]))
err("sizes longer than input", lambda: F.adaptive_max_pool3d(torch.randn(2, 3), (2, 2, 2)))
err("empty channel", lambda: F.adaptive_max_pool3d(torch.randn(1, 0, 3, 4, 5), 2))
err("int input", lambda: F.adaptive_max_pool3d(torch.ones(1, 2, 3, 4, 5, dtype=torch.int32), 2))
""")

# ---- *_like keep the input's layout ------------------------------------------------------------------
case("like_factories_preserve_layout", """
base = torch.arange(120.).reshape(2, 3, 4, 5)
inputs = {
    "contiguous": base,
    "transposed": torch.arange(12.).reshape(3, 4).t(),
    "permuted": base.permute(2, 0, 3, 1),
    "channels_last": base.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2),
    "size-1 dim": torch.arange(12.).reshape(3, 1, 4).permute(2, 1, 0),
    "sliced (not dense)": base[:, :, ::2],
    "sliced channels_last": base.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)[:, :, ::2],
    "sliced transposed": torch.arange(30.).reshape(5, 6).t()[::2],
    "expanded": torch.arange(4.).reshape(4, 1).expand(4, 3),
}
makers = {
    "zeros_like": torch.zeros_like, "ones_like": torch.ones_like, "empty_like": torch.empty_like,
    "full_like": lambda t, **kw: torch.full_like(t, 2.5, **kw),
    "rand_like": torch.rand_like, "randn_like": torch.randn_like,
}
for iname, t in inputs.items():
    for mname, make in makers.items():
        r = make(t)
        rec(f"{mname}({iname})", (tuple(r.shape), r.stride(), r.is_contiguous(), str(r.dtype)))
        if mname in ("zeros_like", "ones_like", "full_like"):
            rec(f"{mname}({iname}) values", r)
    rec(f"zeros_like({iname}, contiguous_format)", torch.zeros_like(t, memory_format=torch.contiguous_format).stride())
    rec(f"empty_like({iname}, preserve_format)", torch.empty_like(t, memory_format=torch.preserve_format).stride())
    rec(f"{iname} is_contiguous(channels_last)", t.is_contiguous(memory_format=torch.channels_last)
        if t.dim() == 4 else None)
rec("ones_like channels_last explicit", torch.ones_like(base, memory_format=torch.channels_last).stride())
rec("channels_last result is channels_last",
    torch.ones_like(base, memory_format=torch.channels_last).is_contiguous(memory_format=torch.channels_last))
rec("ones_like dtype", torch.ones_like(inputs["channels_last"], dtype=torch.float64).stride())
err("channels_last on 2-d", lambda: torch.empty_like(torch.ones(3, 4), memory_format=torch.channels_last))
x = leaf(3, 4)
r = torch.zeros_like(x.t(), requires_grad=True)
rec("requires_grad kept", (r.requires_grad, r.stride()))
""")

# ---- einsum's sublist form -------------------------------------------------------------------------------
case("einsum_sublist_form", """
a = leaf(2, 3, seed=1)
b = leaf(3, 4, seed=2)
c = leaf(4, seed=3)
for label, make in [
    ("matmul with output", lambda: torch.einsum(a, [0, 1], b, [1, 2], [0, 2])),
    ("matmul implicit output", lambda: torch.einsum(a, [0, 1], b, [1, 2])),
    ("string form", lambda: torch.einsum("ij,jk->ik", a, b)),
    ("three operands", lambda: torch.einsum(a, [0, 1], b, [1, 2], c, [2], [0])),
    ("ellipsis", lambda: torch.einsum(a, [Ellipsis, 1], b, [1, 2], [Ellipsis, 2])),
    ("lowercase labels", lambda: torch.einsum(a, [30, 40], [40, 30])),
    ("trace-like", lambda: torch.einsum(leaf(3, 3, seed=4), [5, 5], [])),
    ("outer", lambda: torch.einsum(c, [0], c, [1])),
]:
    out = make()
    rec(label, out)
    rec(f"{label} names", names(out))
    rec(f"{label} grads", torch.autograd.grad(out.sum(), [a, b, c], allow_unused=True))
err("subscript out of range", lambda: torch.einsum(a, [0, 60]))
err("negative subscript", lambda: torch.einsum(a, [0, -1]))
err("no operand", lambda: torch.einsum("i"))
err("one tensor only", lambda: torch.einsum(a))
err("wrong count", lambda: torch.einsum(a, [0], [0]))
""")

# ---- what the new programs needed: pixel shuffle, unfold, roll, diff, std_mean, orthogonal_ ---------------
case("pixel_shuffle_modules_and_errors", """
m, u = torch.nn.PixelShuffle(3), torch.nn.PixelUnshuffle(2)
rec("reprs", [repr(m), repr(u), m.upscale_factor, u.downscale_factor])
x = torch.arange(2 * 18 * 2 * 2.).reshape(2, 18, 2, 2)
rec("shuffle", m(x))
rec("unshuffle", u(torch.arange(48.).reshape(3, 4, 4)))
rec("round trip", torch.equal(F.pixel_unshuffle(F.pixel_shuffle(x, 3), 3), x))
err("2-d input", lambda: F.pixel_shuffle(torch.ones(4, 4), 2))
err("channels not divisible", lambda: F.pixel_shuffle(torch.ones(1, 5, 2, 2), 2))
err("height not divisible", lambda: F.pixel_unshuffle(torch.ones(1, 1, 3, 4), 2))
err("width not divisible", lambda: F.pixel_unshuffle(torch.ones(1, 1, 4, 3), 2))
""")
case("unfold_roll_diff_std_mean", """
x = torch.arange(24.).reshape(2, 3, 4)
w = x.unfold(2, 2, 1)
rec("unfold", w)
rec("unfold shares storage", (w.data_ptr() == x.data_ptr(), w.unfold(1, 2, 2).shape))
rec("unfold 0-d", torch.tensor(3.).unfold(0, 1, 1))
err("window too big", lambda: x.unfold(1, 4, 1))
err("step 0", lambda: x.unfold(1, 2, 0))
rec("roll", [torch.roll(x, 1), torch.roll(x, (1, 2), (0, -1)), x.roll(-1, 1)])
err("roll shifts and dims", lambda: torch.roll(x, (1, 2), 0))
rec("diff", [torch.diff(x), torch.diff(x, dim=0), torch.diff(x, n=3, dim=2), torch.diff(x, append=x[..., :1])])
rec("diff bool", torch.diff(torch.tensor([True, False, False, True])))
rec("diff n=0", torch.diff(x, n=0))
err("diff 0-d", lambda: torch.diff(torch.tensor(1.)))
rec("std_mean", [torch.std_mean(x), torch.std_mean(x, 1), torch.std_mean(x, (0, 2), keepdim=True),
                 torch.std_mean(x, unbiased=False), torch.std_mean(x, dim=1, correction=2)])
rec("var_mean", [torch.var_mean(x), torch.var_mean(x, -1, keepdim=True), torch.var_mean(x, False)])
""")
case("init_orthogonal", """
for shape in [(4, 4), (3, 5), (6, 2), (4, 2, 3, 3)]:
    t = torch.empty(*shape)
    r = torch.nn.init.orthogonal_(t, gain=2.0)
    flat = t.reshape(shape[0], -1)
    gram = flat @ flat.t() if shape[0] <= flat.shape[1] else flat.t() @ flat
    rec(f"{shape} is the same tensor", r is t)
    rec(f"{shape} gram is 4 I", torch.allclose(gram, 4 * torch.eye(gram.shape[0]), atol=1e-4))
err("1-d", lambda: torch.nn.init.orthogonal_(torch.empty(3)))
""")

case("embedding_bag_module_and_errors", """
bag = torch.nn.EmbeddingBag(10, 3, mode="sum", padding_idx=-1)
rec("reprs", [repr(bag), repr(torch.nn.EmbeddingBag(5, 2, mode="max", max_norm=1.0, include_last_offset=True)),
              repr(torch.nn.EmbeddingBag(4, 2, norm_type=1.0, scale_grad_by_freq=True))])
rec("attributes", [bag.padding_idx, bag.mode, bag.include_last_offset, bag.sparse, list(bag.state_dict())])
rec("padding row is zero", bag.weight[9].abs().sum().item() == 0)
w = torch.arange(30.).reshape(10, 3)
rec("empty bags", F.embedding_bag(torch.tensor([1, 2, 3]), w, torch.tensor([0, 0, 3, 3])))
rec("mean", F.embedding_bag(torch.tensor([1, 2, 3, 9]), w, torch.tensor([0, 1])))
rec("max", F.embedding_bag(torch.tensor([1, 2, 3, 9]), w, torch.tensor([0, 1]), mode="max"))
frozen = torch.nn.EmbeddingBag.from_pretrained(w)
rec("from_pretrained", [frozen.weight.requires_grad, frozen.mode, frozen(torch.tensor([[0, 1]]))])
err("1-d without offsets", lambda: F.embedding_bag(torch.tensor([1, 2]), w))
err("2-d with offsets", lambda: F.embedding_bag(torch.tensor([[1, 2]]), w, torch.tensor([0])))
err("3-d input", lambda: F.embedding_bag(torch.tensor([[[1]]]), w))
err("bad mode", lambda: F.embedding_bag(torch.tensor([1, 2]), w, torch.tensor([0]), mode="foo"))
err("weights with mean", lambda: F.embedding_bag(torch.tensor([1, 2]), w, torch.tensor([0]), per_sample_weights=torch.ones(2)))
err("index out of range", lambda: F.embedding_bag(torch.tensor([1, 20]), w, torch.tensor([0])))
err("first offset", lambda: F.embedding_bag(torch.tensor([1, 2]), w, torch.tensor([1])))
err("float indices", lambda: F.embedding_bag(torch.tensor([1., 2.]), w, torch.tensor([0])))
""")


def main() -> None:
    import torch

    records = [{**c, "records": run_case(torch, c["code"])} for c in CASES]
    FIXTURE_PATH.write_text(json.dumps({"torch_version": torch.__version__, "cases": records}, indent=1) + "\n")
    print(f"wrote {len(records)} cases to {FIXTURE_PATH}")


if __name__ == "__main__":
    main()
