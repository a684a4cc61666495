"""Record PyTorch's behaviour on the engine-core parity cases into ``tests/fixtures/core_cases.json``.

Each case is a small Python snippet that is run twice: here with ``torch`` bound to real PyTorch
(recording), and in ``tests/engine/test_parity.py`` with ``torch`` bound to ``engine``. The snippet
reports what it observes through a few helpers:

``rec(key, value)``   record a value (tensors become values + dtype + shape + repr + grad_fn graph);
``err(key, fn)``      call ``fn()`` and record the exception type and message it raises (or ``None``);
``graph(t)``          the grad_fn structure of ``t`` as nested names, ``[name, [children...]]``;
``order(t)``          install node pre-hooks on every node reachable from ``t.grad_fn``; returns the
                      list they append node names to during backward (PyTorch's execution order).

An exception escaping the snippet and every warning it emits are recorded as well. Only this file
imports torch, and only in :func:`main`: the harness functions are shared with the test, which
binds ``torch`` to ``engine``.

Run: ``python tools/record_torch_fixtures.py`` (needs PyTorch installed).
"""

from __future__ import annotations

import json
import math
import re
import sys
import warnings
from pathlib import Path

FIXTURE_PATH = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "core_cases.json"

# ---- the harness (torch-agnostic) --------------------------------------------------------------

_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
# An absolute file path (not the path part of a URL such as github.com/pytorch/...).
_PATH = re.compile(r"(?<![\w.])/[\w.\-/]+")


# Anomaly mode's forward traceback lists the caller's frames, which differ between the libraries.
_TRACEBACK = re.compile(r"(Traceback of forward call that caused the error:).*", re.DOTALL)


def normalise_message(text: str) -> str:
    """Replace memory addresses, file paths and forward tracebacks: the only parts allowed to differ."""
    text = _TRACEBACK.sub(r"\1 <traceback>", text)
    return _PATH.sub("<path>", _ADDRESS.sub("0x?", text))


def _is_node(value) -> bool:
    return hasattr(value, "next_functions") and callable(getattr(value, "name", None))


def node_graph(node, depth: int = 0):
    """``[name, [child graph or None, ...]]`` for a backward node, following next_functions."""
    if node is None:
        return None
    if depth > 60:
        return [node.name(), "..."]
    return [node.name(), [node_graph(child, depth + 1) for child, _ in node.next_functions]]


def describe(value, torch):
    """A JSON-able description of a value seen by a snippet (the same for torch and engine)."""
    if isinstance(value, torch.Tensor):
        data = value.detach()
        return {
            "kind": "tensor",
            "values": _json_numbers(data.tolist()),
            "dtype": str(value.dtype),
            "shape": list(value.shape),
            "requires_grad": bool(value.requires_grad),
            "is_leaf": bool(value.is_leaf),
            "grad_fn": node_graph(value.grad_fn),
            "repr": repr(value),
        }
    if _is_node(value):
        return {"kind": "node", "graph": node_graph(value)}
    if isinstance(value, torch.Size):
        return {"kind": "size", "value": list(value)}
    if isinstance(value, torch.dtype):
        return {"kind": "dtype", "value": str(value)}
    if isinstance(value, str):
        return normalise_message(value)  # reprs of nodes carry addresses
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return {"kind": "int", "value": value}
    if isinstance(value, float):
        return {"kind": "float", "value": _json_numbers(value)}
    if isinstance(value, (list, tuple)):
        return {"kind": type(value).__name__, "items": [describe(v, torch) for v in value]}
    if isinstance(value, dict):
        return {"kind": "dict", "items": {str(k): describe(v, torch) for k, v in value.items()}}
    return {"kind": "other", "type": type(value).__name__}


def _json_numbers(value):
    """NaN and infinities as strings so the fixture is strict JSON."""
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(value, list):
        return [_json_numbers(v) for v in value]
    return value


def describe_error(exc: BaseException) -> dict:
    return {"type": type(exc).__name__, "message": normalise_message(str(exc))}


def run_case(code: str, torch) -> dict:
    """Run one snippet with ``torch`` bound to the given module; return what it recorded."""
    records: dict = {}

    def rec(key: str, value) -> None:
        records[key] = describe(value, torch)

    def err(key: str, fn) -> None:
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - recording whatever the library raises
            records[key] = {"kind": "error", **describe_error(exc)}
        else:
            records[key] = {"kind": "error", "type": None, "message": None}

    def order(t) -> list:
        names: list = []
        seen = set()
        stack = [t.grad_fn]
        while stack:
            node = stack.pop()
            if node is None or id(node) in seen:
                continue
            seen.add(id(node))
            node.register_prehook(lambda grads, n=node: names.append(n.name()))
            stack.extend(child for child, _ in node.next_functions)
        return names

    namespace = {"torch": torch, "rec": rec, "err": err, "graph": node_graph, "order": order, "math": math}
    raised = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # "always" would also undo the filter engine installs at import for numpy's floating-point
        # warnings (PyTorch computes inf/nan silently); put it back so the harness sees what a user
        # with default warning settings sees.
        quiet = getattr(torch, "_quiet_float_warnings", None)
        if quiet is not None:
            quiet()
        try:
            exec(compile(code, "<case>", "exec"), namespace)
        except Exception as exc:  # noqa: BLE001
            raised = describe_error(exc)
    return {
        "records": records,
        "raised": raised,
        "warnings": [
            {"category": w.category.__name__, "message": normalise_message(str(w.message))} for w in caught
        ],
    }


# ---- the cases ------------------------------------------------------------------------------------
# (name, code, ops owned by other engineers that the case needs: a failure then names them).

CASES: list = []


def case(name: str, code: str, needs: tuple = ()) -> None:
    CASES.append({"name": name, "code": code.strip("\n"), "needs": list(needs)})


_A = "a = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)\n"
_B = "b = torch.tensor([0.5, -1.5, 2.0], requires_grad=True)\n"

# Arithmetic: every operator form, reflected and scalar, with broadcasting.
for _name, _expr in [
    ("add", "a + b"), ("sub", "a - b"), ("mul", "a * b"), ("div", "a / b"),
    ("radd_scalar", "2 + a"), ("rsub_scalar", "1 - a"), ("rmul_scalar", "2 * a"), ("rdiv_scalar", "2 / a"),
    ("add_scalar", "a + 2"), ("sub_scalar", "a - 2.5"), ("mul_scalar", "a * 3"), ("div_scalar", "a / 4"),
    ("pow_scalar2", "a ** 2"), ("pow_scalar_half", "a ** 0.5"), ("pow_scalar_neg", "a ** -1"),
    ("pow_scalar0", "a ** 0"), ("rpow_scalar", "2 ** a"), ("pow_tensor", "a ** b.abs()"),
    ("neg", "-a"), ("add_alpha", "torch.add(a, b, alpha=2)"), ("sub_alpha", "torch.sub(a, b, alpha=3)"),
    ("mul_fn", "torch.mul(a, b)"), ("div_fn", "torch.div(a, b)"), ("rsub_fn", "torch.rsub(a, b)"),
    ("chain", "(a * b + a / 2 - b) * a"),
]:
    case(
        f"arith_{_name}",
        _A + _B + f"y = {_expr}\nrec('y', y)\ny.sum().backward()\nrec('a.grad', a.grad)\n"
        "rec('b.grad', b.grad)\n",
    )

case("arith_add_same_tensor", "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = x + x\nrec('y', y)\n"
     "y.backward(torch.tensor([1.0, 10.0]))\nrec('x.grad', x.grad)")
case("arith_mul_self", "x = torch.tensor([3.0, -2.0], requires_grad=True)\ny = x * x\nrec('y', y)\n"
     "y.sum().backward()\nrec('x.grad', x.grad)")
case("arith_broadcast_column", "a = torch.tensor([[1.0], [2.0]], requires_grad=True)\n"
     "b = torch.tensor([[1.0, 2.0, 3.0]], requires_grad=True)\ny = a * b + a\nrec('y', y)\n"
     "y.sum().backward()\nrec('a.grad', a.grad)\nrec('b.grad', b.grad)")
case("arith_scalar_tensor_broadcast", "a = torch.tensor(2.0, requires_grad=True)\n"
     "b = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\ny = a * b\nrec('y', y)\n"
     "y.sum().backward()\nrec('a.grad', a.grad)\nrec('b.grad', b.grad)")
case("dtype_int_ops", "i = torch.tensor([1, 2, 3])\nj = torch.tensor([4, 5, 6])\n"
     "rec('add', i + j)\nrec('mul', i * j)\nrec('div', i / j)\nrec('pow', i ** 2)\nrec('neg', -i)\n"
     "rec('sub', i - 1)\nrec('mulf', i * 1.5)\nrec('rdiv', 1 / i)\nrec('ipowf', i ** 0.5)")
case("dtype_mixed_float64", "a = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)\n"
     "b = torch.tensor([3.0, 4.0], requires_grad=True)\ny = a * b\nrec('y', y)\ny.sum().backward()\n"
     "rec('a.grad', a.grad)\nrec('b.grad', b.grad)")
case("dtype_int_times_float", "i = torch.tensor([1, 2, 3])\nf = torch.tensor([0.5, 1.5, 2.5], requires_grad=True)\n"
     "y = i * f\nrec('y', y)\ny.sum().backward()\nrec('f.grad', f.grad)")
case("dtype_zero_dim_promotion", "f = torch.tensor([1.0, 2.0])\nd = torch.tensor(3.0, dtype=torch.float64)\n"
     "i = torch.tensor(2)\nrec('fd', f * d)\nrec('fi', f * i)\nrec('ii', torch.tensor([1, 2]) * torch.tensor(2.5))\n"
     "rec('b', torch.tensor([True, False]) + 1)")
case("dtype_float64_backward", "x = torch.tensor([0.1, 0.2, 0.3], dtype=torch.float64, requires_grad=True)\n"
     "y = (x * x * x).sum()\ny.backward()\nrec('y', y)\nrec('x.grad', x.grad)")

# Unary functions.
for _fn in ["sin", "cos", "exp", "log", "tanh", "sigmoid", "relu", "abs", "sqrt"]:
    case(f"unary_{_fn}", f"x = torch.tensor([[0.5, -1.0], [2.0, 0.0]], requires_grad=True)\n"
         f"y = torch.{_fn}(x.abs() + 0.25) if '{_fn}' in ('log', 'sqrt') else torch.{_fn}(x)\n"
         f"rec('y', y)\ny.sum().backward()\nrec('x.grad', x.grad)\nrec('method', getattr(x, '{_fn}')().detach())",
         needs=(_fn,))
case("unary_relu_at_zero", "x = torch.tensor([-1.0, 0.0, 1.0], requires_grad=True)\ny = x.relu()\ny.sum().backward()\n"
     "rec('x.grad', x.grad)\nz = torch.tensor([0.0], requires_grad=True)\nz.abs().sum().backward()\nrec('abs0', z.grad)",
     needs=("relu",))
case("unary_int_input", "i = torch.tensor([1, 4, 9])\nrec('sqrt', torch.sqrt(i))\nrec('exp', torch.exp(i))\n"
     "rec('abs', torch.abs(torch.tensor([-2, 3])))", needs=("sqrt", "exp"))

# Reductions.
for _name, _expr in [
    ("sum_all", "x.sum()"), ("sum_dim0", "x.sum(0)"), ("sum_dim1_keep", "x.sum(dim=1, keepdim=True)"),
    ("sum_dims", "x.sum(dim=(0, 1))"), ("sum_neg_dim", "torch.sum(x, -1)"),
    ("mean_all", "x.mean()"), ("mean_dim0", "x.mean(0)"), ("mean_dim1_keep", "x.mean(1, keepdim=True)"),
    ("mean_fn", "torch.mean(x, dim=-2)"),
]:
    case(f"reduce_{_name}", "x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)\n"
         f"y = {_expr}\nrec('y', y)\ny.backward(torch.ones_like(y))\nrec('x.grad', x.grad)", needs=("sum", "mean"))
case("reduce_sum_int", "i = torch.tensor([[1, 2], [3, 4]])\nrec('s', i.sum())\nrec('s0', i.sum(0))\n"
     "rec('mean_err', None)\nerr('mean_int', lambda: i.mean())", needs=("sum", "mean"))
case("reduce_dim_error", "x = torch.ones(2, 3)\nerr('e', lambda: x.sum(2))", needs=("sum",))

# Matmul variants and friends.
_MATS = {
    "v3": "torch.tensor([1.0, 2.0, 3.0], requires_grad=True)",
    "w3": "torch.tensor([0.5, -1.0, 2.0], requires_grad=True)",
    "m23": "torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)",
    "m32": "torch.tensor([[1.0, 0.5], [-1.0, 2.0], [0.0, 3.0]], requires_grad=True)",
    "v2": "torch.tensor([2.0, -1.0], requires_grad=True)",
    "b223": "torch.arange(12.0).reshape(2, 2, 3).requires_grad_()",
    "b232": "(torch.arange(12.0).reshape(2, 3, 2) / 4).requires_grad_()",
}
for _name, _l, _r in [
    ("1d_1d", "v3", "w3"), ("2d_1d", "m23", "v3"), ("1d_2d", "v2", "m23"), ("2d_2d", "m23", "m32"),
    ("3d_2d", "b223", "m32"), ("batched", "b223", "b232"), ("1d_3d", "v3", "b232"),
]:
    case(f"matmul_{_name}", f"l = {_MATS[_l]}\nr = {_MATS[_r]}\ny = l @ r\nrec('y', y)\n"
         "y.backward(torch.ones_like(y))\nrec('l.grad', l.grad)\nrec('r.grad', r.grad)\n"
         "rec('fn', torch.matmul(l, r).detach())")
for _name, _expr, _ins in [
    ("mm", "torch.mm(m23, m32)", ("m23", "m32")), ("mv", "torch.mv(m23, v3)", ("m23", "v3")),
    ("dot", "torch.dot(v3, w3)", ("v3", "w3")), ("bmm", "torch.bmm(b223, b232)", ("b223", "b232")),
    ("addmm", "torch.addmm(v2, m23, m32)", ("v2", "m23", "m32")),
    ("addmm_scaled", "torch.addmm(v2, m23, m32, beta=0.5, alpha=2)", ("v2", "m23", "m32")),
]:
    _setup = "".join(f"{n} = {_MATS[n]}\n" for n in _ins)
    _grads = "".join(f"rec('{n}.grad', {n}.grad)\n" for n in _ins)
    case(f"linalg_{_name}", _setup + f"y = {_expr}\nrec('y', y)\ny.backward(torch.ones_like(y))\n" + _grads)
case("linalg_errors", "a = torch.ones(2, 3)\nb = torch.ones(2, 3)\nerr('mm', lambda: torch.mm(a, b))\n"
     "err('matmul', lambda: a @ b)\nerr('dot', lambda: torch.dot(torch.ones(3), torch.ones(2)))\n"
     "err('mv', lambda: torch.mv(a, torch.ones(2)))\nerr('dtype', lambda: torch.mm(a, torch.ones(3, 2, dtype=torch.float64)))\n"
     "err('bmm', lambda: torch.bmm(a, b))\nerr('matmul0d', lambda: torch.tensor(1.0) @ a)")

# Shape ops.
for _name, _expr in [
    ("reshape", "x.reshape(3, 2)"), ("reshape_neg", "x.reshape(-1)"), ("view", "x.view(3, 2)"),
    ("view_neg", "x.view(-1, 2)"), ("t", "x.t()"), ("T", "x.T"), ("transpose", "x.transpose(0, 1)"),
    ("permute", "x.permute(1, 0)"), ("expand", "x[:1].expand(3, 3)" if False else "x.unsqueeze(0).expand(2, 2, 3)"),
    ("squeeze", "x.unsqueeze(1).squeeze()"), ("squeeze_dim", "x.unsqueeze(1).squeeze(1)"),
    ("unsqueeze", "x.unsqueeze(-1)"), ("flatten", "x.flatten()"), ("clone", "x.clone()"),
    ("to_double", "x.to(torch.float64)"), ("to_same", "x.to(torch.float32)"), ("contiguous_t", "x.t().contiguous()"),
    ("view_after_t_reshape", "x.t().reshape(6)"), ("double_method", "x.double()"),
]:
    case(f"shape_{_name}", "x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)\n"
         f"y = {_expr}\nrec('y', y)\nrec('is_same', y is x)\nrec('shape', y.shape)\nrec('stride', y.stride())\n"
         "(y * torch.arange(1.0, y.numel() + 1).reshape(y.shape)).sum().backward()\nrec('x.grad', x.grad)")
case("shape_errors", "x = torch.ones(2, 3)\nerr('view', lambda: x.t().view(6))\nerr('reshape', lambda: x.reshape(4, 2))\n"
     "err('permute', lambda: x.permute(0))\nerr('expand', lambda: x.expand(3, 3))\nerr('transpose', lambda: x.transpose(0, 2))")

# Factories.
case("factory_basic", "rec('zeros', torch.zeros(2, 3))\nrec('ones', torch.ones((2,)))\nrec('full', torch.full((2, 2), 7.0))\n"
     "rec('full_int', torch.full((2,), 7))\nrec('eye', torch.eye(3))\nrec('eye2', torch.eye(2, 3))\n"
     "rec('zeros_i', torch.zeros(2, dtype=torch.int64))\nrec('ones_rg', torch.ones(2, requires_grad=True))")
case("factory_arange_linspace", "rec('a1', torch.arange(5))\nrec('a2', torch.arange(1, 4))\nrec('a3', torch.arange(0, 1, 0.25))\n"
     "rec('a4', torch.arange(5.0))\nrec('a5', torch.arange(10, 0, -3))\nrec('l1', torch.linspace(0, 1, 5))\n"
     "rec('l2', torch.linspace(-1, 1, steps=3))\nrec('l3', torch.linspace(0, 10, 1))")
case("factory_tensor_inference", "rec('i', torch.tensor([1, 2]))\nrec('f', torch.tensor([1, 2.0]))\nrec('b', torch.tensor([True, False]))\n"
     "rec('s', torch.tensor(3))\nrec('sf', torch.tensor(3.5))\nrec('nested', torch.tensor([[1, 2], [3, 4]]))\n"
     "rec('explicit', torch.tensor([1, 2], dtype=torch.float64))\nrec('empty', torch.tensor([]))\n"
     "err('int_grad', lambda: torch.tensor([1, 2], requires_grad=True))\nerr('ragged', lambda: torch.tensor([[1, 2], [3]]))")
case("factory_like", "x = torch.tensor([[1.0, 2.0]], dtype=torch.float64)\nrec('z', torch.zeros_like(x))\nrec('o', torch.ones_like(x))\n"
     "rec('f', torch.full_like(x, 3))\nrec('oi', torch.ones_like(x, dtype=torch.int64))\nrec('zr', torch.zeros_like(x, requires_grad=True))")
case("factory_default_dtype", "torch.set_default_dtype(torch.float64)\ntry:\n    rec('t', torch.tensor([1.5]))\n"
     "    rec('z', torch.zeros(2))\n    rec('ar', torch.arange(2.0))\n    rec('d', torch.get_default_dtype())\n"
     "finally:\n    torch.set_default_dtype(torch.float32)\nrec('after', torch.tensor([1.5]).dtype)")

# Backward behaviours.
case("backward_gradient_vector", "x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\ny = x * 2\n"
     "y.backward(torch.tensor([0.1, 1.0, 0.0001]))\nrec('x.grad', x.grad)")
case("backward_nonscalar_error", "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = x * 2\nerr('e', lambda: y.backward())")
case("backward_shape_mismatch", "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = x * 2\n"
     "err('e', lambda: y.backward(torch.ones(3)))")
case("backward_no_grad_error", "x = torch.tensor([1.0, 2.0])\nerr('e', lambda: x.sum().backward())")
case("backward_twice_error", "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = (x * x).sum()\ny.backward()\n"
     "err('second', lambda: y.backward())\nrec('x.grad', x.grad)")
case("backward_retain_graph", "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = (x * x).sum()\n"
     "y.backward(retain_graph=True)\nrec('g1', x.grad.clone())\ny.backward()\nrec('x.grad', x.grad)")
case("backward_accumulates", "x = torch.tensor([1.0, 2.0], requires_grad=True)\nrec('before', x.grad)\n"
     "(x * 3).sum().backward()\ng = x.grad\n(x * x).sum().backward()\nrec('x.grad', x.grad)\nrec('same_object', g is x.grad)")
case("backward_sum_no_saved", "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = (x + 1).sum()\ny.backward()\n"
     "y.backward()\nrec('x.grad', x.grad)", needs=("sum",))
case("backward_create_graph_double", "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = (x ** 3).sum()\n"
     "y.backward(create_graph=True)\nrec('x.grad', x.grad)\ng = x.grad\nx.grad = None\ng.sum().backward()\nrec('x.grad2', x.grad)")
case("backward_double_sin", "x = torch.tensor([0.3, 1.1], requires_grad=True)\n(g,) = torch.autograd.grad(x.sin().sum(), x, create_graph=True)\n"
     "rec('g', g)\n(h,) = torch.autograd.grad(g.sum(), x)\nrec('h', h)", needs=("sin",))
case("backward_inputs_arg", "a = torch.tensor([1.0, 2.0], requires_grad=True)\nb = torch.tensor([3.0, 4.0], requires_grad=True)\n"
     "y = (a * b).sum()\ny.backward(inputs=[a])\nrec('a.grad', a.grad)\nrec('b.grad', b.grad)")
case("backward_inputs_nonleaf", "a = torch.tensor([1.0, 2.0], requires_grad=True)\nm = a * 2\ny = (m * m).sum()\n"
     "y.backward(inputs=[m])\nrec('m.grad', m.grad)\nrec('a.grad', a.grad)")
case("backward_inputs_empty_error", "a = torch.tensor([1.0], requires_grad=True)\nerr('e', lambda: (a * 2).sum().backward(inputs=[]))")
case("backward_multi_root", "a = torch.tensor([1.0, 2.0], requires_grad=True)\ny1 = (a * 2).sum()\ny2 = (a * a).sum()\n"
     "torch.autograd.backward([y1, y2])\nrec('a.grad', a.grad)")
case("backward_order_diamond", "a = torch.tensor([1.0, 2.0], requires_grad=True)\nb = torch.tensor([3.0, 4.0], requires_grad=True)\n"
     "c = a * b\nd = c.sin()\ne = c + a\nf = (d * e).sum()\nseen = order(f)\nrec('graph', graph(f.grad_fn))\nf.backward()\n"
     "rec('order', seen)\nrec('a.grad', a.grad)\nrec('b.grad', b.grad)", needs=("sin", "sum"))
case("backward_order_chain", "x = torch.tensor([1.0, 2.0], requires_grad=True)\nw = torch.tensor([0.5, 0.25], requires_grad=True)\n"
     "h = (x * w).exp()\ny = (h * 2 + x).sum()\nseen = order(y)\ny.backward()\nrec('order', seen)\nrec('x.grad', x.grad)\n"
     "rec('w.grad', w.grad)", needs=("exp", "sum"))
case("backward_order_two_leaves_shared", "a = torch.tensor(2.0, requires_grad=True)\nb = a * 3\nc = a * 4\nd = b * c\n"
     "e = d + b\nseen = order(e)\ne.backward()\nrec('order', seen)\nrec('a.grad', a.grad)")

# autograd.grad.
case("grad_basic", "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = (x * x).sum()\ngs = torch.autograd.grad(y, x)\n"
     "rec('gs', gs)\nrec('x.grad', x.grad)")
case("grad_outputs", "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = x * 3\n"
     "rec('g', torch.autograd.grad(y, x, grad_outputs=torch.tensor([1.0, -1.0])))\n"
     "rec('g_list', torch.autograd.grad([x * 1], [x], grad_outputs=[torch.ones(2)]))")
case("grad_allow_unused", "x = torch.tensor([1.0], requires_grad=True)\nz = torch.tensor([2.0], requires_grad=True)\n"
     "y = (x * 2).sum()\nrec('g', torch.autograd.grad(y, [x, z], allow_unused=True, retain_graph=True))\n"
     "err('unused', lambda: torch.autograd.grad(y, [x, z], retain_graph=True))\n"
     "rec('mat', torch.autograd.grad(y, [x, z], materialize_grads=True))")
case("grad_no_grad_input_error", "x = torch.tensor([1.0], requires_grad=True)\nc = torch.tensor([1.0])\ny = (x * c).sum()\n"
     "err('e', lambda: torch.autograd.grad(y, [c]))")
case("grad_nonleaf_input", "x = torch.tensor([1.0, 3.0], requires_grad=True)\nm = x * x\ny = (m * 2).sum()\n"
     "rec('g', torch.autograd.grad(y, [m, x]))")
case("grad_create_graph_flags", "x = torch.tensor([2.0], requires_grad=True)\ny = (x ** 3).sum()\n"
     "(g,) = torch.autograd.grad(y, x, create_graph=True)\nrec('g', g)\n(g2,) = torch.autograd.grad(y * 1, x, retain_graph=True)\n"
     "rec('g2', g2)")

# retain_grad and hooks.
case("retain_grad", "x = torch.tensor([1.0, 2.0], requires_grad=True)\nm = x * 3\nm.retain_grad()\nrec('retains', m.retains_grad)\n"
     "(m * m).sum().backward()\nrec('m.grad', m.grad)\nrec('x.grad', x.grad)\nrec('leaf_retains', x.retains_grad)")
case("nonleaf_grad_warning", "x = torch.tensor([1.0], requires_grad=True)\nm = x * 2\nm.sum().backward()\nrec('m.grad', m.grad)")
case("retain_grad_no_grad_error", "x = torch.tensor([1.0])\nerr('e', lambda: x.retain_grad())")
case("hook_leaf", "x = torch.tensor([1.0, 2.0], requires_grad=True)\nseen = []\nh = x.register_hook(lambda g: seen.append(g.clone()))\n"
     "(x * 3).sum().backward()\nrec('seen', seen)\nrec('x.grad', x.grad)\nh.remove()\n(x * 3).sum().backward()\nrec('n', len(seen))")
case("hook_leaf_replaces", "x = torch.tensor([1.0, 2.0], requires_grad=True)\nx.register_hook(lambda g: g * 10)\n"
     "(x * 3).sum().backward()\nrec('x.grad', x.grad)")
case("hook_nonleaf_replaces", "x = torch.tensor([1.0, 2.0], requires_grad=True)\nm = x * 2\nm.register_hook(lambda g: g + 1)\n"
     "m.retain_grad()\n(m * 3).sum().backward()\nrec('x.grad', x.grad)\nrec('m.grad', m.grad)")
case("hook_no_grad_error", "x = torch.tensor([1.0])\nerr('e', lambda: x.register_hook(lambda g: g))")
case("node_hooks", "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = x * x\nlog = []\n"
     "y.grad_fn.register_prehook(lambda go: log.append(('pre', [g.tolist() for g in go])))\n"
     "y.grad_fn.register_hook(lambda gi, go: log.append(('post', [g.tolist() for g in gi], [g.tolist() for g in go])))\n"
     "y.backward(torch.tensor([1.0, 0.5]))\nrec('log', log)\nrec('x.grad', x.grad)")
case("node_prehook_replaces", "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = x * 2\n"
     "y.grad_fn.register_prehook(lambda go: (go[0] * 0 + 5,))\ny.sum().backward()\nrec('x.grad', x.grad)")
case("node_posthook_replaces", "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = x * 2\n"
     "y.grad_fn.register_hook(lambda gi, go: (gi[0] * 100, None))\ny.sum().backward()\nrec('x.grad', x.grad)")

# Grad modes.
case("grad_mode_no_grad", "x = torch.tensor([1.0], requires_grad=True)\nwith torch.no_grad():\n    y = x * 2\n"
     "    rec('enabled', torch.is_grad_enabled())\nrec('y', y)\nrec('after', torch.is_grad_enabled())")
case("grad_mode_enable_inside", "x = torch.tensor([1.0], requires_grad=True)\nwith torch.no_grad():\n    with torch.enable_grad():\n"
     "        y = x * 2\n    z = x * 2\nrec('y', y)\nrec('z', z)")
case("grad_mode_decorators", "x = torch.tensor([1.0], requires_grad=True)\n@torch.no_grad()\ndef f(t):\n    return t * 2\n"
     "@torch.enable_grad()\ndef g(t):\n    return t * 2\n@torch.inference_mode()\ndef h(t):\n    return t * 2\n"
     "rec('f', f(x))\nwith torch.no_grad():\n    rec('g', g(x))\nrec('h', h(x))\nrec('name', f.__name__)")
case("grad_mode_set_grad_enabled", "x = torch.tensor([1.0], requires_grad=True)\nwith torch.set_grad_enabled(False):\n    y = x * 2\n"
     "rec('y', y)\ntorch.set_grad_enabled(False)\nz = x * 2\nrec('inside', torch.is_grad_enabled())\ntorch.set_grad_enabled(True)\n"
     "rec('z', z)\nrec('w', x * 2)")
case("grad_mode_inference", "x = torch.tensor([1.0], requires_grad=True)\nwith torch.inference_mode():\n    y = x * 2\n"
     "    rec('inf', torch.is_inference_mode_enabled())\n    rec('ge', torch.is_grad_enabled())\nrec('y', y)\n"
     "with torch.inference_mode(False):\n    z = x * 2\nrec('z', z)")
case("grad_mode_factory_in_no_grad", "with torch.no_grad():\n    w = torch.ones(2, requires_grad=True)\n    v = w * 2\n"
     "rec('w', w)\nrec('v', v)")

# Leaf / detach / requires_grad / numpy errors.
case("detach", "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = x * 2\nd = y.detach()\nrec('d', d)\n"
     "rec('shares', d.data_ptr() == y.data_ptr())\nd.add_(1)\nrec('y', y)\nrec('vers', [y._version, d._version])")
case("detach_inplace", "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = x * 2\ny.detach_()\nrec('y', y)\n"
     "v = (x * 2).view(2)\nerr('view', lambda: v.detach_())")
case("requires_grad_errors", "x = torch.tensor([1.0], requires_grad=True)\ny = x * 2\n"
     "err('setter', lambda: setattr(y, 'requires_grad', False))\nerr('int', lambda: torch.tensor([1]).requires_grad_())\n"
     "rec('off_nonleaf_true', None)\ny.requires_grad_(True)\nrec('y', y)\nz = torch.ones(2)\nz.requires_grad_()\nrec('z', z)")
case("numpy_requires_grad_error", "x = torch.tensor([1.0], requires_grad=True)\nerr('e', lambda: x.numpy())\n"
     "rec('ok', x.detach().numpy().tolist())")
case("inplace_leaf_error", "a = torch.tensor([1.0, 2.0], requires_grad=True)\nerr('sin_', lambda: torch.sin_(a))\n"
     "err('add_', lambda: a.add_(1))\nerr('iadd', lambda: a.__iadd__(1))\nwith torch.no_grad():\n    a.add_(1)\nrec('a', a)",
     needs=("sin_",))
case("inplace_nonleaf_graph", "a = torch.tensor([1.0, 2.0], requires_grad=True)\nb = a * 2\nb.add_(1)\nrec('b', b)\nb.mul_(3)\n"
     "rec('b2', b)\nrec('version', b._version)\nb.sum().backward()\nrec('a.grad', a.grad)")
case("inplace_saved_modified_error", "a = torch.tensor([1.0, 2.0], requires_grad=True)\nb = a * 2\nc = b * b\nb.add_(1)\n"
     "err('e', lambda: c.sum().backward())")
case("inplace_saved_result_modified", "a = torch.tensor([1.0, 2.0], requires_grad=True)\nb = a.exp()\nb.mul_(2)\n"
     "err('e', lambda: b.sum().backward())", needs=("exp",))
case("version_counter", "x = torch.ones(3)\nrec('v0', x._version)\nx.add_(1)\nx.mul_(2)\nrec('v2', x._version)\n"
     "v = x.view(3)\nv.add_(1)\nrec('shared', [x._version, v._version])\nx[0] = 5\nrec('setitem', x._version)")
case("saved_tensors", "a = torch.tensor([1.0, 2.0], requires_grad=True)\nb = torch.tensor([3.0, 4.0], requires_grad=True)\nc = a * b\n"
     "rec('self', c.grad_fn._saved_self)\nrec('other', c.grad_fn._saved_other)\nrec('self_is_a', c.grad_fn._saved_self is a)\n"
     "e = a.exp()\nrec('result', e.grad_fn._saved_result)\nrec('result_eq', e.grad_fn._saved_result.equal(e))\n"
     "c.sum().backward()\nerr('freed', lambda: c.grad_fn._saved_self)", needs=("exp",))
case("saved_pow_exponent", "a = torch.tensor([1.0, 2.0], requires_grad=True)\np = a ** 3\nrec('exp', p.grad_fn._saved_exponent)\n"
     "rec('self', p.grad_fn._saved_self)")
case("item_bool_len_errors", "x = torch.tensor([1.0, 2.0])\nerr('item', lambda: x.item())\nerr('bool', lambda: bool(x))\n"
     "err('len', lambda: len(torch.tensor(1.0)))\nerr('iter', lambda: iter(torch.tensor(1.0)))\n"
     "rec('item1', torch.tensor([2.5]).item())\nrec('bool1', bool(torch.tensor([0.0])))\nrec('len', len(x))\n"
     "rec('int', int(torch.tensor(3.7)))\nrec('float', float(torch.tensor([2])))")
case("leaf_flags", "x = torch.tensor([1.0])\nw = torch.tensor([1.0], requires_grad=True)\ny = w * 2\nz = x * 2\n"
     "rec('flags', [x.is_leaf, x.requires_grad, w.is_leaf, w.requires_grad, y.is_leaf, y.requires_grad, z.is_leaf, z.requires_grad])\n"
     "rec('grad_fns', [x.grad_fn, y.grad_fn.name(), z.grad_fn])\nrec('acc', y.grad_fn.next_functions[0][0].name())\n"
     "rec('acc_var_is_w', y.grad_fn.next_functions[0][0].variable is w)\nrec('nf', [n for _, n in y.grad_fn.next_functions])")
case("grad_none_before_backward", "w = torch.tensor([1.0], requires_grad=True)\nrec('g', w.grad)\ny = w * 2\nrec('y', y)")
case("grad_setter_errors", "w = torch.tensor([1.0, 2.0], requires_grad=True)\nerr('shape', lambda: setattr(w, 'grad', torch.ones(3)))\n"
     "err('dtype', lambda: setattr(w, 'grad', torch.ones(2, dtype=torch.float64)))\nw.grad = torch.ones(2)\n(w * 2).sum().backward()\n"
     "rec('w.grad', w.grad)")
case("anomaly_nan", "x = torch.tensor([0.0], requires_grad=True)\nwith torch.autograd.detect_anomaly():\n    y = torch.sqrt(x) * 0\n"
     "    err('e', lambda: y.sum().backward())", needs=("sqrt",))
case("anomaly_ok_warning", "x = torch.tensor([1.0], requires_grad=True)\nwith torch.autograd.detect_anomaly():\n    (x * 2).sum().backward()\n"
     "rec('x.grad', x.grad)\nrec('enabled', torch.is_anomaly_enabled())")
case("repr_graph", "a = torch.tensor([1.0, 2.0], requires_grad=True)\nrec('leaf', a)\nb = a * 2 + 1\nrec('b', b)\n"
     "rec('nf', graph(b.grad_fn))\nrec('scalar', b.sum())\nrec('f64', torch.tensor([1.0], dtype=torch.float64, requires_grad=True))")
case("tutorial_sin", "a = torch.linspace(0., 2. * math.pi, steps=25, requires_grad=True)\nb = torch.sin(a)\nc = 2 * b\nd = c + 1\n"
     "out = d.sum()\nrec('d', d)\nrec('graph', graph(out.grad_fn))\nout.backward()\nrec('a.grad', a.grad)", needs=("sin", "sum"))
case("tutorial_model", "x = torch.ones(5)\ny = torch.zeros(3)\nw = torch.tensor([[0.1 * (i - j) for j in range(3)] for i in range(5)], requires_grad=True)\n"
     "b = torch.tensor([0.1, -0.2, 0.3], requires_grad=True)\nz = torch.matmul(x, w) + b\nloss = ((z - y) ** 2).mean()\n"
     "rec('graph', graph(loss.grad_fn))\nloss.backward()\nrec('w.grad', w.grad)\nrec('b.grad', b.grad)", needs=("mean",))

# More matmul shapes, dtype corner cases, grad modes and hooks.
for _name, _ls, _rs in [
    ("2d_3d", (2, 3), (2, 3, 2)), ("4d_3d_broadcast", (2, 1, 2, 3), (2, 3, 2)), ("3d_1d", (2, 2, 3), (3,)),
    ("3d_batch1", (2, 2, 3), (1, 3, 2)), ("1d_1d_len1", (1,), (1,)),
]:
    case(f"matmul_{_name}", f"l = (torch.arange(float({math.prod(_ls)})).reshape{_ls} / 3).requires_grad_()\n"
         f"r = (torch.arange(float({math.prod(_rs)})).reshape{_rs} - 2).requires_grad_()\ny = l @ r\nrec('y', y)\n"
         "y.backward(torch.ones_like(y))\nrec('l.grad', l.grad)\nrec('r.grad', r.grad)")
case("matmul_int", "i = torch.tensor([[1, 2], [3, 4]])\nrec('mm', i @ i)\nrec('mv', i @ torch.tensor([1, -1]))\n"
     "err('mixed', lambda: i @ torch.ones(2, 2))")
case("dtype_division_by_zero", "x = torch.tensor([1.0, 0.0, -1.0])\nrec('div', x / 0)\nrec('rdiv', 1 / x)\n"
     "rec('int_div', torch.tensor([1, 0]) / 0)\nrec('pow', x ** -1)")
case("dtype_float64_scalar_mix", "d = torch.tensor([1.0, 2.0], dtype=torch.float64)\nf = torch.tensor(2.0)\n"
     "rec('df', d * f)\nrec('d_py', d * 2.5)\nrec('i_bool', torch.tensor([1, 2]) * torch.tensor([True, False]))\n"
     "rec('b_b', torch.tensor([True]) + torch.tensor([True]))\nrec('f_i64_0d', torch.tensor([1.5]) + torch.tensor(2))")
case("unary_overflow_nan", "x = torch.tensor([100.0, -1.0])\nrec('exp', x.exp())\nrec('log', x.log())\nrec('sqrt', x.sqrt())\n"
     "rec('pow', x ** 0.5)", needs=("exp", "log", "sqrt"))
case("to_dtype_graph", "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = x.to(torch.float64)\nrec('y', y)\n"
     "z = y.float()\nrec('z', z)\n(z * y).sum().backward()\nrec('x.grad', x.grad)\nrec('same', x.to(torch.float32) is x)")
case("legacy_constructor", "rec('t', torch.Tensor([1, 2]))\nrec('shape', torch.Tensor(2, 3).shape)\nrec('T1d', torch.ones(3).T)")
case("grad_mode_generator", "x = torch.tensor([1.0], requires_grad=True)\n@torch.no_grad()\ndef gen():\n"
     "    yield torch.is_grad_enabled(), x * 2\n    yield torch.is_grad_enabled(), x * 3\nrec('items', [(m, v) for m, v in gen()])\n"
     "rec('after', torch.is_grad_enabled())")
case("grad_mode_set_decorator", "x = torch.tensor([1.0], requires_grad=True)\n@torch.set_grad_enabled(False)\ndef f(t):\n    return t * 2\n"
     "rec('before', torch.is_grad_enabled())\nrec('f', f(x))\nrec('after', torch.is_grad_enabled())")
case("grad_mode_class_decorator", "@torch.no_grad()\nclass M:\n    def __init__(self, t):\n        self.v = t * 2\n"
     "rec('v', M(torch.tensor([1.0], requires_grad=True)).v)")
case("grad_multi_output", "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny1 = (x * x).sum()\ny2 = (x * 3).sum()\n"
     "rec('g', torch.autograd.grad([y1, y2], x))\nrec('self', torch.autograd.grad(x * 1, x, torch.ones(2)))")
case("grad_of_output_wrt_itself", "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = x * 2\n"
     "rec('g', torch.autograd.grad(y, y, torch.tensor([3.0, 4.0])))")
case("backward_on_leaf", "x = torch.tensor([1.0, 2.0], requires_grad=True)\nx.backward(torch.tensor([5.0, 6.0]))\nrec('x.grad', x.grad)\n"
     "s = torch.tensor(3.0, requires_grad=True)\ns.backward()\nrec('s.grad', s.grad)")
case("backward_grad_tensors_list", "a = torch.tensor([1.0, 2.0], requires_grad=True)\ny1 = a * 2\ny2 = a * a\n"
     "torch.autograd.backward([y1, y2], [torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])])\nrec('a.grad', a.grad)\n"
     "err('count', lambda: torch.autograd.backward([a * 2, a * 3], [torch.ones(2)]))")
case("hook_retain_grad_order", "x = torch.tensor([1.0, 2.0], requires_grad=True)\nm = x * 2\nm.retain_grad()\n"
     "m.register_hook(lambda g: g * 100)\n(m * 1).sum().backward()\nrec('m.grad', m.grad)\nrec('x.grad', x.grad)")
case("hook_multiple_on_leaf", "x = torch.tensor([1.0], requires_grad=True)\nlog = []\nx.register_hook(lambda g: log.append(1) or g * 2)\n"
     "x.register_hook(lambda g: log.append(2) or g + 1)\n(x * 3).sum().backward()\nrec('log', log)\nrec('x.grad', x.grad)")
case("hook_on_node_of_leaf_acc", "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = x * 2\nacc = y.grad_fn.next_functions[0][0]\n"
     "log = []\nacc.register_prehook(lambda go: log.append(go[0].tolist()))\ny.sum().backward()\nrec('log', log)\nrec('x.grad', x.grad)")
case("inplace_on_view_of_nonleaf", "a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\nb = a * 1\nv = b.view(3)\nv.mul_(2)\n"
     "rec('b', b)\nrec('v', v)\nb.sum().backward()\nrec('a.grad', a.grad)")
case("inplace_ops_graph", "a = torch.tensor([1.0, 2.0], requires_grad=True)\nb = a * 1\nb += 1\nb -= 0.5\nb *= 3\nb /= 2\n"
     "rec('b', b)\nrec('version', b._version)\nb.sum().backward()\nrec('a.grad', a.grad)")
case("inplace_dtype_error", "i = torch.tensor([1, 2])\nerr('e', lambda: i.add_(1.5))\nf = torch.ones(2)\nerr('shape', lambda: f.add_(torch.ones(3, 2)))")
case("set_detect_anomaly_function", "torch.autograd.set_detect_anomaly(True)\nrec('on', torch.is_anomaly_enabled())\n"
     "torch.autograd.set_detect_anomaly(False)\nrec('off', torch.is_anomaly_enabled())")
case("size_and_dims", "x = torch.ones(2, 3)\nrec('size', x.size())\nrec('size1', x.size(-1))\nrec('dim', x.dim())\nrec('numel', x.numel())\n"
     "rec('repr_size', repr(x.shape))\nerr('bad', lambda: x.size(2))\nrec('stride', x.stride())\nrec('contig', x.t().is_contiguous())")

case("node_reprs", "a = torch.tensor([1.0, 2.0], requires_grad=True)\nb = a * 2 + 1\nrec('node', repr(b.grad_fn))\n"
     "rec('nf', repr(b.grad_fn.next_functions))\nrec('acc', repr(b.grad_fn.next_functions[0][0].next_functions[0][0]))\n"
     "rec('acc_nf', b.grad_fn.next_functions[0][0].next_functions[0][0].next_functions)\nrec('meta', b.grad_fn.metadata)\n"
     "rec('name', type(b.grad_fn).__name__)")
case("forward_ad_basic", "fwAD = torch.autograd.forward_ad\nx = torch.tensor([1.0, 2.0])\nt = torch.tensor([1.0, 0.5])\n"
     "with fwAD.dual_level():\n    d = fwAD.make_dual(x, t)\n    y = (d * d).sin() + 2 * d\n    p, tan = fwAD.unpack_dual(y)\n"
     "    rec('p', p)\n    rec('tan', tan)\n    rec('plain', fwAD.unpack_dual(x).tangent)", needs=("sin",))
case("forward_ad_matmul", "fwAD = torch.autograd.forward_ad\nm = torch.tensor([[1.0, 2.0], [3.0, 4.0]])\n"
     "with fwAD.dual_level():\n    d = fwAD.make_dual(torch.tensor([1.0, -1.0]), torch.tensor([0.0, 1.0]))\n    y = m @ d\n"
     "    rec('tan', fwAD.unpack_dual(y).tangent)\n    rec('tan2', fwAD.unpack_dual((d / 2 - 1) ** 2).tangent)")

# Ops other engineers are adding (fail clearly until they exist).
case("other_softmax", "x = torch.tensor([[1.0, 2.0, 3.0]], requires_grad=True)\ny = torch.softmax(x, dim=1)\nrec('y', y)\n"
     "(y * torch.tensor([1.0, 0.0, 0.0])).sum().backward()\nrec('x.grad', x.grad)", needs=("softmax",))
case("other_max", "x = torch.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]], requires_grad=True)\nrec('m', x.max())\nv, i = x.max(dim=1)\n"
     "rec('v', v)\nrec('i', i)\nv.sum().backward()\nrec('x.grad', x.grad)", needs=("max",))
case("other_norm", "x = torch.tensor([3.0, 4.0], requires_grad=True)\nn = x.norm()\nrec('n', n)\nn.backward()\nrec('x.grad', x.grad)",
     needs=("norm",))
case("other_cat_stack", "a = torch.tensor([1.0, 2.0], requires_grad=True)\nb = torch.tensor([3.0], requires_grad=True)\n"
     "c = torch.cat([a, b])\nrec('c', c)\ns = torch.stack([a, a * 2])\nrec('s', s)\n(c.sum() + s.sum()).backward()\nrec('a.grad', a.grad)",
     needs=("cat", "stack"))
case("other_indexing", "x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)\ny = x[0]\nrec('y', y)\n"
     "z = x[:, 1:]\nrec('z', z)\nw = x[torch.tensor([1, 0])]\nrec('w', w)\n(y.sum() + z.sum() + w.sum()).backward()\nrec('x.grad', x.grad)",
     needs=("__getitem__",))
case("other_log_softmax_nll", "x = torch.tensor([[1.0, 2.0, 0.5]], requires_grad=True)\nls = torch.log_softmax(x, dim=1)\n"
     "rec('ls', ls)\nls[0, 1].backward()\nrec('x.grad', x.grad)", needs=("log_softmax", "__getitem__"))
case("other_where_clamp", "x = torch.tensor([-1.0, 0.5, 2.0], requires_grad=True)\ny = torch.where(x > 0, x * 2, x * 3)\nrec('y', y)\n"
     "c = x.clamp(min=0.0, max=1.0)\nrec('c', c)\n(y.sum() + c.sum()).backward()\nrec('x.grad', x.grad)", needs=("where", "clamp"))


def main() -> None:
    import torch  # only the recorder needs PyTorch

    torch.manual_seed(0)
    # Forward AD's first use imports TorchScript helpers that emit DeprecationWarnings once per
    # process: internal noise, not behaviour. Trigger it before recording.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.autograd.forward_ad.dual_level():
            torch.autograd.forward_ad.make_dual(torch.ones(1), torch.ones(1))
    out = []
    for c in CASES:
        result = run_case(c["code"], torch)
        out.append({**c, "torch": result})
    FIXTURE_PATH.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE_PATH.write_text(
        json.dumps({"torch_version": torch.__version__, "cases": out}, indent=1, allow_nan=False) + "\n"
    )
    print(f"recorded {len(out)} cases into {FIXTURE_PATH}", file=sys.stderr)


if __name__ == "__main__":
    main()
