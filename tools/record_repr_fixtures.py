"""Record PyTorch's tensor reprs as fixtures for ``tests/engine/test_tensor_str.py``.

Run with PyTorch installed (the tests themselves never import torch):

    python tools/record_repr_fixtures.py

Each case stores the tensor's values, shape, dtype, ``grad_fn`` name, ``requires_grad``
flag, the print options in force (only when not the defaults) and ``repr(tensor)``.
Values are stored as JSON numbers.  float16/float32 values are written in their
shortest round-tripping decimal form (``0.1`` rather than ``0.10000000149011612``) to
keep the file small; the recorder checks that casting each one back to its dtype gives
the identical number, so the tests rebuild bit-exact arrays.  Non-finite values use
Python's JSON extension (``NaN``, ``Infinity``), which ``json.load`` reads.  Complex
tensors store their real and imaginary parts separately.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import torch

OUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "repr_cases.json"

# dtypes PyTorch prints without a dtype= suffix (with the default float32 default dtype)
_DEFAULT_DTYPES = (torch.float32, torch.int64, torch.bool, torch.complex64)


def _float_values(t: torch.Tensor) -> list:
    """Nested list of the shortest decimals that cast back exactly to ``t``'s values."""
    arr = t.numpy()
    if arr.dtype == np.float64:
        return arr.tolist()  # repr of a float64 already round-trips
    # str() of a numpy float32/float16 scalar is its shortest round-tripping decimal.
    # (Iterating a numpy array yields numpy scalars, which keep their own dtype.)
    short = np.array([float(str(v)) for v in arr.reshape(-1)], dtype=np.float64)
    short = short.reshape(arr.shape)
    back = short.astype(arr.dtype)
    same = (back == arr) | (np.isnan(back) & np.isnan(arr))
    # Also compare the sign bits so -0.0 survives.
    assert same.all() and (np.signbit(back) == np.signbit(arr)).all(), "lossy float value"
    return short.tolist()


def _record(name: str, t: torch.Tensor, printoptions: dict[str, Any] | None = None) -> dict:
    """Describe one tensor and capture its repr under the given print options."""
    torch.set_printoptions(profile="default")
    if printoptions:
        torch.set_printoptions(**printoptions)
    try:
        text = repr(t)
    finally:
        torch.set_printoptions(profile="default")

    values = t.detach()
    case: dict[str, Any] = {
        "name": name,
        "dtype": str(t.dtype),
        "shape": list(t.shape),
        "is_default_dtype": t.dtype in _DEFAULT_DTYPES,
        "grad_fn": type(t.grad_fn).__name__ if t.grad_fn is not None else None,
        "requires_grad": bool(t.requires_grad),
        "printoptions": printoptions or None,
        "expected": text,
    }
    if t.dtype.is_complex:
        case["values_real"] = _float_values(values.real)
        case["values_imag"] = _float_values(values.imag)
    elif t.dtype.is_floating_point:
        case["values"] = _float_values(values)
    else:
        case["values"] = values.tolist()
    return case


def build_cases() -> list[dict]:
    rs = np.random.RandomState(1234)

    def randn(*shape: int, scale: float = 1.0) -> torch.Tensor:
        return torch.from_numpy((rs.standard_normal(shape) * scale).astype(np.float32))

    def randn_short(*shape: int) -> torch.Tensor:
        """Normal values rounded to 3 decimals: large summarized cases stay small on disk."""
        return torch.from_numpy(rs.standard_normal(shape).round(3).astype(np.float32))

    cases: list[dict] = []

    def add(name: str, t: torch.Tensor, printoptions: dict[str, Any] | None = None) -> None:
        cases.append(_record(name, t, printoptions))

    # --- "Fundamentals of Autograd" tutorial -----------------------------------------
    a = torch.linspace(0.0, 2.0 * math.pi, steps=25, requires_grad=True)
    b = torch.sin(a)
    c = 2 * b
    d = c + 1
    out = d.sum()
    add("tutorial_linspace_requires_grad", a)
    add("tutorial_sin", b)
    add("tutorial_mul2", c)
    add("tutorial_add1", d)
    add("tutorial_sum", out)
    out.backward()
    add("tutorial_a_grad", a.grad)
    ones = torch.ones(2, 3, requires_grad=True)
    add("tutorial_ones_requires_grad", ones)
    add("tutorial_ones_mul2", 2 * ones)
    add("tutorial_ones_mul2_detached", 2 * ones.detach())
    add("tutorial_ones_add", ones + torch.ones(2, 3))
    x = randn(5).requires_grad_(True)
    add("tutorial_rand5_requires_grad", x)
    add("tutorial_rand5_detach", x.detach())
    y = randn(3).requires_grad_(True) * 2
    while y.norm() < 1000:
        y = y * 2
    add("tutorial_mul_loop", y)
    add("tutorial_v", torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float))
    w = randn(10, 100).requires_grad_(True)
    add("tutorial_weight_slice", w[0][0:10])
    add("tutorial_jacobian_a", torch.tensor([[5.1150, 0.0], [0.0, 5.1150]]))
    add("tutorial_jacobian_b", torch.tensor([[3.0, 0.0], [0.0, 3.0]]))

    # --- 0-d tensors -------------------------------------------------------------------
    add("scalar_sum_grad", torch.tensor([12.0, 13.0], requires_grad=True).sum())
    add("scalar_int", torch.tensor(3))
    add("scalar_bool_true", torch.tensor(True))
    add("scalar_bool_false", torch.tensor(False))
    add("scalar_point1", torch.tensor(0.1))
    add("scalar_negative", torch.tensor(-2.5))
    add("scalar_small_sci", torch.tensor(1e-5))
    add("scalar_large_sci", torch.tensor(1.5e10))
    add("scalar_nan", torch.tensor(float("nan")))
    add("scalar_neg_inf", torch.tensor(float("-inf")))
    add("scalar_neg_zero", torch.tensor(-0.0))
    add("scalar_float64", torch.tensor(1.0 / 3.0, dtype=torch.float64))
    add("scalar_float64_requires_grad", torch.tensor(2.0, dtype=torch.float64, requires_grad=True))
    add("scalar_int32", torch.tensor(-7, dtype=torch.int32))

    # --- float notation, widths, special values ---------------------------------------
    add("vec_int_valued", torch.tensor([1.0, 2.0, 3.0]))
    add("vec_negative_mixed", torch.tensor([-1.5, 2.25, 3.0, -100.125]))
    add("vec_round_up_width", torch.tensor([9.99996, 1.0, -0.5]))
    add("vec_nan_inf", torch.tensor([float("nan"), 1.0, float("inf"), -2.0]))
    add("vec_nan_frac", torch.tensor([float("nan"), 0.5]))
    add("vec_inf_only", torch.tensor([float("inf"), float("-inf")]))
    add("vec_nan_zero", torch.tensor([float("nan"), 0.0]))
    add("vec_zeros", torch.zeros(4))
    add("vec_signed_zeros", torch.tensor([0.0, -0.0, 1.0]))
    add("vec_sci_small", torch.tensor([1e-5, 1.0, 0.5]))
    add("vec_sci_ratio", torch.tensor([0.001, 2.5]))
    add("vec_sci_large", torch.tensor([1.5e8, 1.0]))
    add("vec_int_valued_sci_ratio", torch.tensor([1.0, 10000.0]))
    add("vec_int_valued_big", torch.tensor([123456789.0, -3.0]))
    add("vec_int_valued_no_sci", torch.tensor([1.0, 1000.0, -20.0]))
    add("vec_sci_nan", torch.tensor([1e-8, float("nan"), -3e5]))
    add("vec_float64_extreme_exponents", torch.tensor([1e-300, 1e300, -5.0], dtype=torch.float64))
    add("vec_float64_precise", torch.tensor([0.1, 0.2, 0.3], dtype=torch.float64))
    add("vec_float16", torch.tensor([0.1, 1.5, -3.25], dtype=torch.float16))
    add("vec_random_unit", randn(6))
    add("vec_random_wide", randn(8, scale=1000.0))

    # --- wrapping and suffix placement ------------------------------------------------
    add("vec_wrap_30", randn(30))
    add("vec_wrap_100_requires_grad", randn(100).requires_grad_(True))
    add("vec_wrap_float64_grad", (randn(17).double().requires_grad_(True) * 3))
    add("vec_suffix_just_fits", torch.arange(11.0).requires_grad_(True))
    add("vec_suffix_wraps", torch.arange(1.0, 13.0).requires_grad_(True))
    add(
        "vec_dtype_and_grad_wrap", (torch.arange(9.0, dtype=torch.float64).requires_grad_(True) + 1)
    )
    add(
        "vec_dtype_and_requires_grad",
        torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True),
    )
    add("vec_int_wrap", torch.arange(-40, 40, 3))

    # --- 2-D and higher ---------------------------------------------------------------
    add("mat_ones", torch.ones(2, 3))
    add("mat_random", randn(3, 4))
    add("mat_wrapped_rows", randn(4, 20))
    add("mat_grad_fn", randn(3, 3).requires_grad_(True).exp())
    add("mat_float64", randn(2, 2).double())
    add("mat_sci", randn(3, 3, scale=1e-6))
    add("tensor3d", randn(2, 3, 4))
    add("tensor4d", randn(2, 2, 2, 2))
    add("tensor3d_int", torch.from_numpy(rs.randint(-50, 50, size=(2, 2, 3)).astype(np.int64)))
    add("mat_single_row", randn(1, 5))
    add("mat_single_col", randn(5, 1))

    # --- integers and booleans -------------------------------------------------------
    add("int64_vec", torch.tensor([1, -200, 3]))
    add("int64_mat", torch.from_numpy(rs.randint(0, 1000, size=(3, 5)).astype(np.int64)))
    add("int64_large", torch.tensor([2**62, -(2**40), 7]))
    add("int32_vec", torch.tensor([1, 2, 3], dtype=torch.int32))
    add("uint8_vec", torch.tensor([0, 128, 255], dtype=torch.uint8))
    add("int16_mat", torch.tensor([[1, -2], [300, 4]], dtype=torch.int16))
    add("bool_vec", torch.tensor([True, False, True]))
    add("bool_mat", torch.from_numpy(rs.rand(3, 4) > 0.5))

    # --- summarization ------------------------------------------------------------------
    add("summ_vec_1200", randn_short(1200))
    add("summ_arange_float", torch.arange(1001.0))
    add("summ_int64", torch.arange(2000))
    add("summ_bool", torch.from_numpy(rs.rand(1500) > 0.5))
    add("summ_mat_40x40", randn_short(40, 40))
    add("summ_3d", randn_short(11, 10, 10))
    add("summ_4d", randn_short(5, 5, 5, 9))
    add("summ_tall", randn_short(1001, 1))
    add("summ_wide", randn_short(1, 1001))
    add("summ_grad", (randn_short(40, 30).requires_grad_(True) * 2))
    add("no_summ_1000", torch.arange(1000) % 7)

    # --- empty tensors -----------------------------------------------------------------
    add("empty_1d", torch.tensor([]))
    add("empty_0x3", torch.zeros(0, 3))
    add("empty_2x0", torch.zeros(2, 0))
    add("empty_int64", torch.tensor([], dtype=torch.int64))
    add("empty_bool_2d", torch.zeros(0, 2, dtype=torch.bool))
    add("empty_float64", torch.tensor([], dtype=torch.float64))
    add("empty_requires_grad", torch.zeros(0, requires_grad=True))

    # --- complex ----------------------------------------------------------------------
    add("complex_vec", torch.tensor([1 + 2j, -0.5 - 1j]))
    add("complex_scalar", torch.tensor(0.25 - 3j, dtype=torch.complex128))

    # --- print options -----------------------------------------------------------------
    add("opt_precision2", randn(5), {"precision": 2})
    add(
        "opt_precision8_float64",
        torch.tensor([1.0 / 3, 2.0 / 3], dtype=torch.float64),
        {"precision": 8},
    )
    add("opt_sci_true", torch.tensor([1.0, 2.5, -3.0]), {"sci_mode": True})
    add("opt_sci_false", torch.tensor([1e-5, 1.0, 12345.678]), {"sci_mode": False})
    add("opt_sci_true_int_valued", torch.tensor([1.0, 200.0]), {"sci_mode": True})
    add("opt_profile_short", randn(3, 6), {"profile": "short"})
    add("opt_profile_short_summ", randn_short(1200), {"profile": "short"})
    add("opt_profile_full", randn_short(1100), {"profile": "full"})
    add("opt_threshold5", torch.arange(10), {"threshold": 5})
    add("opt_threshold5_mat", torch.arange(20.0).reshape(4, 5), {"threshold": 5})
    add("opt_edgeitems1", randn_short(3, 400), {"edgeitems": 1})
    add("opt_linewidth120", randn(40), {"linewidth": 120})
    add("opt_linewidth40_grad", randn(6).requires_grad_(True).sin(), {"linewidth": 40})
    add("opt_edgeitems0", torch.arange(10.0), {"edgeitems": 0, "threshold": 5})
    return cases


def main() -> None:
    cases = build_cases()
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    OUT.parent.mkdir(parents=True, exist_ok=True)
    # One case per line: compact, yet diffs stay readable case by case.
    OUT.write_text("[\n" + ",\n".join(json.dumps(case) for case in cases) + "\n]\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
