"""Render tensors the way PyTorch's ``repr``/``str`` does, character for character.

This module reproduces the *observable* output of PyTorch's tensor printing
(``torch/_tensor_str.py`` in PyTorch 2.13) for dense CPU tensors, using only numpy:

* one shared element width per tensor, chosen from the values that are actually shown
  (the edge items when the tensor is summarized);
* three float notations: "integer" (``1.``), fixed (``0.1000``) and scientific
  (``1.0000e-05``), picked from the smallest/largest non-zero finite magnitudes;
* line wrapping at ``linewidth`` with continuation lines indented under the first
  element, ``...`` summarization above ``threshold`` elements, and the trailing
  ``dtype=`` / ``grad_fn=`` / ``requires_grad=`` suffixes, moved onto their own line
  when they would overflow it.

It deliberately imports nothing from the rest of ``engine`` so it can be loaded standalone.
"""

# No ``from __future__ import annotations``: with string annotations, @dataclass looks the
# module up in sys.modules, which breaks loading this file standalone via importlib.
import contextlib
import dataclasses
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = ["format_tensor", "get_printoptions", "printoptions", "set_printoptions"]


@dataclasses.dataclass
class _PrintOptions:
    """Global print options; field names and defaults are PyTorch's."""

    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


_PRINT_OPTS = _PrintOptions()

# profile name -> (precision, threshold, edgeitems, linewidth)
_PROFILES: dict[str, tuple[int, float, int, int]] = {
    "default": (4, 1000, 3, 80),
    "short": (2, 1000, 2, 80),
    "full": (4, math.inf, 3, 80),
}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set printing options, with the semantics of ``torch.set_printoptions``.

    ``profile`` ('default', 'short' or 'full') is applied first, then any explicit
    option overrides it.  An unknown profile name is ignored, as PyTorch does.
    ``sci_mode`` is always assigned, so omitting it resets it to automatic (``None``):
    PyTorch behaves the same way, and ``set_printoptions(profile='default')`` therefore
    restores every default.
    """
    if profile is not None and profile in _PROFILES:
        (
            _PRINT_OPTS.precision,
            _PRINT_OPTS.threshold,
            _PRINT_OPTS.edgeitems,
            _PRINT_OPTS.linewidth,
        ) = _PROFILES[profile]
    if precision is not None:
        _PRINT_OPTS.precision = precision
    if threshold is not None:
        _PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        _PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        _PRINT_OPTS.linewidth = linewidth
    _PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """Return the current options as a dict that ``set_printoptions(**d)`` accepts."""
    return dataclasses.asdict(_PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs: Any) -> Iterator[None]:
    """Temporarily change print options (like ``torch._tensor_str.printoptions``)."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


# --------------------------------------------------------------------------- dtypes

# Aliases accepted in ``dtype_name``; PyTorch itself always prints the canonical name.
_DTYPE_ALIASES: dict[str, str] = {
    "torch.float": "torch.float32",
    "torch.double": "torch.float64",
    "torch.half": "torch.float16",
    "torch.long": "torch.int64",
    "torch.int": "torch.int32",
    "torch.short": "torch.int16",
    "torch.cfloat": "torch.complex64",
    "torch.cdouble": "torch.complex128",
}

# Storage type used for the values.  Casting to it makes the output depend on the
# torch dtype only (e.g. a float32 tensor is formatted from its float32 values even if
# the caller hands over float64 data).  bfloat16 has no numpy equivalent: its values
# are taken as given.
_NUMPY_DTYPES: dict[str, np.dtype] = {
    name: np.dtype(np_type)
    for name, np_type in {
        "torch.float16": np.float16,
        "torch.float32": np.float32,
        "torch.float64": np.float64,
        "torch.complex64": np.complex64,
        "torch.complex128": np.complex128,
        "torch.int8": np.int8,
        "torch.int16": np.int16,
        "torch.int32": np.int32,
        "torch.int64": np.int64,
        "torch.uint8": np.uint8,
        "torch.uint16": np.uint16,
        "torch.uint32": np.uint32,
        "torch.uint64": np.uint64,
        "torch.bool": np.bool_,
    }.items()
}


def _is_complex(dtype_name: str) -> bool:
    return dtype_name.startswith("torch.complex")


def _is_real_floating(dtype_name: str) -> bool:
    return dtype_name.startswith(("torch.float", "torch.bfloat"))


# --------------------------------------------------------------------------- formatters


class _Formatter:
    """Chooses the notation and common width for one real-valued tensor, then formats values.

    The decision is made once from all the values that will be displayed, so every
    element of a printed tensor shares the same notation and is right-aligned to the
    same width.
    """

    def __init__(self, values: np.ndarray, floating: bool) -> None:
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.reshape(-1)

        if not floating:
            # str() of an integer grows with its magnitude, so the extremes are widest.
            if flat.size:
                extremes = (flat.min().item(), flat.max().item())
                self.max_width = max(self.max_width, *(len(str(v)) for v in extremes))
            return

        # Zeros, nan and inf say nothing about the scale of the data, so only the
        # non-zero finite values drive the choice of notation and the width.
        shown = flat[np.isfinite(flat) & (flat != 0)]
        if shown.size == 0:
            return

        # Magnitude statistics in float64, so that float16/float32 never overflow.
        magnitudes = np.abs(shown).astype(np.float64)
        smallest, largest = magnitudes.min(), magnitudes.max()

        # Floats that all hold whole numbers are printed as "3." (no decimals).
        self.int_mode = bool(np.all(shown == np.ceil(shown)))

        if _PRINT_OPTS.sci_mode is None:
            with np.errstate(over="ignore"):  # largest/smallest may overflow to inf: still "> 1000"
                ratio = largest / smallest
            self.sci_mode = bool(ratio > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4)
        else:
            self.sci_mode = bool(_PRINT_OPTS.sci_mode)

        # The printed length only grows with the magnitude (rounding is monotonic, the
        # exponent gets a third digit only at the extremes), so the widest string comes
        # from the smallest or largest value of either sign: format just those.
        positive, negative = shown[shown > 0], shown[shown < 0]
        candidates = [
            float(v) for part in (positive, negative) if part.size for v in (part.min(), part.max())
        ]
        precision = _PRINT_OPTS.precision
        for value in candidates:
            if self.sci_mode:
                width = len(f"{value:.{precision}e}")
            elif self.int_mode:
                width = len(f"{value:.0f}") + 1  # + 1 for the trailing "."
            else:
                width = len(f"{value:.{precision}f}")
            self.max_width = max(self.max_width, width)

    def width(self) -> int:
        return self.max_width

    def format(self, value: float | int | bool) -> str:
        """Format one Python scalar, right-aligned to the common width."""
        if self.floating:
            if self.sci_mode:
                text = f"{value:.{_PRINT_OPTS.precision}e}"
            elif self.int_mode:
                text = f"{value:.0f}"
                # The "." marks the tensor as floating; nan/inf need no such hint.
                if not (math.isinf(value) or math.isnan(value)):
                    text += "."
            else:
                text = f"{value:.{_PRINT_OPTS.precision}f}"
        else:
            text = str(value)
        return text.rjust(self.max_width)


class _ComplexFormatter:
    """Formats complex values as ``real+imagj`` with independent real/imag formatters."""

    def __init__(self, values: np.ndarray) -> None:
        self.real = _Formatter(values.real, floating=True)
        self.imag = _Formatter(values.imag, floating=True)

    def width(self) -> int:
        # The imaginary part carries an extra "j".
        return self.real.width() + self.imag.width() + 1

    def format(self, value: complex) -> str:
        real_text = self.real.format(value.real)
        # The imaginary part is padded like a real column, but is glued to the real
        # part, so its padding is dropped.
        imag_text = (self.imag.format(value.imag) + "j").lstrip()
        if imag_text[0] in "+-":
            return real_text + imag_text
        return real_text + "+" + imag_text


_AnyFormatter = _Formatter | _ComplexFormatter


# --------------------------------------------------------------------------- layout


def _summarized_values(arr: np.ndarray) -> np.ndarray:
    """Return only the values that a summarized print shows (edge items of every axis)."""
    edge = _PRINT_OPTS.edgeitems
    if arr.ndim == 0:
        return arr
    if arr.ndim >= 2 and edge == 0:
        # Nothing but "..." is shown.
        return arr[(slice(0, 0),) * arr.ndim]
    if arr.ndim == 1 and edge == 0:
        # PyTorch concatenates t[:0] and t[-0:], i.e. the whole vector; keep that quirk
        # because it decides the width of the (otherwise unshown) values.
        return arr
    for axis, size in enumerate(arr.shape):
        if size > 2 * edge:
            keep = np.r_[0:edge, size - edge : size]
            arr = np.take(arr, keep, axis=axis)
    return arr


def _vector_str(arr: np.ndarray, indent: int, summarize: bool, formatter: _AnyFormatter) -> str:
    """Format a 1-D array, wrapping so each line fits ``linewidth`` after ``indent`` columns."""
    opts = _PRINT_OPTS
    element_length = formatter.width() + 2  # ", " separator
    per_line = max(1, math.floor((opts.linewidth - indent) / element_length))

    edge = opts.edgeitems
    if summarize and not edge:
        items = ["..."]
    elif summarize and arr.shape[0] > 2 * edge:
        # " ..." keeps the ellipsis visually separated like an element.
        items = (
            [formatter.format(v) for v in arr[:edge].tolist()]
            + [" ..."]
            + [formatter.format(v) for v in arr[-edge:].tolist()]
        )
    else:
        items = [formatter.format(v) for v in arr.tolist()]

    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(arr: np.ndarray, indent: int, summarize: bool, formatter: _AnyFormatter) -> str:
    """Format an array of any rank; each nesting level indents one more column."""
    if arr.ndim == 0:
        return formatter.format(arr.item())
    if arr.ndim == 1:
        return _vector_str(arr, indent, summarize, formatter)

    edge = _PRINT_OPTS.edgeitems
    size = arr.shape[0]
    if summarize and size > 2 * edge:
        slices = (
            [_nested_str(arr[i], indent + 1, summarize, formatter) for i in range(edge)]
            + ["..."]
            + [
                _nested_str(arr[i], indent + 1, summarize, formatter)
                for i in range(size - edge, size)
            ]
        )
    else:
        slices = [_nested_str(arr[i], indent + 1, summarize, formatter) for i in range(size)]

    # Sub-blocks of rank >= 2 are separated by blank lines (ndim - 1 newlines in total).
    separator = "," + "\n" * (arr.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(slices) + "]"


def _body_str(arr: np.ndarray, indent: int, dtype_name: str) -> str:
    """The bracketed values of a non-empty tensor, without the ``tensor(`` prefix."""
    summarize = arr.size > _PRINT_OPTS.threshold
    sample = _summarized_values(arr) if summarize else arr
    formatter: _AnyFormatter
    if _is_complex(dtype_name):
        formatter = _ComplexFormatter(sample)
    else:
        formatter = _Formatter(sample, floating=_is_real_floating(dtype_name))
    return _nested_str(arr, indent, summarize, formatter)


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """Append ``, suffix`` items, starting a new indented line when one would not fit."""
    parts = [text]
    # PyTorch's measure of the current line: 2 more than its length on the first line
    # (rfind returns -1) and 1 more on later lines.  Reproduced as is, since it decides
    # where the suffixes wrap.
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > _PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def format_tensor(
    data: np.ndarray,
    *,
    dtype_name: str,
    is_default_dtype: bool,
    grad_fn_name: str | None = None,
    requires_grad: bool = False,
) -> str:
    """Return what PyTorch prints for a tensor with these values.

    Args:
        data: the tensor's values (any shape, including 0-d and empty).
        dtype_name: the torch dtype name, e.g. ``'torch.float32'``, ``'torch.int64'``.
        is_default_dtype: True when PyTorch omits ``dtype=`` for a non-empty tensor
            (the default float dtype, int64, bool, or the default complex dtype).
            Empty tensors follow PyTorch's stricter rule: ``dtype=`` is shown unless the
            dtype is the default *float* dtype.
        grad_fn_name: e.g. ``'SinBackward0'``, appended as ``grad_fn=<SinBackward0>``.
        requires_grad: for a leaf (``grad_fn_name is None``) appends ``requires_grad=True``.
    """
    dtype_name = _DTYPE_ALIASES.get(dtype_name, dtype_name)
    arr = np.asarray(data)
    np_dtype = _NUMPY_DTYPES.get(dtype_name)
    if np_dtype is not None and arr.dtype != np_dtype:
        arr = arr.astype(np_dtype)

    prefix = "tensor("
    indent = len(prefix)
    suffixes: list[str] = []
    if arr.size == 0:
        # Shape (0,) is implied by "[]"; any other empty shape is spelled out.
        if arr.ndim != 1:
            suffixes.append(f"size={tuple(arr.shape)}")
        # No values to tell int64 from float apart, so only the default float dtype
        # goes without a dtype= suffix.
        if not (is_default_dtype and _is_real_floating(dtype_name)):
            suffixes.append(f"dtype={dtype_name}")
        body = "[]"
    else:
        if not _PRINT_OPTS.edgeitems:
            # With edgeitems=0 no value is shown, so PyTorch reports the shape instead.
            suffixes.append(f"size={tuple(arr.shape)}")
        if not is_default_dtype:
            suffixes.append(f"dtype={dtype_name}")
        body = _body_str(arr, indent, dtype_name)

    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")

    return _add_suffixes(prefix + body, suffixes, indent)
