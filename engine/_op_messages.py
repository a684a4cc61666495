"""PyTorch's error messages for what ``Op.apply`` detects: numpy's errors translated, shapes that do not
broadcast, in-place writes into multi-output views, saved tensors modified since the forward."""

from __future__ import annotations

import re

import numpy as np

from ._tensor import Tensor


def _torch_error(cls, inputs: tuple, error: Exception) -> Exception:
    """The exception PyTorch raises where numpy raised ``error`` (the op's one translation point).

    A non-tensor where a tensor input belongs is PyTorch's argument-parser TypeError; numpy's
    broadcast failure is PyTorch's size-mismatch RuntimeError. Anything else is left as it is.
    """
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            op_name = (cls.aten or cls.node_name).rsplit(":", 1)[-1]
            arg = cls.inputs[i] if i < len(cls.inputs) else f"tensors[{i}]"
            return TypeError(f"{op_name}(): argument '{arg}' (position {i + 1}) must be Tensor, not {type(t).__name__}")
    if isinstance(error, ValueError):
        # numpy's value errors (shapes that do not broadcast, int ** negative int) are PyTorch's
        # RuntimeErrors; the broadcast one with PyTorch's wording.
        shapes = [t._data.shape for t in inputs]
        return RuntimeError(broadcast_error(shapes) or str(error))
    return error


def broadcast_error(shapes: list) -> str | None:
    """PyTorch's message for shapes that do not broadcast (``None`` when they do)."""
    n = max((len(s) for s in shapes), default=0)
    padded = [(1,) * (n - len(s)) + tuple(s) for s in shapes]
    for a_i in range(len(padded)):
        for b_i in range(a_i + 1, len(padded)):
            a, b = padded[a_i], padded[b_i]
            for d in range(n - 1, -1, -1):
                if a[d] != b[d] and a[d] != 1 and b[d] != 1:
                    return (
                        f"The size of tensor a ({a[d]}) must match the size of tensor b ({b[d]}) at non-singleton "
                        f"dimension {d}"
                    )
    return None


def _multi_view_message(t: Tensor) -> str:
    return (
        f"Output {t._output_nr} of {t._multi_view} is a view and is being modified inplace. This view is the "
        "output of a function that returns multiple views. Such functions do not allow the output views to "
        "be modified inplace. You should replace the inplace operation by an out-of-place one."
    )


_TYPE_NAMES = {
    np.dtype(np.float32): "torch.FloatTensor",
    np.dtype(np.float64): "torch.DoubleTensor",
    np.dtype(np.int64): "torch.LongTensor",
    np.dtype(np.int32): "torch.IntTensor",
    np.dtype(np.bool_): "torch.BoolTensor",
    np.dtype(np.float16): "torch.HalfTensor",
}


def _modified_message(t: Tensor, expected: int) -> str:
    desc = f"[{_TYPE_NAMES.get(t._data.dtype, 'torch.Tensor')} [{', '.join(map(str, t._data.shape))}]]"
    where = ""
    if t.grad_fn is not None:
        # PyTorch names the forward function: the node name without its "Backward<N>" suffix.
        # (MulBackward0 -> Mul, PowBackward1 -> Pow1, as PyTorch prints them.)
        forward_name = re.sub(r"Backward(\d+)$", lambda m: "" if m.group(1) == "0" else m.group(1), t.grad_fn.name())
        where = f", which is output {t._output_nr} of {forward_name},"
    return (
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: {desc}{where} is at version {t._vc[0]}; expected version {expected} instead. "
        "Hint: enable anomaly detection to find the operation that failed to compute its gradient, "
        "with torch.autograd.set_detect_anomaly(True, check_nan=False)."
    )
