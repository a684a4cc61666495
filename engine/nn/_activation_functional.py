"""``nn.functional`` activations added by the norm branch, with PyTorch's node names.

One node each, except the composites PyTorch writes in Python: ``softsign`` (x / (|x| + 1)) and
``softmin`` (softmax of −x). ``selu`` is PyTorch's ``elu`` node with SELU's constants; the in-place
``elu_``/``selu_``/``celu_``/``threshold_`` get PyTorch's ``...Backward1`` nodes.
"""

from __future__ import annotations

import warnings

from .._api import FUNCTIONS
from .._tensor import Tensor
from ..ops import activation_ops as A
from ..ops.nn_ops import Elu


def _run(cls, input: Tensor, inplace: bool, inplace_cls=None, **params) -> Tensor:
    if inplace:
        return (inplace_cls or cls).apply_(input, **params)
    return cls.apply(input, **params)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x · tanh(softplus(x))."""
    return _run(A.Mish, input, inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x · relu6(x + 3) / 6."""
    return _run(A.Hardswish, input, inplace)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6."""
    return _run(A.Hardsigmoid, input, inplace)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha · (exp(x) − 1) otherwise."""
    return _run(Elu, input, inplace, A.EluInplace, alpha=alpha)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale · elu(x, alpha) with SELU's fixed constants (PyTorch's node: EluBackward0)."""
    return _run(Elu, input, inplace, A.EluInplace, alpha=A.SELU_ALPHA, scale=A.SELU_SCALE)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha · (exp(x / alpha) − 1))."""
    return _run(A.Celu, input, inplace, A.CeluInplace, alpha=alpha, input_scale=1.0 / alpha)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else value."""
    return _run(A.Threshold, input, inplace, A.ThresholdInplace, threshold=threshold, value=value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return A.ThresholdInplace.apply_(input, threshold=threshold, value=value)


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|), PyTorch's Python composite (Div, Add, Abs)."""
    return input / (input.abs() + 1)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(−x) along ``dim``."""
    if dim is None:
        warnings.warn(
            "Implicit dimension choice for softmin has been deprecated. Change the call to include dim=X as an argument.",
            stacklevel=_stacklevel,
        )
        dim = 0 if input.dim() in (0, 1, 3) else 1
    neg = -input
    if dtype is not None:
        neg = neg.to(dtype)
    return FUNCTIONS["softmax"](neg, dim)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a · σ(b) with a, b the halves of ``input`` along ``dim``."""
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    nd = input.dim()
    d = dim + nd if dim < 0 else dim
    size = input.shape[d]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {size}")
    return A.Glu.apply(input, dim=d)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """max(0, x) + weight · min(0, x), one weight per channel (axis 1) or one for all."""
    n = weight.numel()
    nd = input.dim()
    if n != 1:
        channels = input.shape[1] if nd >= 2 else 1
        if channels != n:
            raise RuntimeError(
                "Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                f"{n} and channel size = {channels}."
            )
    if nd >= 2:
        # ATen views the weight to broadcast over (N, C, *): ViewBackward0 on the weight's edge.
        weight = weight.view((1, n) + (1,) * (nd - 2))
    return A.PreluKernel.apply(input, weight)


def _check_lambd(lambd: float, input: Tensor) -> None:
    if lambd < 0:
        limit = "3.40282e+38" if input._data.dtype.itemsize == 4 else "1.79769e+308"
        kind = {4: "Float", 8: "Double"}.get(input._data.dtype.itemsize, "Float")
        raise RuntimeError(f"lambda must be in range [0, {limit}] for input dtype {kind}, but found {lambd:g}")


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x − lambd above lambd, x + lambd below −lambd, 0 in between."""
    _check_lambd(lambd, input)
    return A.Softshrink.apply(input, lambd=lambd)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0."""
    return A.Hardshrink.apply(input, lambd=lambd)


def tanhshrink(input: Tensor) -> Tensor:
    """x − tanh(x), PyTorch's Python composite (SubBackward0, TanhBackward0)."""
    return input - input.tanh()
