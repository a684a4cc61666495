"""``torch.testing.assert_close`` with PyTorch's default tolerances per dtype."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor

# (rtol, atol) by dtype, from PyTorch's documentation of assert_close.
_TOLERANCES = {"float16": (1e-3, 1e-5), "float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7)}


def _array(value):
    return value.detach()._data if isinstance(value, Tensor) else np.asarray(value)


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None, equal_nan=False,
                 check_device=True, check_dtype=True, check_layout=True, check_stride=False, msg=None):
    if isinstance(actual, (list, tuple)) and isinstance(expected, (list, tuple)):
        for a, e in zip(actual, expected):
            assert_close(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=check_dtype, msg=msg)
        return
    a, e = _array(actual), _array(expected)
    if a.shape != e.shape:
        raise AssertionError(msg or f"The values for attribute 'shape' do not match: {a.shape} != {e.shape}.")
    if check_dtype and a.dtype != e.dtype:
        raise AssertionError(msg or f"The values for attribute 'dtype' do not match: torch.{a.dtype} != torch.{e.dtype}.")
    default_rtol, default_atol = _TOLERANCES.get(a.dtype.name, (0.0, 0.0))
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    close = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if not np.all(close):
        bad = int(np.size(close) - np.count_nonzero(close))
        kind = "Tensor-likes" if a.ndim else "Scalars"
        raise AssertionError(msg or f"{kind} are not close!\n\nMismatched elements: {bad} / {np.size(close)} "
                             f"({100.0 * bad / max(np.size(close), 1):.1f}%)")
