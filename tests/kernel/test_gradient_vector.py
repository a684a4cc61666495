"""The kernel side of the "gradient v" field: parsing the user's text into v (engine tensors)."""

from __future__ import annotations

import numpy as np
import pytest

import engine as torch
from gradviz.kernel.gradient_vector import (
    IMPLICIT_GRAD_MESSAGE,
    GradientVectorError,
    parse_gradient,
)


def vector_example():
    torch.manual_seed(0)
    x = torch.randn(3, requires_grad=True)
    y = x * 2
    while y.data.norm() < 1000:
        y = y * 2
    return x, y


def test_missing_v_message_explains_pytorchs_error():
    x, y = vector_example()
    with pytest.raises(RuntimeError, match=IMPLICIT_GRAD_MESSAGE):
        y.backward()  # what the message explains
    with pytest.raises(GradientVectorError) as info:
        parse_gradient("   ", y)
    text = str(info.value)
    assert IMPLICIT_GRAD_MESSAGE in text and "[3]" in text and "vᵀJ" in text


def test_evaluation_does_not_change_the_script_namespace():
    x, y = vector_example()
    namespace = {"torch": torch, "k": 2.0}
    v = parse_gradient("[k, (j := 3.0), 1.0]", y, namespace)
    np.testing.assert_array_equal(v.numpy(), np.array([2.0, 3.0, 1.0], dtype=np.float32))
    assert "j" not in namespace and "ones" not in namespace
