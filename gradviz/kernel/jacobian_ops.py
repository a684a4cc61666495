"""Inside the kernel: the Jacobian panel's computation, with the backend's autograd.functional.

The function is Python the user typed (``def f(x): ...`` or a ``lambda``), the inputs an expression
giving one tensor or a tuple of tensors; both see the script's variables and ``torch`` -- the engine
(``engine.autograd.functional``) or the real PyTorch (``torch.autograd.functional``), whichever
backend the kernel runs. The answer is plain data: every resulting block as a float64 ndarray,
flattened to 2-D when a tensor has more dimensions.
"""

from __future__ import annotations

import math

import numpy as np

MODES = ("jacobian", "hessian", "vjp", "jvp")


def base_namespace(lib, extra: dict | None = None) -> dict:
    namespace = {"math": math, "np": np}
    if extra:
        namespace.update({k: v for k, v in extra.items() if not k.startswith("__")})
    namespace["torch"] = lib
    return namespace


def compile_function(source: str, namespace: dict):
    """The function the user typed: the value of an expression, or the last ``def`` in ``source``."""
    source = source.strip()
    if not source:
        raise ValueError("type a function, e.g. def f(x): return x.sin()")
    try:
        return eval(compile(source, "<function>", "eval"), namespace)
    except SyntaxError:
        pass
    local: dict = {}
    exec(compile(source, "<function>", "exec"), namespace, local)
    funcs = [v for v in local.values() if callable(v)]
    if not funcs:
        raise ValueError("the function field defines no function")
    return funcs[-1]


def evaluate_inputs(text: str, namespace: dict):
    """One tensor or a tuple of tensors from an inputs field (a list becomes a tuple)."""
    value = eval(compile(text.strip() or "()", "<inputs>", "eval"), namespace)
    return tuple(value) if isinstance(value, list) else value


def compute(lib, mode: str, func, inputs, v=None):
    """``torch.autograd.functional.<mode>`` of the kernel's backend."""
    functional = lib.autograd.functional
    if mode == "jacobian":
        return functional.jacobian(func, inputs)
    if mode == "hessian":
        return functional.hessian(func, inputs)
    if mode == "vjp":
        return functional.vjp(func, inputs, v)
    if mode == "jvp":
        return functional.jvp(func, inputs, v)
    raise ValueError(f"unknown mode {mode!r}; the modes are {', '.join(MODES)}")


def _array(lib, value) -> np.ndarray:
    if isinstance(value, lib.Tensor):
        value = value.detach()
        if hasattr(value, "cpu"):
            value = value.cpu()
        value = value.numpy()
    return np.array(value, dtype=np.float64)


def blocks(lib, mode: str, result) -> list[tuple[str, np.ndarray]]:
    """Name and matrix of every block to draw (tuples of tuples flattened, >2-D reshaped)."""
    out: list[tuple[str, np.ndarray]] = []

    def add(name: str, value) -> None:
        if value is None:
            return
        if isinstance(value, (tuple, list)):
            for i, item in enumerate(value):
                add(f"{name}[{i}]", item)
            return
        arr = _array(lib, value)
        if arr.ndim > 2:
            arr = arr.reshape(-1, arr.shape[-1])  # rows of the last dimension
        out.append((name, arr))

    if mode in ("vjp", "jvp"):
        func_out, product = result
        add("output", func_out)
        add(mode, product)
    else:
        add(mode, result)
    return out


def jacobian_request(lib, namespace: dict | None, mode: str, function: str, inputs: str, v: str = "") -> dict:
    """Evaluate the panel's fields and compute; raises what the user's code raises."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; the modes are {', '.join(MODES)}")
    ns = base_namespace(lib, namespace)
    func = compile_function(function, ns)
    args = evaluate_inputs(inputs, ns)
    v_text = (v or "").strip()
    vector = evaluate_inputs(v_text, ns) if v_text and mode in ("vjp", "jvp") else None
    result = compute(lib, mode, func, args, vector)
    return {"mode": mode, "blocks": blocks(lib, mode, result), "tuple_inputs": isinstance(args, tuple)}
