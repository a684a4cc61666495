"""Inside the kernel, torch backend: the vector v of ``root.backward(v)`` from the user's text.

The same rules as the engine's :func:`gradviz.kernel.gradient_vector.parse_gradient` (the Backward
dock's field and ``gradviz export --gradient``): a Python expression evaluated in the script's
namespace on a copy, with ``torch`` the real torch, ``np``, ``math`` and ``ones``
(``torch.ones_like(root)``) unless the script defines those names itself. A tensor is used as it
is; a list, number or numpy array is taken as numbers. The answer is a numpy array: the stepper
makes it a tensor of the root's dtype and device, and ``backward`` checks the shape with its own
message.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .gradient_vector import GradientVectorError, evaluate_gradient_text
from .step_messages import IMPLICIT_GRAD_MESSAGE
from .torch_stepping import to_numpy


def missing_vector_message(root: torch.Tensor) -> str:
    shape = list(root.shape)
    return (f"No gradient v given. The root has shape {shape}, and for it PyTorch's root.backward() "
            f"raises RuntimeError: {IMPLICIT_GRAD_MESSAGE}. Give v with shape {shape}, e.g. ones "
            "(v = torch.ones_like(root): the gradient of root.sum()).")


def parse_torch_gradient(text: str, root: torch.Tensor, namespace: dict | None = None) -> np.ndarray:
    """Evaluate ``text`` to v (module docstring); :class:`GradientVectorError` when unusable."""
    scope = {"torch": torch, "np": np, "math": math, "ones": torch.ones_like(root)}
    source, value = evaluate_gradient_text(text, scope, namespace, missing_vector_message(root))
    if isinstance(value, torch.Tensor):
        return to_numpy(value)
    if isinstance(value, (str, bytes, dict, set)):
        raise GradientVectorError(f"v = {source} gives a {type(value).__name__}, not a tensor or a list of numbers.")
    try:
        data = np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged nested lists
        raise GradientVectorError(f"v = {source} is not a rectangular array of numbers: {exc}") from None
    if data.dtype.kind not in "biuf":
        raise GradientVectorError(f"v = {source} gives a {type(value).__name__}, not a tensor or a list of numbers.")
    return data
