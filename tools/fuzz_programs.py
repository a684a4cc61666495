"""Random op programs for the differential tester: the generator, the interpreter and the comparison.

A program is a list of Python source lines over ``torch`` (bound to PyTorch or to the engine), so
the same text runs in both libraries and a failing program prints as a snippet anyone can paste:

    x0 = torch.tensor([[0.5, -1.25]], dtype=torch.float64, requires_grad=True)
    v1 = x0.sin()
    v2 = v1 * x0
    v1.mul_(2.0)
    v2.sum().backward()

The op table is derived from the engine's public table (``engine._api.METHODS``/``FUNCTIONS``)
intersected with PyTorch's names; the call patterns each op accepts are found by probing PyTorch
(the reference) once, so a newly registered op joins the fuzzing without editing this file.
"""

from __future__ import annotations

import math
import re
import warnings

import numpy as np

# Methods that are not ops on values: conversions to Python, storage, hooks, randomness, devices.
_NOT_OPS = {
    "cpu", "to", "type_as", "allclose", "equal", "half", "byte", "short", "int", "long", "bool", "float",
    "double", "index_put", "index_put_", "scatter", "scatter_", "scatter_add", "scatter_add_",
    "masked_fill", "masked_fill_", "gather", "index_select", "narrow", "select", "repeat",
    "split", "chunk", "unbind", "expand", "expand_as", "view", "view_as", "reshape", "reshape_as",
    "permute", "movedim", "moveaxis", "transpose", "swapaxes", "squeeze", "unsqueeze", "flatten",
    "t", "copy_", "fill_", "where", "isclose", "masked_select",
}

# Call patterns: name -> (argument source for the probe, generator of argument source).
PATTERNS = ("()", "(other)", "(scalar)", "(dim)", "(dim, keepdim)", "(int_scalar)")

VALUES = [k / 4 for k in range(-8, 9)]
DTYPES = ("float32", "float64", "int64", "bool")


def probe_table(torch) -> dict:
    """{method name: [accepted patterns]}: engine's public methods, probed on PyTorch."""
    from engine._api import METHODS

    x = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    y = torch.tensor([[1.0, 2.0, 0.5], [-1.5, 0.75, 1.25]])
    probes = {
        "()": (), "(other)": (y,), "(scalar)": (1.5,), "(dim)": (1,), "(dim, keepdim)": (1, True),
        "(int_scalar)": (2,),
    }
    table = {}
    for name in sorted(METHODS):
        if name.startswith("__") or name in _NOT_OPS or not hasattr(torch.Tensor, name):
            continue
        ok = []
        for pattern, args in probes.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    out = getattr(x.clone(), name)(*args)
                except Exception:
                    continue
            if isinstance(out, torch.Tensor) or (isinstance(out, tuple) and out and isinstance(out[0], torch.Tensor)):
                ok.append(pattern)
        if ok:
            table[name] = ok
    return table


class RandomDraws:
    """Gen's three draw primitives from a ``random.Random``.

    A plain RNG draw costs microseconds where Hypothesis's ``data.draw`` cost ~0.45 ms plus its
    engine's bookkeeping (its draws were half the tester's time, the whole generator two thirds,
    running and comparing the programs the rest). The weights
    are the ones Gen always used: ``pick`` is uniform, ``integer`` inclusive at both ends, ``flag(p)``
    true with probability ``p``.
    """

    def __init__(self, rng) -> None:
        self.rng = rng

    def pick(self, seq):
        return self.rng.choice(seq if isinstance(seq, (list, tuple)) else list(seq))

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def flag(self, p_true: float = 0.5) -> bool:
        return self.rng.random() < p_true


class Gen:
    """Builds one program from a drawer: any object with ``pick(seq)``, ``integer(lo, hi)`` and
    ``flag(p_true)`` (``RandomDraws``; every choice Gen makes goes through these three)."""

    def __init__(self, draws, table: dict) -> None:
        self.table = table
        # Bound once: Gen's logic calls self.pick/integer/flag throughout.
        self.pick, self.integer, self.flag = draws.pick, draws.integer, draws.flag
        self.lines: list[str] = []
        self.vars: dict[str, tuple] = {}  # name -> (shape, dtype)
        self.leaves: list[str] = []
        self.n = 0

    def fresh(self) -> str:
        self.n += 1
        return f"v{self.n}"

    # ---- inputs -----------------------------------------------------------------------------
    def shape(self) -> tuple:
        nd = self.integer(0, 3)
        return tuple(self.pick((1, 2, 3)) for _ in range(nd))

    def leaf(self) -> str:
        shape = self.shape()
        dtype = self.pick(DTYPES) if self.flag(0.3) else self.pick(("float32", "float64"))
        n = int(np.prod(shape, dtype=np.int64))
        vals = [self.pick(VALUES) for _ in range(n)]
        if dtype == "int64":
            vals = [int(v * 2) for v in vals]
        elif dtype == "bool":
            vals = [v > 0 for v in vals]
        data = np.array(vals, dtype=object).reshape(shape).tolist() if shape else vals[0]
        rg = dtype.startswith("float") and self.flag(0.8)
        name = f"x{len(self.leaves)}"
        self.leaves.append(name)
        self.lines.append(
            f"{name} = torch.tensor({data!r}, dtype=torch.{dtype}{', requires_grad=True' if rg else ''})"
        )
        self.vars[name] = (shape, dtype)
        return name

    # ---- steps ------------------------------------------------------------------------------
    def operand(self, like: str) -> str:
        """Another variable, preferring one whose shape broadcasts with ``like``."""
        shape = self.vars[like][0]
        good = [v for v, (s, _) in self.vars.items() if _broadcasts(s, shape)]
        if good and self.flag(0.85):
            return self.pick(good)
        return self.pick(list(self.vars))

    def dim_arg(self, v: str) -> int:
        nd = len(self.vars[v][0])
        return self.integer(-max(nd, 1), max(nd, 1) - 1) if self.flag(0.95) else self.integer(-4, 4)

    def step(self) -> None:
        kind = self.pick(("method",) * 6 + ("operator",) * 3 + ("view",) * 3 + ("inplace_view", "detach", "nograd", "where", "cat"))
        v = self.pick(list(self.vars))
        out = self.fresh()
        if kind == "method":
            name = self.pick(sorted(self.table))
            pattern = self.pick(self.table[name])
            args = self.args(pattern, v)
            if name == "argsort":
                # PyTorch leaves the order of ties unspecified unless stable=True (its CPU sort above
                # 16 elements puts equal values' indices in no particular order); the engine always
                # sorts stably. Fuzz the specified behaviour. stable is keyword-only in PyTorch's
                # overload, and so then is dim; no extra draw, so every other program stays the same.
                args = ", ".join([a if "=" in a else f"dim={a}" for a in args.split(", ") if a] + ["stable=True"])
            call = f"{v}.{name}({args})"
            if name.endswith("_"):
                self.lines.append(f"{call}")
                return
            self.emit(out, call, name)
        elif kind == "operator":
            op = self.pick(("+", "-", "*", "/", "**", "@", "<", "==", "unary-", "reuse*"))
            if op == "unary-":
                self.emit(out, f"-{v}")
            elif op == "reuse*":
                self.emit(out, f"{v} * {v}")
            elif op == "**":
                self.emit(out, f"{v} ** {self.pick((2, 0.5, 3, -1))}")
            else:
                other = self.operand(v) if self.flag(0.8) else repr(self.pick((2, 0.5, -1.5, 3)))
                self.emit(out, f"{v} {op} {other}")
        elif kind == "view":
            self.emit(out, self.view_expr(v))
        elif kind == "inplace_view":
            w = self.fresh()
            self.emit(w, self.view_expr(v))
            if w in self.vars:
                op = self.pick(("mul_", "add_", "copy_", "zero_", "setitem"))
                if op == "setitem":
                    self.lines.append(f"{w}[...] = {self.pick((0.5, 2, -1))}")
                elif op == "zero_":
                    self.lines.append(f"{w}.zero_()")
                elif op == "copy_":
                    self.lines.append(f"{w}.copy_({self.operand(w)})")
                else:
                    self.lines.append(f"{w}.{op}({self.pick((2, 0.5))})")
        elif kind == "detach":
            self.emit(out, f"{v}.detach()")
        elif kind == "nograd":
            self.emit(out, f"{v} * 2", prefix="with torch.no_grad(): ")
        elif kind == "where":
            other = self.operand(v)
            self.emit(out, f"torch.where({v} > 0, {v}, {other})")
        elif kind == "cat":
            self.emit(out, f"torch.cat([{v}, {self.operand(v)}], {self.dim_arg(v)})")

    def view_expr(self, v: str) -> str:
        shape = self.vars[v][0]
        nd = len(shape)
        choice = self.pick(("index", "transpose", "reshape", "view", "expand", "unsqueeze", "squeeze", "slice", "t"))
        if choice == "index" and nd and shape[0]:  # an empty first dim (argwhere of nothing) has no index
            return f"{v}[{self.integer(-shape[0], shape[0] - 1)}]"
        if choice == "slice" and nd:
            return f"{v}[..., {self.pick(('::2', '1:', ':1', 'None'))}]"
        if choice == "transpose":
            return f"{v}.transpose({self.dim_arg(v)}, {self.dim_arg(v)})"
        if choice in ("reshape", "view"):
            n = int(np.prod(shape, dtype=np.int64))
            target = self.pick(((n,), (-1,), (1, n), (n, 1)) + ((shape[::-1],) if nd > 1 else ()))
            return f"{v}.{choice}({', '.join(map(str, target))})" if target else f"{v}.{choice}(-1)"
        if choice == "expand":
            return f"{v}.expand({', '.join(map(str, (2,) + tuple(shape)))})"
        if choice == "squeeze":
            return f"{v}.squeeze({self.dim_arg(v)})" if nd else f"{v}.squeeze()"
        if choice == "t" and nd <= 2:
            return f"{v}.t()"
        return f"{v}.unsqueeze({self.integer(-nd - 1, nd)})"

    def args(self, pattern: str, v: str) -> str:
        if pattern == "()":
            return ""
        if pattern == "(other)":
            return self.operand(v)
        if pattern == "(scalar)":
            return repr(self.pick((1.5, 2.0, -0.5, 0.0)))
        if pattern == "(int_scalar)":
            return repr(self.pick((0, 1, 2, -1)))
        if pattern == "(dim)":
            return str(self.dim_arg(v))
        return f"{self.dim_arg(v)}, keepdim={self.flag()}"

    def emit(self, out: str, expr: str, op: str | None = None, prefix: str = "") -> None:
        self.lines.append(f"{prefix}{out} = {expr}")
        self.vars[out] = ((), "?")  # shape unknown until run; the runner fills it
        self.pending = out

    # ---- the whole program ------------------------------------------------------------------
    def program(self, run_shapes) -> list[str]:
        for _ in range(self.integer(1, 3)):
            self.leaf()
        for _ in range(self.integer(1, 6)):
            self.step()
            # Learn the real shapes and dtypes (from PyTorch) so later steps pick compatible operands.
            known = run_shapes(self.lines)
            if known is None:
                break
            self.vars = {k: v for k, v in known.items() if k in self.vars or k.startswith("x")}
        self.finish()
        return self.lines

    def finish(self) -> None:
        cands = [v for v, (s, d) in self.vars.items() if d in ("float32", "float64")]
        if not cands:
            return
        v = self.pick(cands[::-1])
        how = self.pick(("sum", "sum", "gradient", "create_graph"))
        if how == "sum":
            self.lines.append(f"{v}.sum().backward()")
        elif how == "gradient":
            self.lines.append(f"{v}.backward(gradient=torch.ones_like({v}) * 0.5)")
        else:
            leaves = [x for x in self.leaves if self.vars.get(x, ((), ""))[1].startswith("float")]
            if not leaves:
                self.lines.append(f"{v}.sum().backward()")
                return
            x = self.pick(leaves)
            self.lines.append(f"g, = torch.autograd.grad({v}.sum(), {x}, create_graph=True)")
            self.lines.append("(g * g).sum().backward()")


def _broadcasts(a: tuple, b: tuple) -> bool:
    for x, y in zip(a[::-1], b[::-1]):
        if x != y and x != 1 and y != 1:
            return False
    return True


# ---- running a program -------------------------------------------------------------------------


def run(lines: list[str], torch) -> list:
    """Run the program line by line; one record per line (what it produced) or the error that stopped it."""
    ns = {"torch": torch, "F": torch.nn.functional}
    records = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for line in lines:
            try:
                exec(line, ns)  # noqa: S102 - the program is our own generated text
            except Exception as e:  # noqa: BLE001 - the error type is what we compare
                records.append(("error", _error_class(e)))
                break
            records.append(("ok", _snapshot(ns, torch)))
    return records


def _error_class(e: Exception) -> str:
    # torch raises subclasses (torch._C._LinAlgError, ...) of the builtin types: compare builtins.
    for cls in type(e).__mro__:
        if cls.__module__ == "builtins":
            return cls.__name__
    return type(e).__name__


def _snapshot(ns: dict, torch) -> dict:
    out = {}
    for k, v in ns.items():
        if k in ("torch", "F", "__builtins__"):
            continue
        if isinstance(v, tuple) and v and isinstance(v[0], torch.Tensor):
            v = v[0]
        if isinstance(v, torch.Tensor):
            fn = v.grad_fn
            grad = v.grad if v.is_leaf else None
            out[k] = (
                tuple(v.shape), str(v.dtype).replace("torch.", ""), _array(v),
                type(fn).__name__ if fn is not None else None,
                None if grad is None else _array(grad),
            )
    return out


def _array(t) -> np.ndarray:
    try:
        values = t.detach().tolist()
    except RuntimeError:  # torch's ZeroTensor (an all-zero gradient) has no storage: clone() makes one
        values = t.detach().clone().tolist()
    return np.array(values, dtype=np.float64 if t.dtype.is_floating_point else object)


def shapes_of(records: list) -> dict | None:
    if not records or records[-1][0] == "error":
        return None
    return {k: (v[0], v[1]) for k, v in records[-1][1].items()}


def compare(ref: list, got: list) -> list[tuple]:
    """Mismatches between PyTorch's records and the engine's: (kind, detail) pairs."""
    found = []
    for i, (r, g) in enumerate(zip(ref, got)):
        if r[0] != g[0] or (r[0] == "error" and r[1] != g[1]):
            found.append(("error", f"line {i}: torch {r[1] if r[0] == 'error' else 'ok'} vs engine "
                                   f"{g[1] if g[0] == 'error' else 'ok'}"))
            return found
        if r[0] == "error":
            return found
        for name, rv in r[1].items():
            gv = g[1].get(name)
            if gv is None:
                found.append(("silent", f"line {i}: {name} missing"))
                continue
            if rv[0] != gv[0] or rv[1] != gv[1]:
                found.append(("silent", f"line {i}: {name} shape/dtype {rv[:2]} vs {gv[:2]}"))
            elif not _close(rv[2], gv[2]):
                found.append(("silent", f"line {i}: {name} values differ"))
            elif (rv[4] is None) != (gv[4] is None) or (rv[4] is not None and not _close(rv[4], gv[4])):
                found.append(("silent", f"line {i}: {name}.grad differs"))
            if rv[3] != gv[3]:
                found.append(("name", f"line {i}: {name}.grad_fn {rv[3]} vs {gv[3]}"))
        if found:
            return found
    if len(ref) != len(got):
        found.append(("error", "different number of lines ran"))
    return found


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape:
        return False
    if a.dtype == object or b.dtype == object:
        return a.tolist() == b.tolist()
    return bool(np.allclose(a, b, rtol=1e-4, atol=1e-5, equal_nan=True))


def signature(mismatch: tuple, lines: list[str]) -> str:
    """A mismatch class: its kind and the op on the line where it appeared (for de-duplication)."""
    kind, detail = mismatch
    line_no = int(detail.split(":")[0].split()[1]) if detail.startswith("line") else -1
    text = lines[line_no] if 0 <= line_no < len(lines) else ""
    op = _op_of(text)
    return f"{kind}:{op}:{detail.split(': ', 1)[-1].split(' ', 1)[-1] if kind != 'name' else detail.split(': ', 1)[-1].split('.grad_fn ', 1)[-1]}"


def _op_of(text: str) -> str:
    import re

    m = re.search(r"\.([a-z_]+)\(", text.split("=", 1)[-1]) or re.search(r"torch\.([a-z_.]+)\(", text)
    if m:
        return m.group(1)
    for op in ("@", "**", "*", "/", "+", "-", "<", "==", "[", "]"):
        if op in text:
            return op
    return text[:20]


# ---- reducing a program that shows a mismatch -------------------------------------------------

_LEAF = re.compile(r"^(x\d+ = torch\.tensor\()(.*)(, dtype=torch\.(\w+))(, requires_grad=True)?\)$")
_LITERAL = re.compile(r"True|False|-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")
_ONE = {"float32": "1.0", "float64": "1.0", "int64": "1", "bool": "True"}


def reduce(lines: list[str], keeps, max_attempts: int = 400) -> list[str]:
    """A smaller program for which ``keeps(program)`` still holds (greedy delta debugging).

    Deletes chunks of lines, halving the chunk size down to single lines (repeated until no single
    line goes), then simplifies the leaves' tensor literals (all values one, else each value alone,
    then no ``requires_grad``). A program is straight-line code, so a deletion that breaks a later
    line (a name it used is gone) just changes what the program does, and ``keeps`` rejects it.
    ``keeps`` runs at most ``max_attempts`` times (never twice on one program); ``lines`` itself is
    taken as keeping (it is the program that showed the mismatch).
    """
    left = [max_attempts]
    seen: dict[tuple, bool] = {}

    def attempt(cand: list[str]) -> bool:
        key = tuple(cand)
        if key not in seen:
            if left[0] <= 0:
                return False
            left[0] -= 1
            seen[key] = bool(keeps(cand))
        return seen[key]

    lines = list(lines)
    chunk = len(lines) // 2
    while chunk >= 1 and left[0] > 0:
        i, removed = 0, False
        while i < len(lines) and left[0] > 0:
            cand = lines[:i] + lines[i + chunk:]
            if cand and attempt(cand):
                lines, removed = cand, True  # the next chunk slid into place at i
            else:
                i += chunk
        if chunk == 1 and not removed:
            break
        # Single lines again after a removal: deleting a use can free the line that defined it.
        chunk = 1 if chunk == 1 else max(1, min(chunk // 2, len(lines) // 2))
    for i in range(len(lines)):
        lines = _simplify_leaf(lines, i, attempt)
    return lines


def _simplify_leaf(lines: list[str], i: int, attempt) -> list[str]:
    m = _LEAF.match(lines[i])
    if not m:
        return lines
    head, data, dtype_part, dtype, rg = m.groups()
    one = _ONE.get(dtype, "1")

    def swapped(new_data: str, new_rg) -> list[str]:
        return lines[:i] + [head + new_data + dtype_part + (new_rg or "") + ")"] + lines[i + 1:]

    ones = _LITERAL.sub(one, data)
    if ones != data and attempt(swapped(ones, rg)):
        lines, data = swapped(ones, rg), ones
    elif len(_LITERAL.findall(data)) <= 12:  # each value alone: one attempt per value
        for k in range(len(_LITERAL.findall(data))):
            t = list(_LITERAL.finditer(data))[k]  # replacing a literal by one keeps the count
            new = data[:t.start()] + one + data[t.end():]
            if t.group() != one and attempt(swapped(new, rg)):
                lines, data = swapped(new, rg), new
    if rg and attempt(swapped(data, None)):
        lines = swapped(data, None)
    return lines


def snippet(lines: list[str]) -> str:
    return "import torch\n" + "\n".join(lines)


__all__ = ["probe_table", "RandomDraws", "Gen", "run", "compare", "signature", "shapes_of", "reduce", "snippet", "math"]
