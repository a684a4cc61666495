"""``engine._tensor_str`` must print tensors exactly like PyTorch.

The expected strings were recorded from PyTorch by ``tools/record_repr_fixtures.py``;
these tests never import torch.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engine._tensor_str import format_tensor, get_printoptions, set_printoptions

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "repr_cases.json"
CASES: list[dict[str, Any]] = json.loads(FIXTURES.read_text())

NUMPY_DTYPES = {
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
    "torch.bool": np.bool_,
}

DEFAULTS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}


def _array(case: dict[str, Any]) -> np.ndarray:
    """Rebuild the recorded tensor values with the numpy dtype matching its torch dtype."""
    dtype = NUMPY_DTYPES[case["dtype"]]
    shape = tuple(case["shape"])
    if "values_real" in case:
        real = np.array(case["values_real"], dtype=np.float64).reshape(shape)
        imag = np.array(case["values_imag"], dtype=np.float64).reshape(shape)
        return (real + 1j * imag).astype(dtype)
    # Stored floats are exact decimals of the float16/32/64 values, so parsing them as
    # float64 and casting restores the identical numbers; integers and bools load as is.
    # reshape() is needed for empty tensors, whose nested lists lose the shape.
    if np.issubdtype(dtype, np.floating):
        return np.array(case["values"], dtype=np.float64).astype(dtype).reshape(shape)
    return np.array(case["values"], dtype=dtype).reshape(shape)


@pytest.fixture(autouse=True)
def _default_printoptions() -> Iterator[None]:
    """Every test starts and ends with PyTorch's default print options."""
    set_printoptions(profile="default")
    yield
    set_printoptions(profile="default")


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_matches_pytorch_repr(case: dict[str, Any]) -> None:
    if case["printoptions"]:
        set_printoptions(**case["printoptions"])
    text = format_tensor(
        _array(case),
        dtype_name=case["dtype"],
        is_default_dtype=case["is_default_dtype"],
        grad_fn_name=case["grad_fn"],
        requires_grad=case["requires_grad"],
    )
    assert text == case["expected"]


def test_fixture_covers_required_cases() -> None:
    names = {c["name"] for c in CASES}
    assert len(CASES) >= 80
    for required in (
        "tutorial_sin",
        "tutorial_sum",
        "empty_0x3",
        "summ_vec_1200",
        "scalar_bool_true",
    ):
        assert required in names


def test_get_printoptions_defaults() -> None:
    assert get_printoptions() == DEFAULTS


def test_set_printoptions_profiles_and_restore() -> None:
    set_printoptions(profile="short")
    assert get_printoptions() == {**DEFAULTS, "precision": 2, "edgeitems": 2}
    set_printoptions(profile="full")
    assert get_printoptions()["threshold"] == float("inf")
    # An explicit option overrides the profile it is combined with.
    set_printoptions(profile="short", precision=6)
    assert get_printoptions()["precision"] == 6
    set_printoptions(profile="default")
    assert get_printoptions() == DEFAULTS


def test_set_printoptions_changes_output_and_restores() -> None:
    values = np.array([1.0 / 3.0, 2.0], dtype=np.float32)

    def show() -> str:
        return format_tensor(values, dtype_name="torch.float32", is_default_dtype=True)

    assert show() == "tensor([0.3333, 2.0000])"
    set_printoptions(precision=2)
    assert show() == "tensor([0.33, 2.00])"
    set_printoptions(sci_mode=True)  # precision stays 2; sci_mode is set
    assert show() == "tensor([3.33e-01, 2.00e+00])"
    # Omitting sci_mode resets it to automatic, as in PyTorch.
    set_printoptions(precision=4)
    assert get_printoptions()["sci_mode"] is None
    assert show() == "tensor([0.3333, 2.0000])"


def test_get_printoptions_round_trips() -> None:
    set_printoptions(precision=7, linewidth=100, sci_mode=False)
    saved = get_printoptions()
    set_printoptions(profile="default")
    set_printoptions(**saved)
    assert get_printoptions() == {**DEFAULTS, "precision": 7, "linewidth": 100, "sci_mode": False}


def test_float32_values_formatted_as_float32() -> None:
    # float64 input labelled float32 is cast first, so 0.1 prints from float32's 0.1.
    text = format_tensor(np.float64(0.1), dtype_name="torch.float32", is_default_dtype=True)
    assert text == "tensor(0.1000)"
