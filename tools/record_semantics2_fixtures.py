"""Record PyTorch on the second round of autograd-semantics cases (issue 10) into
``tests/fixtures/semantics2_cases.json``.

Each case is one mismatch class the differential tester (``tools/fuzz_against_torch.py``) found
after the first round: selections instead of 0/1 masks in piecewise rules (an inf gradient stays
out), in-place ops on views under ``create_graph``, negative-p norms, PyTorch's errors for bool
kernels / split arguments / 0-d dims / memory overlap, untracked in-place writes (``no_grad``,
``detach()``) and views made under ``no_grad``, and the nodes of double-backward gradients. The
snippets use the harness of ``record_torch_fixtures.py`` (``rec``, ``err``); where only the error
type or a node's name is PyTorch's contract here, the snippet records just that (``kind_of``,
``node``), so deeper graph details are not pinned. ``tests/engine/test_semantics2_parity.py`` runs
them with ``torch`` bound to ``engine`` (it never imports torch).

Run: ``python tools/record_semantics2_fixtures.py`` (needs PyTorch installed).
"""

from __future__ import annotations

import importlib.util
import json
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURE_PATH = HERE.parent / "tests" / "fixtures" / "semantics2_cases.json"

# Helpers every snippet can use (prepended to its code).
PRELUDE = '''
import warnings

def kind_of(fn):
    try:
        fn()
    except Exception as e:
        return type(e).__name__
    return "ok"

def node(t):
    return None if t.grad_fn is None else type(t.grad_fn).__name__

inf = float("inf")
nan = float("nan")
'''

CASES: list = []


def case(name: str, code: str) -> None:
    CASES.append({"name": name, "code": (PRELUDE + code).strip("\n"), "needs": []})


# ---- piecewise rules select, they do not multiply by a 0/1 mask -----------------------------------
case("maximum_of_bool_and_0d_then_sqrt_", """
x0 = torch.tensor([[[True, False], [False, True]]])
x1 = torch.tensor(-0.75, dtype=torch.float64, requires_grad=True)
v1 = x0.maximum(x1)
v1.sqrt_()
v1.sum().backward()
rec('x1.grad', x1.grad)
""")
case("extremum_clamp_select_with_inf_gradient", """
g = torch.tensor([1.0, inf, 2.0, 3.0, 4.0], dtype=torch.float64)
for name in ["max", "min", "clampT", "clampswap", "clampmin", "clampmax", "clampS", "sign"]:
    x = torch.tensor([1.0, 0.0, nan, 2.0, -1.0], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([0.0, 0.0, 1.0, 3.0, nan], dtype=torch.float64, requires_grad=True)
    z = torch.tensor([0.5, 1.0, 2.0, 1.0, 0.0], dtype=torch.float64, requires_grad=True)
    r = {"max": lambda: x.maximum(y), "min": lambda: x.minimum(y), "clampT": lambda: x.clamp(y, z),
         "clampswap": lambda: x.clamp(z, y), "clampmin": lambda: x.clamp_min(y),
         "clampmax": lambda: x.clamp_max(y), "clampS": lambda: x.clamp(0.0, 1.5), "sign": lambda: x.sign()}[name]()
    r.backward(g)
    rec(name, [x.grad, y.grad, z.grad])
""")
case("hard_activations_with_inf_gradient", """
F = torch.nn.functional
for name, f in [("hardtanh", F.hardtanh), ("hardswish", F.hardswish), ("hardsigmoid", F.hardsigmoid),
                ("threshold", lambda x: F.threshold(x, 0.5, -2.0)), ("softshrink", F.softshrink),
                ("hardshrink", F.hardshrink), ("relu6", F.relu6), ("relu", F.relu)]:
    x = torch.tensor([-4.0, 0.2, 0.0, 2.0, 5.0], dtype=torch.float64, requires_grad=True)
    f(x).backward(torch.full((5,), inf, dtype=torch.float64))
    rec(name, x.grad)
""")

# ---- in-place on a view under create_graph: the rules read the view's history ---------------------
case("inplace_on_view_second_order", """
for op in ["sin_", "reciprocal_", "exp_"]:
    x0 = torch.tensor([1.25, 0.5], dtype=torch.float64, requires_grad=True)
    v2 = x0 * x0
    v3 = v2[0]
    getattr(v3, op)()
    g, = torch.autograd.grad(v2.sum(), x0, create_graph=True)
    (g * g).sum().backward()
    rec(op, [g.detach(), x0.grad])
""")
case("abs_on_a_transposed_0d_view_second_order", """
x0 = torch.tensor(1.25, dtype=torch.float64, requires_grad=True)
v2 = x0 - x0
v3 = v2.t()
v3.abs_()
g, = torch.autograd.grad(v3.sum(), x0, create_graph=True)
(g * g).sum().backward()
rec('x0.grad is a defined zero', [x0.grad is None, x0.grad.abs()])  # abs: the sign of this zero is not the point
""")

# ---- vector norms: PyTorch's norm_backward term by term --------------------------------------------
case("norm_negative_p_zero_norm_and_second_order", """
for p in [-0.5, -2.0, 0.5, 1.5, 2.0, 2.5, 3.0]:
    for xs in [[0.0, 0.0], [2.0, 0.0, 0.25]]:
        x = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
        g, = torch.autograd.grad(x.norm(p), x, create_graph=True)
        (g * g).sum().backward()
        rec(f"p={p} x={xs}", [g.detach(), x.grad])
""")
case("pow_zero_to_the_zero", """
a = torch.tensor([0.0, 2.0, 0.0], dtype=torch.float64, requires_grad=True)
b = torch.tensor([0.0, 0.0, 1.5], dtype=torch.float64, requires_grad=True)
(a ** b).sum().backward()
rec('grads', [a.grad, b.grad])
""")

# ---- errors: bool kernels, argument checks, 0-d dims -----------------------------------------------
case("bool_kernels_and_argument_errors", """
b = torch.tensor([[True, False, True], [False, False, True]])
b1 = torch.tensor([True, False])
b2 = torch.tensor([[False], [True]])
i = torch.tensor([[1, -2, 0], [3, 2, -1]])
s = torch.tensor(3)
for name, fn in [
    ("relu", lambda: b.relu()), ("relu_", lambda: b.clone().relu_()), ("fmod", lambda: b.fmod(b)),
    ("remainder", lambda: b.remainder(b)), ("floor_divide", lambda: b.floor_divide(b)),
    ("pow", lambda: b.pow(b)), ("argmax", lambda: b.argmax()), ("argmin", lambda: b.argmin(0)),
    ("topk", lambda: b.topk(1)), ("dot", lambda: b1 @ b1), ("mv", lambda: b2.t() @ b1[:1]),
    ("mm", lambda: b2 @ b2.t()), ("mm_shapes", lambda: b2 @ b2), ("bmm", lambda: b2 @ b[None].transpose(1, 2)[:, :1]),
    ("bmm_mixed", lambda: b2 @ torch.ones(1, 1, 3)), ("clamp_min_", lambda: b.clone().clamp_min_(0)),
    ("clamp_", lambda: b.clone().clamp_(0, 1)), ("clamp_max_int_float", lambda: i.clone().clamp_max_(0.5)),
    ("pow_float_into_int", lambda: i.clone().pow_(2.0)),
    ("split_0d", lambda: s.split(1)), ("split_negative", lambda: i.split(-1)), ("split_zero", lambda: i.split(0)),
    ("unsafe_split_negative", lambda: i.unsafe_split(-2)), ("chunk_0d", lambda: s.chunk(1)),
    ("chunk_zero", lambda: i.chunk(0)), ("unsafe_chunk_0d", lambda: s.unsafe_chunk(0)),
    ("unsafe_chunk_negative", lambda: i.unsafe_chunk(-1)),
    ("cat_of_a_topk", lambda: torch.cat([i.float().topk(1), i.float()])),
    ("cat_of_a_number", lambda: torch.cat([i, 3])),
]:
    rec(name, kind_of(fn))
rec('sign_of_bool', b.sign())
x = b.clone()
x.sign_()
rec('sign__of_bool', x)
rec('bool_pow_2.0', b.pow(2.0))
rec('int_pow_2.0', i.pow(2.0))
rec('int_pow_negative_tensor', torch.tensor([0, 1, -1, 2, -2, 3]) ** torch.tensor([-1, -1, -1, -1, -1, -2]))
rec('bool_pow_int_tensor', b1 ** torch.tensor([-1, 2]))
""")
case("zero_dim_dims_are_checked_as_rank_one", """
f = torch.tensor(0.5)
n = torch.tensor(3)
for name, fn in [("argmax", lambda: n.argmax(1)), ("argmin", lambda: n.argmin(-2, keepdim=True)),
                 ("argsort", lambda: n.argsort(1)), ("sort", lambda: f.sort(1)), ("cumsum", lambda: n.cumsum(1)),
                 ("max", lambda: f.max(1)), ("min", lambda: f.min(-2)), ("softmax", lambda: f.softmax(1)),
                 ("log_softmax", lambda: n.log_softmax(1)), ("logsumexp", lambda: f.logsumexp(1)),
                 ("squeeze", lambda: f.squeeze(1)), ("topk", lambda: f.topk(1, 1))]:
    rec(name, kind_of(fn))
rec('ok', [f.sort(0)[0], f.cumsum(-1), f.logsumexp(0), f.squeeze(-1), n.argmax(0)])
""")

# ---- memory overlap between the written-to tensor and an input ------------------------------------
case("partial_overlap_refused_same_layout_allowed", """
for name, fn in [
    ("mul_unsqueezed_self", lambda x: x.mul_(x[None])), ("add_same_view", lambda x: x.add_(x.view(2, 3))),
    ("add_detached", lambda x: x.add_(x.detach())), ("rows", lambda x: x[0].add_(x[1])),
    ("copy_shifted", lambda x: x.view(-1)[:3].copy_(x.view(-1)[1:4])), ("copy_transposed", lambda x: x[:, :2].copy_(x[:, :2].t())),
    ("copy_strided_columns", lambda x: x[:, :2].copy_(x[:, 1:3])), ("copy_itself", lambda x: x[0].copy_(x[0])),
    ("reshaped_0d", lambda x: x[0, 0].reshape(1, 1).copy_(x[0, 0])),
]:
    x = torch.arange(6.0).reshape(2, 3)
    rec(name, kind_of(lambda: fn(x)))
""")
case("copy_into_itself_and_fill_into_an_expand", """
v = torch.tensor([True]).expand(2, 3)
rec('copy_self_expanded', kind_of(lambda: v.copy_(v)))
x0 = torch.tensor([1.0], requires_grad=True)
x = x0 * 1
w = x.expand(2, 3)
rec('fill_expanded_view', kind_of(lambda: w.fill_(2.0)))
rec('x', x)
rec('backward_through_it', kind_of(lambda: x.sum().backward()))
rec('mul_expanded_view', kind_of(lambda: (x0 * 1).expand(2, 3).mul_(2)))
""")

# ---- untracked in-place writes and views made under no_grad ----------------------------------------
case("detach_or_no_grad_write_regenerates_views", """
x0 = torch.tensor([[[-0.5, 2.0], [0.0, 1.0]]], requires_grad=True)
v2 = x0.squeeze(0)
v4 = x0.detach()
v4.asin_()
rec('v2 after a write through detach()', node(v2))
v2.backward(torch.ones(2, 2) * 0.5)
rec('x0.grad', x0.grad)
a = torch.tensor([1.0, 2.0], requires_grad=True)
b = a * 1
v = b[0]
w = b.view(2, 1)
with torch.no_grad():
    b[1:].mul_(2)
rec('views after a write under no_grad', [node(v), node(w), node(b)])
v.backward()
rec('a.grad', a.grad)
""")
case("no_grad_views_refuse_inplace_with_grad_on", """
x = torch.ones(2, requires_grad=True)
b = x * 1
with torch.no_grad():
    v = b[0]
    leaf_view = x[0]
err('no_grad view', lambda: v.mul_(2))
err('no_grad view of a leaf', lambda: leaf_view.mul_(2))
err('view of a no_grad view', lambda: v.unsqueeze(0).mul_(2))
with torch.no_grad():
    u = b[1]
    with torch.enable_grad():
        err('enable_grad inside no_grad', lambda: u.mul_(2))
with torch.no_grad():
    u.mul_(2)  # allowed: view and write both untracked
b[0] = 5.0  # setitem on the base itself is tracked normally
rec('b', b)
c = torch.ones(2)
with torch.no_grad():
    cv = c[0]
cv.mul_(2)  # the base needs no grad: allowed
rec('c', c)
""")

# ---- double backward: the node of the gradient is PyTorch's ---------------------------------------
case("double_backward_nodes", """
x = torch.tensor([[0.3, 0.6, 0.45], [0.7, 0.2, 0.55]], dtype=torch.float64, requires_grad=True)
y = torch.tensor([[0.5, 0.25, 0.8], [0.35, 0.65, 0.4]], dtype=torch.float64, requires_grad=True)
s = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
for name, fn, wrt in [
    ("tanh", lambda: x.tanh(), x), ("sigmoid", lambda: x.sigmoid(), x), ("relu", lambda: (x - 0.5).relu(), x),
    ("softmax", lambda: x.softmax(1), x), ("log_softmax", lambda: x.log_softmax(1), x),
    ("atan", lambda: x.atan(), x), ("log1p", lambda: x.log1p(), x), ("log2", lambda: x.log2(), x),
    ("log10", lambda: x.log10(), x), ("exp2", lambda: x.exp2(), x), ("div_other", lambda: x / y, y),
    ("pow_self", lambda: x ** y, x), ("mul_0d", lambda: x * s, s), ("div_0d", lambda: x / s, s),
    ("fmod_other", lambda: x.fmod(y), y), ("remainder_other", lambda: x.remainder(y), y),
    ("norm_1", lambda: x.norm(1), x), ("broadcast_rows", lambda: x * y[0], y),
]:
    g, = torch.autograd.grad(fn().sum(), wrt, create_graph=True)
    rec(name, [node(g), g.detach()])
q = x.div(y, rounding_mode="floor")
rec('div_floor', [node(q), kind_of(lambda: q.sum().backward()), x.grad])
""")

case("norm_0_still_checks_its_saved_result", """
x0 = torch.tensor(1.0, requires_grad=True)
v1 = x0.norm(0)
v1.sub_(1.5)
err('backward', lambda: v1.backward(gradient=torch.ones_like(v1) * 0.5))
""")
case("equality_with_a_non_number_falls_back_to_identity", """
x = torch.tensor([[1.0]])
rec('==', [x == x.max(1), x == (1.0,), x == [1.0], x == None])
rec('!=', [x != x.max(1), x != (1.0,)])
rec('eq', kind_of(lambda: torch.eq(x, (1.0,))))
""")

case("var_std_without_degrees_of_freedom", """
for name, fn in [("var_0d", lambda x: x.var(0)), ("var_all_correction_5", lambda x: x.var(correction=5)),
                 ("var_dim_correction_5", lambda x: x.var(0, correction=5)), ("var_one", lambda x: x.var()),
                 ("std_one", lambda x: x.std()), ("std_all_correction_5", lambda x: x.std(correction=5))]:
    x = torch.tensor(0.0 if name == "var_0d" else ([3.0] if name.endswith("one") else [1.0, 2.0, 4.0]),
                     dtype=torch.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g, = torch.autograd.grad(fn(x).sum(), x, create_graph=True)
    # std's gradient ends in a dtype cast in PyTorch (ToCopyBackward0): only its values are pinned
    rec(name, [node(g) if name.startswith("var") else g.requires_grad, g.detach()])
""")
case("sum_to_leading_dims_is_a_view", """
a = torch.ones(3, 3, 2, dtype=torch.float64, requires_grad=True)
b = torch.tensor([-0.75], dtype=torch.float64, requires_grad=True)
s = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
for name, wrt, fn in [("to_1", b, lambda: a / b), ("to_0d", s, lambda: a * s), ("to_row", b, lambda: a[0] + b)]:
    g, = torch.autograd.grad(fn().sum(), wrt, create_graph=True)
    rec(name, [node(g), g.detach()])
""")

case("clamp_promotes_over_the_given_bounds_only", """
x0 = torch.tensor(-0.75, dtype=torch.float64, requires_grad=True)
x2 = torch.tensor([[[0.5], [-0.25]]], dtype=torch.float32)
rec('min only', x0.clamp(x2))
rec('max only', x0.clamp(None, x2))
rec('both', x0.clamp(x2, x2 + 1))
""")
case("inplace_into_int_or_bool_is_untracked", """
b = torch.tensor([[[False, True, True]]])
x1 = torch.tensor(1.5, requires_grad=True)
v = b[..., None]
v.copy_(x1)
rec('bool view', [b, v])
n = torch.zeros(3, dtype=torch.int64)
y = torch.tensor([1.5, 2.5, 3.5], requires_grad=True)
n.copy_(y)
rec('int', n)
m = torch.zeros(3, dtype=torch.bool)
m[1:] = y[1:]
rec('bool setitem', m)
""")


# ---- unsafe_split/unsafe_chunk pieces share the input's storage (they are not views) -------------
# Found by the CI seed 20261201 once the branches met: the engine copied the pieces, so an in-place
# op on the input after the split left the pieces' values stale where PyTorch's change with it.
case("unsafe_chunk_pieces_share_storage_with_their_input", """
x0 = torch.tensor([[1.75, -1.0, -2.0], [-0.25, -0.25, -1.5]], dtype=torch.float64, requires_grad=True)
v1 = torch.where(x0 > 0, x0, x0)
v2 = v1.unsafe_chunk(1)[0]
v1.pow_(0)
rec('piece after pow_ on the input', v2)
a = torch.ones(4, requires_grad=True) * 2
p, q = a.unsafe_split(2)
a.mul_(3)
rec('pieces after mul_', [p, q])
(p.sum() + q.sum()).backward()
""")


# ---- zero rules are fresh zeros, not grad * 0 (round 3, fuzz seed 372456094) ------------------------
# derivatives.yaml writes zeros_like(grad) / new_zeros for div(rounding_mode=...), pow(x, 0), fill_ and
# copy_'s self: an inf/nan gradient stays 0 and, under create_graph, the zeros have no history. The
# engine multiplied by 0, so remainder/fmod's second order (it reads div(rounding_mode=)) came back nan.
case("rounded_quotient_rules_are_fresh_zeros", """
x0 = torch.tensor([[-1.5, 0.0, -1.75]], dtype=torch.float64, requires_grad=True)
v2 = x0.fmod(-0.5)
v2.remainder_(x0)
g, = torch.autograd.grad(v2.sum(), x0, create_graph=True)
(g * g).sum().backward()
rec('fmod then remainder_, second order', [g.detach(), x0.grad])
wild = torch.tensor([inf, -1.0, nan], dtype=torch.float64)
for name, fn in [("div_floor", lambda a, b: a.div(b, rounding_mode="floor")),
                 ("div_trunc", lambda a, b: a.div(b, rounding_mode="trunc")),
                 ("div_trunc_number", lambda a, b: a.div(0.0, rounding_mode="trunc") + b * 0),
                 ("pow_0", lambda a, b: a ** 0 + b ** 0.0)]:
    a = torch.tensor([1.0, 2.0, -3.0], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([0.5, 0.0, 2.0], dtype=torch.float64, requires_grad=True)
    fn(a, b).backward(wild)
    rec(name, [a.grad, b.grad])
for name in ["fill_", "copy_"]:
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    src = torch.tensor([0.5, 1.0, 4.0], requires_grad=True)
    y = x * 1
    y.fill_(src[0]) if name == "fill_" else y.copy_(src)
    y.backward(torch.tensor([inf, 1.0, -inf]))
    rec(name, [x.grad, src.grad])
a = torch.tensor([[inf, 1.0], [0.0, 2.0]], requires_grad=True)
b = torch.tensor([[1.0, 1.0], [3.0, -1.0], [0.5, 0.5]], requires_grad=True)
torch.cdist(a, b, p=0).sum().backward()
rec('cdist p=0 at an inf input', [a.grad, b.grad])
fwad = torch.autograd.forward_ad
with fwad.dual_level():
    a = fwad.make_dual(torch.tensor([0.0, 2.0, -1.0]), torch.tensor([1.0, 1.0, 1.0]))
    big = torch.tensor([inf, -inf, 1.0])
    rec('tangents', [fwad.unpack_dual(torch.where(a > 0, big, a)).tangent,
                     fwad.unpack_dual(a.div(0.0, rounding_mode="floor")).tangent,
                     fwad.unpack_dual(a ** 0).tangent])
""")
case("an_input_without_a_tangent_has_zero_tangent_not_value_times_0", """
fwad = torch.autograd.forward_ad
with fwad.dual_level():
    big = torch.tensor([inf, -inf, 1.0])
    s = fwad.make_dual(torch.tensor([0.5, 2.0]), torch.tensor([1.0, 3.0]))
    idx = torch.tensor([2, 0])
    rec('into inf', [fwad.unpack_dual(big.scatter(0, idx, s)).tangent,
                     fwad.unpack_dual(big.scatter_add(0, idx, s)).tangent,
                     fwad.unpack_dual(big.index_put((idx,), s)).tangent])
    b2 = fwad.make_dual(big, torch.tensor([1.0, 1.0, 1.0]))
    rec('from inf', fwad.unpack_dual(b2.scatter(0, idx, torch.tensor([inf, 2.0]))).tangent)
    z = torch.tensor([inf, 1.0])
    z.copy_(s)  # an untracked in-place op still takes the other's tangent
    w = torch.zeros(2)
    w.add_(s)
    rec('in place into a tensor without a tangent', [fwad.unpack_dual(z).tangent, fwad.unpack_dual(w).tangent])
""")
case("pow_exponent_gradient_masks_only_a_zero_base", """
# pow_backward_exponent: where(self == 0 & exponent >= 0, 0, result * log(self)): a negative base
# gives nan and 0 ** negative gives -inf, as PyTorch does; number ** tensor the same for base 0.
a = torch.tensor([-2.0, 0.0, 0.0, 0.0, 1.5, -1.0], dtype=torch.float64, requires_grad=True)
b = torch.tensor([2.0, -1.0, 0.0, 1.5, 2.0, 0.5], dtype=torch.float64, requires_grad=True)
(a ** b).sum().backward()
rec('tensor ** tensor', [a.grad, b.grad])
for base in [0.0, 2.0, -2.0]:
    b.grad = None
    (base ** b).sum().backward()
    rec(f'{base} ** tensor', b.grad)
f = torch.tensor([0.0, 2.0], requires_grad=True)
e = torch.tensor([1.0, -0.5], dtype=torch.float64, requires_grad=True)
g, = torch.autograd.grad((f ** e).sum(), e, create_graph=True)
rec('float32 ** float64, create_graph', [g, node(g)])
fwad = torch.autograd.forward_ad
with fwad.dual_level():
    t = fwad.make_dual(torch.tensor([0.0, 2.0, -1.0]), torch.tensor([1.0, 1.0, 1.0]))
    rec('tangents', [fwad.unpack_dual(0.0 ** t).tangent, fwad.unpack_dual(torch.tensor([-2.0, 0.0, 0.0]) ** t).tangent])
""")


# ---- trace's rule selects the diagonal; bool trace's error comes first (fuzz seed 12) --------------
case("trace_backward_selects_and_bool_trace_errors_first", """
x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
x.trace().backward(torch.tensor(inf))
rec('inf gradient stays on the diagonal', x.grad)
for name, t in [("bool 2-d", torch.ones(2, 2, dtype=torch.bool)), ("bool 3-d", torch.ones(2, 1, 1, dtype=torch.bool)),
                ("float 3-d", torch.ones(2, 1, 1))]:
    rec(name, kind_of(lambda: t.trace()))
rec('int trace dtypes', [torch.ones(2, 2, dtype=torch.int32).trace(), torch.ones(2, 2, dtype=torch.uint8).trace()])
""")

# ---- the sign of a zero that ** -1 / ** -0.5 turns into ±inf (fuzz seed 13) --------------------------
# PyTorch's CPU mm with one inner term (k == 1, both other sizes > 1) writes the products themselves,
# so -0.75 * 0.0 stays -0.0 (its gemv/dot/bmm paths and numpy's matmul accumulate onto +0); and
# x ** -0.5 is rsqrt(x), so (-0.0) ** -0.5 is -inf.
case("signed_zeros_of_outer_product_mm_and_pow_minus_half", """
x0 = torch.tensor([[-0.75], [1.25], [-1.0]], dtype=torch.float64)
x1 = torch.tensor([[-0.25, 1.5, 0.0]], dtype=torch.float64, requires_grad=True)
v2 = x0 @ x1
rec('outer product mm, then ** -1', [v2, v2 ** -1])
rec('batched matmul folded into mm', (-torch.ones(2, 3, 1) @ torch.zeros(1, 2)) ** -1)
rec('k == 1 with a single row or column, k == 2, bmm', [
    (-torch.ones(1, 1) @ torch.zeros(1, 3)) ** -1, (-torch.ones(3, 1) @ torch.zeros(1, 1)) ** -1,
    (-torch.ones(2, 2) @ torch.zeros(2, 3)) ** -1, (-torch.ones(2, 2, 1) @ torch.zeros(2, 1, 3)) ** -1])
z = torch.tensor([-0.0, 0.0], dtype=torch.float64)
rec('zero ** e', [z ** e for e in [0.5, -0.5, -1, -1.5, -2, 3, -3]])
rec('float32 zero ** -0.5', z.float() ** -0.5)
""")


# ---- new ops from the breadth branches (fresh seed 21) ---------------------------------------------
case("diff_of_order_0_is_a_copy_and_fill_into_an_expanded_diagonal", """
x = torch.tensor([1.75, -0.5], requires_grad=True)
r = x.diff(0)  # n = 0: zeros_like(self).copy_(self), prepend/append ignored
rec('diff n=0', [r, node(r), r is x, x.diff(n=0, prepend=torch.tensor([5.0]))])
r.sum().backward()
rec('x.grad', x.grad)
i = torch.tensor([[0, 0], [0, 4], [1, 1]])
i.diagonal(-1).expand(2, 2).zero_()
f = torch.tensor([[0.0, 0.0], [0.0, 4.0], [1.0, 1.0]])
f.diagonal(-1).expand(2, 2).fill_(2.0)
rec('zero_/fill_ through an expanded diagonal', [i, f])
""")

case("reducing_an_empty_dim", """
# max/min/argmax/argmin/amax/amin refuse an empty reduced dim (IndexError); logsumexp gives -inf
e = torch.ones(0, 2)
d = torch.ones(3, 3, 1).diagonal(-3)  # shape (1, 0): the fuzzer's way to an empty dim (seed 24)
for name, fn in [("max", lambda: d.max(1, keepdim=True)), ("min", lambda: torch.ones(2, 0).min(dim=-1)),
                 ("argmax", lambda: e.argmax(0)), ("argmin", lambda: torch.ones(2, 0).argmin(-1, keepdim=True)),
                 ("amax", lambda: torch.ones(2, 0).amax((0, -1))), ("amin", lambda: torch.ones(0, 2, 0).amin((2, 0)))]:
    err(name, fn)
x = torch.ones(1, 0, dtype=torch.float64, requires_grad=True)  # seed 31: x0[..., 1:] of a 1-element row
for name in ["softmax", "log_softmax"]:
    for dim in [-1, 0]:
        r = getattr(x, name)(dim)
        r.sum().backward()
        rec(f"{name} over dim {dim} of an empty tensor", [r, node(r), x.grad])
rec('pow_ of a topk result (seed 41)', kind_of(lambda: torch.tensor(0.75).pow_(torch.tensor([1.0, 2.0]).topk(0))))
rec('ok', [d.max(0), e.max(1), e.logsumexp(0), torch.ones(2, 0).logsumexp(1, keepdim=True), torch.ones(0, 3).logsumexp((0, 1))])
""")

case("tracked_write_through_a_detached_alias_regenerates_the_views", """
# seed 31: v2 = v1.detach(); v2.sub_(x0) is tracked for v2 (x0 needs grad) but untracked for the
# storage's owner, so its views (v1 = x0.t()) re-read it: AsStridedBackward0
x0 = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
v1 = x0.t()
v2 = v1.detach()
v3 = v1.exp()
v2.sub_(x0)
rec('nodes', [node(v1), node(v2), v1, v2])
v2.backward(gradient=torch.ones_like(v2) * 0.5)
rec('x0.grad', x0.grad)
y = torch.tensor([1.0, 2.0], requires_grad=True)
w = y[0]
d = y.detach()
d.mul_(y)
rec('row view after d.mul_(y)', [node(w), node(d), w, d])
w.backward()
rec('y.grad', y.grad)
""")


# Found by the differential tester (seed 1748963601, program 1955): the engine shifted rows by 0
# instead of by an infinite maximum, so a row holding +inf gave [0, 0, nan] where PyTorch's x - max
# makes the whole row nan; rows of -inf only, and rows with -inf among finite values, alongside.
case("softmax_rows_with_infinities", """
x = torch.tensor([[1.0, 1.0, inf], [inf, inf, 0.0], [-inf, -inf, -inf], [1.0, -inf, 2.0],
                  [nan, 1.0, 1.0], [inf, -inf, 0.0]], dtype=torch.float64)
rec('softmax rows', x.softmax(-1))
rec('log_softmax rows', x.log_softmax(-1))
rec('softmax columns', x.softmax(0))
rec('log_softmax columns', x.log_softmax(0))
rec('float32 log_softmax rows', x.float().log_softmax(1))
""")


def _harness():
    spec = importlib.util.spec_from_file_location("record_torch_fixtures", HERE / "record_torch_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    import torch  # only the recorder needs PyTorch

    # Forward AD's first dual op imports TorchScript'd helpers that warn (DeprecationWarning) once;
    # do it here so no case records that import-time noise as its own warning.
    with torch.autograd.forward_ad.dual_level():
        torch.autograd.forward_ad.make_dual(torch.zeros(1), torch.ones(1)).sin()
    harness = _harness()
    out = [{**c, "torch": harness.run_case(c["code"], torch)} for c in CASES]
    FIXTURE_PATH.write_text(json.dumps({"torch_version": torch.__version__, "cases": out}, indent=1, allow_nan=False) + "\n")
    print(f"recorded {len(out)} cases into {FIXTURE_PATH}", file=sys.stderr)


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        main()
