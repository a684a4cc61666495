"""How far apart two gradients are, and how far is still rounding ("Run under both").

**The measure.** The relative difference of two gradients ``e`` (engine) and ``t`` (torch) of the
same shape is ``max_i |e_i - t_i| / max_i max(|e_i|, |t_i|)``: the largest element difference
relative to the largest magnitude in the pair (the max-norm relative error). It is not taken
element by element because a gradient that cancels to about zero in one backend is rounding noise
around zero in the other (the engine's numpy kernels sum in another order than torch's), and a
per-element ratio there is arbitrarily large although both are right. Two zero tensors differ by 0;
a zero against a non-zero one by 1. NaN against NaN and an infinity against the same infinity agree;
anything else against a NaN or an infinity differs infinitely.

**The tolerance** is that of the less precise of the two dtypes (:data:`TOLERANCES`): float32 is
the default in both backends and its rounding unit is 6e-8, so 1e-4 leaves room for about a
thousand rounding steps (long reductions, a different summation order) while any wrong rule, a
missing factor or a swapped input, is far above it. When one side is float64 and the other float32
the float32 tolerance applies: the float64 side is the more exact one and the difference is the
float32 side's rounding. Two float64 gradients must agree to 1e-9; half precision to 1e-2. A
gradient known only by its summary (more than :data:`gradviz.model.export.FULL_VALUES_LIMIT`
elements: its first values, min, max and norm) is compared on what the summary holds.
"""

from __future__ import annotations

import math

import numpy as np

TOLERANCES = {"float16": 1e-2, "bfloat16": 1e-2, "float32": 1e-4, "float64": 1e-9,
              "complex64": 1e-4, "complex128": 1e-9}
DEFAULT_TOLERANCE = TOLERANCES["float32"]  # a summary carries no dtype: the default dtype's


def tolerance(dtype_a: str | None, dtype_b: str | None) -> float:
    """The tolerance for comparing a ``dtype_a`` gradient with a ``dtype_b`` one (module docstring);
    integer or unknown dtypes get the default's."""
    found = [TOLERANCES.get(str(d).replace("torch.", ""), DEFAULT_TOLERANCE) for d in (dtype_a, dtype_b)]
    return max(found)


def relative_difference(a, b) -> float:
    """The max-norm relative difference of two equally shaped arrays (module docstring)."""
    a = np.asarray(a, dtype=np.complex128 if np.iscomplexobj(a) or np.iscomplexobj(b) else np.float64)
    b = np.asarray(b, dtype=a.dtype)
    if a.shape != b.shape:
        return math.inf
    if a.size == 0:
        return 0.0
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    if np.any(nan_a != nan_b):
        return math.inf
    inf_a, inf_b = np.isinf(a), np.isinf(b)
    if np.any(inf_a != inf_b) or np.any(a[inf_a] != b[inf_b]):
        return math.inf
    finite = ~(nan_a | inf_a)
    a, b = a[finite], b[finite]
    if a.size == 0:
        return 0.0
    scale = float(max(np.max(np.abs(a)), np.max(np.abs(b))))
    if scale == 0.0:
        return 0.0
    return float(np.max(np.abs(a - b))) / scale


def summary_values(summary: dict) -> np.ndarray | None:
    """A tensor summary's values (``values`` when all are there, else ``first``) as a flat array."""
    values = summary.get("values", summary.get("first"))
    if values is None:
        return None
    return np.asarray(values, dtype=np.float64).reshape(-1)


def summary_difference(a: dict, b: dict) -> float:
    """The relative difference of two tensor summaries (:func:`gradviz.model.export.tensor_summary`):
    of their values when both hold them all; of their first values, min, max and norm otherwise."""
    if list(a.get("shape", ())) != list(b.get("shape", ())):
        return math.inf
    va, vb = summary_values(a), summary_values(b)
    if va is None or vb is None or len(va) != len(vb):
        va, vb = np.zeros(0), np.zeros(0)
    if "values" in a and "values" in b:
        return relative_difference(va, vb)
    stats = [[_number(s.get(key)) for key in ("min", "max", "norm")] for s in (a, b)]
    return max(relative_difference(va, vb), relative_difference(stats[0], stats[1]))


def _number(value) -> float:
    """A summary statistic: JSON has no NaN/inf, so ``None`` (no finite value) reads as NaN."""
    return math.nan if value is None else float(value)


def describe(values: np.ndarray | None, shape, dtype: str | None = None, limit: int = 6) -> str:
    """Short text for a table cell: the values when few, else the shape and norm."""
    suffix = f" {dtype}" if dtype else ""
    if values is None:
        return f"shape {tuple(shape)}{suffix}"
    flat = np.asarray(values).reshape(-1)
    if flat.size <= limit:
        return "[" + ", ".join(f"{v:.4g}" for v in flat.tolist()) + "]" + suffix
    norm = float(np.sqrt(np.nansum(np.abs(flat.astype(np.complex128)) ** 2)))
    return f"shape {tuple(shape)}, norm {norm:.4g}{suffix}"
