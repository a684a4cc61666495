"""Record PyTorch on the autograd-semantics cases (issue 10) into ``tests/fixtures/semantics_cases.json``.

One case per mismatch class the differential tester (``tools/fuzz_against_torch.py``) or the issue
found: views and in-place, 0-d dim wrapping, error translation, what each op saves, node names,
dtype promotion, custom Functions under double backward and forward AD. The snippets use the
harness of ``record_torch_fixtures.py`` (``rec``, ``err``, ``graph``); the test
``tests/engine/test_semantics_parity.py`` runs them with ``torch`` bound to ``engine``.

Run: ``python tools/record_semantics_fixtures.py`` (needs PyTorch installed).
"""

from __future__ import annotations

import importlib.util
import json
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURE_PATH = HERE.parent / "tests" / "fixtures" / "semantics_cases.json"

CASES: list = []


def case(name: str, code: str) -> None:
    CASES.append({"name": name, "code": code.strip("\n"), "needs": []})


# ---- views and bases: an in-place op anywhere rebases the other views ---------------------------
case("view_of_base_modified_in_place", """
a = torch.ones(2, requires_grad=True)
b = a * 1
v = b[None]
b.mul_(2)
rec('v', v)
v.sum().backward()
rec('a.grad', a.grad)
""")
case("two_views_one_modified", """
a = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
b = a * 1
v = b[:2]
w = b.view(2, 2)
v.mul_(3)
rec('b', b)
rec('w', w)
(w * torch.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
rec('a.grad', a.grad)
""")
case("transpose_view_then_base_add", """
a = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
b = a.exp()
t = b.t()
b.add_(1)
rec('t', t)
(t * t).sum().backward()
rec('a.grad', a.grad)
""")
case("inplace_on_split_and_unbind_outputs", """
a = torch.ones(4, requires_grad=True)
b = a * 1
p = b.split(2)
err('split', lambda: p[0].mul_(2))
q = (a * 1).view(2, 2).unbind()
err('unbind', lambda: q[1].add_(1))
with torch.no_grad():
    p[1].mul_(2)
rec('b', b)
""")

# ---- what each op saves (derivatives.yaml) --------------------------------------------------------
case("mul_by_scalar_saves_nothing_of_self", """
a = torch.ones(2, requires_grad=True)
b = a * 1
c = b * 3
b.mul_(2)
c.sum().backward()
rec('a.grad', a.grad)
d = a * 1
e = d * torch.tensor([2.0, 3.0])
d.add_(1)
e.sum().backward()
rec('a.grad2', a.grad)
""")
case("copy_from_own_multiple", """
a = torch.ones(2, requires_grad=True)
v = a * 1
v.copy_(v * 3)
v.sum().backward()
rec('a.grad', a.grad)
""")
case("mul_saves_self_when_other_needs_grad", """
a = torch.ones(2, requires_grad=True)
w = torch.tensor([2.0, 3.0], requires_grad=True)
b = a * 1
c = b * w
b.mul_(2)
err('backward', lambda: c.sum().backward())
""")

# ---- 0-d tensors wrap dims as rank 1 ------------------------------------------------------------------
case("zero_dim_dims", """
t = torch.tensor(0.5, requires_grad=True)
rec('sum0', t.sum(0))
rec('mean-1', t.mean(-1))
rec('amax0', t.amax(0))
rec('prod0', t.prod(0))
rec('flip0', t.flip(0))
rec('transpose', t.transpose(0, -1))
rec('movedim', t.movedim(0, 0))
rec('gather', t.gather(0, torch.tensor(0)))
rec('index_select', t.index_select(0, torch.tensor([0])))
rec('sum_keep', t.sum(-1, keepdim=True))
err('dim1', lambda: t.sum(1))
err('size0', lambda: t.size(0))
err('dup', lambda: torch.ones(2, 2).sum((0, -2)))
(t.sum(0) + t.amax(0) + t.gather(0, torch.tensor(0))).backward()
rec('t.grad', t.grad)
""")

# ---- errors: numpy's failures become PyTorch's ----------------------------------------------------------
case("errors_translated", """
err('broadcast', lambda: torch.ones(2) + torch.ones(3))
err('broadcast_mul', lambda: torch.ones(2, 3) * torch.ones(4, 1, 2))
err('cat_0d', lambda: torch.cat([torch.tensor(1.0), torch.tensor(2.0)]))
a = torch.ones(2)
err('addcdiv_scalar', lambda: torch.addcdiv(a, a, 2.0))
err('copy_list', lambda: a.copy_([1.0, 2.0]))
err('compare_broadcast', lambda: torch.ones(2) < torch.ones(3))
err('int_neg_pow', lambda: torch.tensor([2, 3]) ** -1)
x0 = torch.tensor([[[-0.25]], [[-2.0]]], dtype=torch.float64, requires_grad=True)
x0.norm(0).backward()
rec('norm0_grad_is_none', x0.grad)
""")

# ---- node names ---------------------------------------------------------------------------------------------
case("matmul_batch_of_one_and_reshape_alias", """
for sa, sb in [((1, 2, 3), (1, 3, 2)), ((2, 2, 3), (1, 3, 2)), ((1, 2, 3), (2, 3, 2)), ((2, 2, 2, 3), (1, 3, 2))]:
    l = torch.ones(*sa, requires_grad=True)
    r = torch.ones(*sb, requires_grad=True)
    y = l @ r
    rec(f'y{sa}{sb}', y)
    y.sum().backward()
    rec(f'l.grad{sa}', l.grad)
    rec(f'r.grad{sb}', r.grad)
a = torch.ones(2, 3, requires_grad=True)
t = a.t()
rec('reshape_copy', t.reshape(6))
rec('reshape_alias', t.reshape(3, 2))
rec('reshape_view', a.reshape(3, 2))
""")

# ---- small semantics the tester found -----------------------------------------------------------------------
case("where_method_order", """
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x.where(torch.tensor([True, False]), torch.tensor([9.0, 9.0]))
rec('y', y)
y.sum().backward()
rec('x.grad', x.grad)
""")
case("var_std_of_one_element", """
for name in ('var', 'std'):
    t = torch.tensor([0.5], requires_grad=True)
    y = getattr(t, name)()
    rec(name, y)
    y.backward()
    rec(name + '.grad', t.grad)
    z = torch.tensor([0.5], requires_grad=True)
    y0 = getattr(z, name)(correction=0)
    y0.backward()
    rec(name + '0.grad', z.grad)
""")
case("copy_number_and_setitem_leading_ones", """
a = torch.ones(2)
rec('copy', a.copy_(2.0))
b = torch.ones(2)
b[0] = torch.tensor([5.0])
rec('b', b)
c = torch.ones(2, 3)
c[1] = torch.tensor([[7.0, 8.0, 9.0]])
rec('c', c)
""")
case("requires_grad_off", """
a = torch.ones(2, requires_grad=True)
b = a * 2
a.requires_grad_(False)
rec('a', a)
rec('b', b)
err('nonleaf', lambda: b.requires_grad_(False))
""")
case("logsumexp_empty_dims", """
a = torch.tensor([[1.0, 2.0, 3.0], [0.0, -1.0, 0.5]], requires_grad=True)
y = torch.logsumexp(a, dim=(), keepdim=True)
rec('y', y)
y.sum().backward()
rec('a.grad', a.grad)
""")
case("relu_sqrt_and_elu_nan", """
a = torch.tensor([-1.0, 2.0, 0.0], requires_grad=True)
a.relu().sqrt().sum().backward()
rec('relu_sqrt', a.grad)
e = torch.tensor([float('nan'), 1.0, -1.0, 100.0], requires_grad=True)
y = torch.nn.functional.elu(e)
y.sum().backward()
rec('elu', y)
rec('elu.grad', e.grad)
""")
case("promotion_with_0d_operands", """
a = torch.ones(2, requires_grad=True)
d = torch.tensor(2.0, dtype=torch.float64)
rec('addcmul', torch.addcmul(a, d, d))
rec('addcdiv', torch.addcdiv(a, d, d))
m = torch.nn.functional.mse_loss(a, torch.tensor([1, 3]))
rec('mse', m)
m.backward()
rec('a.grad', a.grad)
rec('bool_div', torch.tensor([True, False]).true_divide(-2))
rec('int_div', torch.tensor([1, 2]) / torch.tensor([True, True]))
""")

# ---- found by the differential tester ---------------------------------------------------------------------
case("dtype_kernels_refused", """
err('abs_bool', lambda: torch.tensor([True]).abs())
err('ceil_bool', lambda: torch.tensor([True]).ceil())
err('frac_int', lambda: torch.tensor([1]).frac())
err('neg_bool', lambda: -torch.tensor([True]))
err('sub_bool', lambda: torch.tensor([True]) - torch.tensor([True]))
err('sub_bool_int', lambda: torch.tensor([True]) - 1)
rec('pow_bool', torch.tensor([True, False]) ** 2)
rec('clamp_bool', torch.tensor([True]).clamp_max(0))
rec('clamp_int_float', torch.tensor([1]).clamp_min(0.5))
rec('clip_bool', torch.tensor(False).clip(0))
rec('clamp_bool_both', torch.tensor([True]).clamp(0, 2))
rec('sign_nan', torch.tensor([float('nan'), -0.0, 2.0]).sign())
err('int_neg_pow', lambda: torch.tensor(3) ** -1)
""")
case("inplace_on_expand", """
a = torch.tensor([1.0, 2.0])
e = a.expand(2, 2)
e.zero_()
rec('a', a)
b = torch.tensor([1.0])
err('add_', lambda: b.expand(2, 1).add_(1))
c = torch.tensor([1.0, 2.0])
c.expand(2).add_(1)
rec('c', c)
""")
case("squeeze_and_slice_node_names", """
a = torch.ones(1, 1, requires_grad=True)
b = torch.ones(2, 3, requires_grad=True)
for t in (a.squeeze(1), a.squeeze(), b.squeeze(1), a.squeeze((0, 1))):
    rec(type(t.grad_fn).__name__ + str(len(t.shape)), t)
x = torch.ones(3, 2, requires_grad=True)
for i, t in enumerate((x[-5:, :], x[0:10, :], x[::1, 1:], x[..., :], x[:], x[...])):
    rec(f'slice{i}', t)
""")
case("where_backward_does_not_leak_inf", """
x1 = torch.tensor([[-2.0, 2.0, -0.25]], dtype=torch.float64, requires_grad=True)
x0 = torch.tensor([-0.75, 2.0, 0.0], dtype=torch.float64)
v2 = torch.where(x1 > 0, x1, x0)
v3 = 2.0 / v2
g, = torch.autograd.grad(v3.sum(), x1, create_graph=True)
rec('g', g.detach())  # values only: the double-backward graph of rdiv differs (not fixed yet)
(g * g).sum().backward()
rec('x1.grad', x1.grad)
""")


# ---- custom Functions: saved outputs, double backward, forward AD ----------------------------------------
_EXP = """
class Exp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, i):
        result = i.exp()
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        (result,) = ctx.saved_tensors
        return grad_output * result
"""
case("custom_function_saves_its_output", _EXP + """
x = torch.tensor([0.3, -0.5], dtype=torch.float64, requires_grad=True)
y = Exp.apply(x)
g, = torch.autograd.grad(y.sum(), x, create_graph=True)
rec('g', g)
g.sum().backward()
rec('x.grad', x.grad)
rec('gradgradcheck', torch.autograd.gradgradcheck(Exp.apply, (x,)))
""")
_DOUBLE = """
class Double(torch.autograd.Function):
    @staticmethod
    def forward(x):
        return x * 2

    @staticmethod
    def setup_context(ctx, inputs, output):
        pass

    @staticmethod
    def backward(ctx, g):
        return g * 2

    @staticmethod
    def jvp(ctx, t):
        return t * JVP_FACTOR
"""
case("custom_function_jvp_drives_forward_ad", _DOUBLE.replace("JVP_FACTOR", "2") + """
fwAD = torch.autograd.forward_ad
with fwAD.dual_level():
    d = fwAD.make_dual(torch.ones(2), torch.tensor([1.0, 3.0]))
    rec('tangent', fwAD.unpack_dual(Double.apply(d)).tangent)
x = torch.ones(2, dtype=torch.float64, requires_grad=True)
rec('gradcheck', torch.autograd.gradcheck(Double.apply, (x,), check_forward_ad=True))
""")
case("gradcheck_catches_a_wrong_jvp", _DOUBLE.replace("JVP_FACTOR", "3") + """
x = torch.ones(2, dtype=torch.float64, requires_grad=True)
rec('quiet', torch.autograd.gradcheck(Double.apply, (x,), check_forward_ad=True, raise_exception=False))
""")
case("forward_over_reverse_tangent_has_grad_fn", """
fwAD = torch.autograd.forward_ad
w = torch.ones(2, requires_grad=True)
with fwAD.dual_level():
    d = fwAD.make_dual(torch.tensor([1.0, 2.0]), w)
    t = fwAD.unpack_dual(d * d).tangent
    rec('t', t)
    t.sum().backward()
rec('w.grad', w.grad)
""")


def _harness():
    spec = importlib.util.spec_from_file_location("record_torch_fixtures", HERE / "record_torch_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module



# ---- found by the differential tester after the branches merged (2026-12-01) ---------------------
case("max_all_backward_fills_zeros_elsewhere", """
x = torch.tensor([[1.0], [0.25]], requires_grad=True)
y = x.max().arccos()
rec('y', y)
y.sum().backward()
rec('x.grad', x.grad)
""")
case("clamp_by_int_0d_tensor_keeps_float32", """
x = torch.tensor([[-1.25], [2.0], [0.5]], requires_grad=True)
lo = torch.tensor(-1)
y = x.clamp(lo)
rec('y', y)
y.sum().backward()
rec('x.grad', x.grad)
""")

def main() -> None:
    import torch  # only the recorder needs PyTorch

    harness = _harness()
    with warnings.catch_warnings():  # forward AD's one-time import noise, as in the core recorder
        warnings.simplefilter("ignore")
        with torch.autograd.forward_ad.dual_level():
            torch.autograd.forward_ad.make_dual(torch.ones(1), torch.ones(1))
    out = [{**c, "torch": harness.run_case(c["code"], torch)} for c in CASES]
    FIXTURE_PATH.write_text(json.dumps({"torch_version": torch.__version__, "cases": out}, indent=1, allow_nan=False) + "\n")
    print(f"recorded {len(out)} cases into {FIXTURE_PATH}", file=sys.stderr)


if __name__ == "__main__":
    main()
