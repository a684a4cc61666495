"""The gradient vector v typed for a non-scalar root under the torch backend (issue 12: "as for the
engine"): an expression in the script's namespace with the real torch, not only literal numbers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gradviz.kernel.gradient_vector import GradientVectorError
from gradviz.kernel.torch_gradient_vector import parse_torch_gradient

ROOT = torch.zeros(2, 3, dtype=torch.float64)


def test_expressions_lists_ones_and_the_scripts_names():
    v = parse_torch_gradient("torch.linspace(0, 1, 6).reshape(2, 3)", ROOT, {})
    assert isinstance(v, np.ndarray) and v.dtype == np.float32 and v.shape == (2, 3) and v[1, 2] == 1.0
    assert parse_torch_gradient("[[1, 2, 3], [4, 5, 6]]", ROOT).tolist() == [[1, 2, 3], [4, 5, 6]]
    ones = parse_torch_gradient("ones", ROOT)
    assert ones.dtype == np.float64 and (ones == 1).all()
    scale = torch.tensor(3.0)
    assert (parse_torch_gradient("ones * scale", ROOT, {"scale": scale}) == 3).all()


@pytest.mark.parametrize("text, message", [
    ("", "No gradient v given. The root has shape [2, 3]"),
    ("torch.ones(", "is not a Python expression"),
    ("undefined_name", "raised NameError"),
    ("'abc'", "gives a str"),
    ("[[1, 2], [3]]", "is not a rectangular array"),
])
def test_unusable_text_says_why(text, message):
    with pytest.raises(GradientVectorError, match=None) as caught:
        parse_torch_gradient(text, ROOT, {})
    assert message in str(caught.value)
