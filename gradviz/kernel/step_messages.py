"""What the stepper says: its notes, and why it paused (the gradient breakpoints: NaN/Inf, a norm
threshold, an all-zero gradient)."""

from __future__ import annotations

import numpy as np

IMPLICIT_GRAD_MESSAGE = "grad can be implicitly created only for scalar outputs"


def implicit_ones_note(shape) -> str:
    """Why a non-scalar root is stepped with v = ones (PyTorch would refuse to guess)."""
    return (
        f"The root has shape {list(shape)}, not a single number. PyTorch's root.backward() would "
        f"fail with \"{IMPLICIT_GRAD_MESSAGE}\": a vector output needs the vector v of a "
        "vector-Jacobian product, as in root.backward(v). The stepper uses v = ones "
        "(root.backward(torch.ones_like(root))), which gives the gradient of root.sum()."
    )


def source_text(source) -> str:
    """``file:line`` of a forward call from ``(filename, line)``, or '' when it was not recorded."""
    if not source:
        return ""
    filename, line = source[0], source[1]
    if not filename or filename.startswith("<"):
        return f"line {line}"  # the editor's buffer: the line number is what the user needs
    return f"{filename}:{line}"


def accumulation_note(count: int) -> str:
    return (f"{count} leaf tensor(s) already hold a .grad from an earlier backward; "
            "without zero_grad() this backward adds to it (gradients accumulate).")


def clean_note(count: int) -> str:
    return (f"The script's own backward already set .grad of {count} tensor(s); stepping "
            "starts from a clean .grad, so it shows that backward alone (the script's values "
            "come back when you leave this graph).")


def _is_finite(g) -> bool:
    data = g._data
    return data.dtype.kind not in "fc" or bool(np.isfinite(data).all())


def gradient_reason(step, where: str, on_nan: bool, on_zero: bool, norm_threshold: float | None) -> str | None:
    """Why to pause after ``step`` because of a gradient it sent (received, for a node that sends
    nothing, such as AccumulateGrad), or None. ``where`` names the node in the message."""
    grads = step.sent if step.sent else step.received
    for i, g in enumerate(grads):
        if g is None:
            continue
        if on_nan and not _is_finite(g):
            kind = "NaN" if np.isnan(g._data).any() else "Inf"
            return f"{kind} in the gradient {where} sent to input {i}"
        if norm_threshold is not None:
            norm = float(np.linalg.norm(np.asarray(g._data, dtype=np.float64).ravel()))
            if norm > norm_threshold:
                return f"gradient norm {norm:.4g} > {norm_threshold:g} sent by {where} to input {i}"
        if on_zero and g._data.size and not np.any(g._data):
            return f"gradient exactly zero sent by {where} to input {i} (a dead ReLU?)"
    return None
