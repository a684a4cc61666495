"""The vector v of ``root.backward(v)``, typed by the user as an expression.

PyTorch creates the starting gradient implicitly only for a single-number root; any other root
needs v, the vector of the vector-Jacobian product vᵀJ. The Backward dock lets the user type it the
way the tutorial writes it (``torch.tensor([0.1, 1.0, 0.0001])``), as a plain list, or as ``ones``,
evaluated in the script's namespace so the script's own variables can be used.
"""

from __future__ import annotations

import math

import numpy as np

import engine
from engine._tensor import Tensor, _make
from gradviz.kernel.stepping import IMPLICIT_GRAD_MESSAGE


class GradientVectorError(ValueError):
    """The text does not give a usable v; ``str(error)`` is the message for the user."""


def default_gradient_text(root: Tensor) -> str:
    """``torch.ones(3)``: ones of the root's shape, written as an expression the user can edit.

    The dtype is left out: like PyTorch, backward casts a real v to the root's dtype.
    """
    shape = root._data.shape
    return f"torch.ones({', '.join(map(str, shape))})" if shape else "torch.tensor(1.0)"


def missing_vector_message(root: Tensor) -> str:
    """Why a non-scalar root needs v: PyTorch's error for ``root.backward()``, explained."""
    shape = list(root._data.shape)
    return (
        f"No gradient v given. The root has shape {shape}, and for it PyTorch's root.backward() "
        f"raises RuntimeError: {IMPLICIT_GRAD_MESSAGE}. Backward computes vᵀJ, the vector v times "
        "the Jacobian of the root; only for a single-number root is v = 1 implied. Give v with "
        f"shape {shape}, e.g. ones (v = torch.ones_like(root): the gradient of root.sum())."
    )


def parse_gradient(text: str, root: Tensor, namespace: dict | None = None) -> Tensor:
    """Evaluate ``text`` to v for ``root.backward(v)``.

    ``text`` is a Python expression evaluated with the script's ``namespace`` (its globals; the
    evaluation works on a copy, so the script's variables are not changed), where ``torch`` is the
    engine and ``ones`` is ``torch.ones_like(root)`` unless the script defines those names itself.
    A Tensor is used as it is; a list, number or numpy array becomes a tensor of the root's dtype
    (a convenience: PyTorch's backward takes only tensors). The shape is not checked here:
    the stepper (the engine's ``iter_backward``) applies PyTorch's own check and message.

    Raises :class:`GradientVectorError` for an empty text, an expression that fails or gives
    None, or a value that is not numbers.
    """
    scope = {
        "torch": engine,
        "np": np,
        "math": math,
        "ones": _make(np.ones(root._data.shape, dtype=root._data.dtype)),
    }
    source, value = evaluate_gradient_text(text, scope, namespace, missing_vector_message(root))
    if isinstance(value, Tensor):
        return value
    return _numbers_as_tensor(value, source, root)


def evaluate_gradient_text(text: str, scope: dict, namespace: dict | None, missing: str):
    """``(source, value)`` of the user's v expression evaluated in ``scope`` updated with the
    script's ``namespace`` -- the rules both backends share; :class:`GradientVectorError` (``missing``
    for an empty text or None) when it cannot be used."""
    source = text.strip()
    if not source:
        raise GradientVectorError(missing)
    scope = {**scope, **(namespace or {})}
    try:
        code = compile(source, "<gradient v>", "eval")
    except SyntaxError as exc:
        raise GradientVectorError(f"v = {source} is not a Python expression (SyntaxError: {exc.msg}).") from None
    try:
        value = eval(code, scope)  # noqa: S307 - the user's own expression, like the script itself
    except Exception as exc:  # noqa: BLE001 - any failure of the user's expression is reported
        raise GradientVectorError(f"Evaluating v = {source} raised {type(exc).__name__}: {exc}") from None
    if value is None:
        raise GradientVectorError(missing)
    return source, value


def _numbers_as_tensor(value, source: str, root: Tensor) -> Tensor:
    """A list/number/array as a tensor of the root's dtype, or a clear error for anything else."""
    if isinstance(value, (str, bytes, dict, set)):
        raise GradientVectorError(f"v = {source} gives a {type(value).__name__}, not a tensor or a list of numbers.")
    try:
        data = np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged nested lists
        raise GradientVectorError(f"v = {source} is not a rectangular array of numbers: {exc}") from None
    if data.dtype.kind not in "biuf":
        raise GradientVectorError(f"v = {source} gives a {type(value).__name__}, not a tensor or a list of numbers.")
    return _make(np.array(data, dtype=root._data.dtype))


__all__ = ["GradientVectorError", "default_gradient_text", "missing_vector_message", "parse_gradient"]
