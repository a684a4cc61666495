"""Every differentiable op, one class each; importing this package registers them all."""

from . import arithmetic, compare, linalg, reduction, shape, unary  # noqa: F401
