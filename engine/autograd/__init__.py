"""engine.autograd: backward, grad, grad modes, custom Functions, forward AD, functional, profiler."""

from __future__ import annotations

import sys
import warnings

import numpy as np

from .._tensor import Tensor, _make
from .backward_run import BackwardRun, BackwardStep
from .grad_mode import (
    detect_anomaly,
    enable_grad,
    inference_mode,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_detect_anomaly,
    set_grad_enabled,
)
from .graph import AccumulateGrad, Node

__all__ = [
    "BackwardRun",
    "BackwardStep",
    "backward",
    "grad",
    "iter_backward",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "inference_mode",
    "detect_anomaly",
    "set_detect_anomaly",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "Node",
    "AccumulateGrad",
]


def _as_tuple(x) -> tuple:
    if x is None:
        return ()
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _make_grads(outputs: tuple, grad_outputs: tuple, create_graph: bool) -> list:
    """The starting gradient of each output; ones for scalars, PyTorch's errors otherwise."""
    if not grad_outputs:
        grad_outputs = (None,) * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grad_outputs)} gradients")
    grads = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not out._requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn"
            )
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if out._data.dtype.kind != "f":
                raise RuntimeError(
                    f"grad can be implicitly created only for real scalar outputs but got {out.dtype}"
                )
            g = _make(np.ones(out._data.shape, dtype=out._data.dtype))
        else:
            if not isinstance(g, Tensor):
                g = _make(np.asarray(g, dtype=out._data.dtype))
            if g._data.shape != out._data.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {_size(g)} and output[{i}] has a shape "
                    f"of {_size(out)}."
                )
            if not create_graph and g._requires_grad:
                g = g.detach()
        grads.append(g)
    return grads


CREATE_GRAPH_WARNING = (
    "Using backward() with create_graph=True will create a reference cycle between the parameter and its "
    "gradient which can cause a memory leak. We recommend using autograd.grad when creating the graph to "
    "avoid this. If you have to use this function, make sure to reset the .grad fields of your parameters "
    "to None after use to break the cycle and avoid the leak. (Triggered internally at "
    "/pytorch/torch/csrc/autograd/engine.cpp:1307.)"
)


def _user_stacklevel() -> int:
    """The warnings stacklevel of the first frame outside the engine package (the user's call)."""
    engine_dir = __file__.rsplit("/", 2)[0]
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(engine_dir):
        frame = frame.f_back
        level += 1
    return level


def _size(t: Tensor) -> str:
    return f"torch.Size([{', '.join(map(str, t._data.shape))}])"


def iter_backward(
    tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None, accumulate=True
) -> BackwardRun:
    """Start a backward pass and return it unrun: iterate it to run one node per step.

    This is the one implementation of backward; ``backward`` and ``grad`` drain it, and the app's
    stepper pulls it one :class:`BackwardStep` at a time.
    """
    outputs = _as_tuple(tensors)
    if retain_graph is None:
        retain_graph = create_graph
    grads = _make_grads(outputs, _as_tuple(grad_tensors), create_graph)
    inputs_t = _as_tuple(inputs) if inputs is not None else None
    if inputs_t is not None and len(inputs_t) == 0:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    return BackwardRun(outputs, grads, retain_graph, create_graph, inputs_t, accumulate)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None) -> None:
    """Accumulate into ``.grad`` of the leaves the gradient of ``tensors`` (weighted by grad_tensors)."""
    if grad_variables is not None:
        grad_tensors = grad_variables
    run = iter_backward(tensors, grad_tensors, retain_graph, create_graph, inputs)
    if create_graph:
        warnings.warn(CREATE_GRAPH_WARNING, UserWarning, stacklevel=_user_stacklevel())
    run.run_all()


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph=None,
    create_graph=False,
    only_inputs=True,
    allow_unused=None,
    is_grads_batched=False,
    materialize_grads=False,
):
    """Return the gradients of ``outputs`` with respect to ``inputs`` without touching ``.grad``."""
    outputs_t = _as_tuple(outputs)
    inputs_t = _as_tuple(inputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    for t in inputs_t:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    run = iter_backward(outputs_t, grad_outputs, retain_graph, create_graph, inputs_t, accumulate=False)
    run.run_all()
    result = []
    for index, (t, g) in enumerate(zip(inputs_t, run.captured_grads())):
        if g is None:
            if materialize_grads:
                g = _make(np.zeros_like(t._data))
            elif not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {index} appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior."
                )
        elif not create_graph and g._requires_grad:
            g = g.detach()
        result.append(g)
    return tuple(result)


from . import forward_ad, functional, profiler  # noqa: E402  (they use grad/backward defined above)
from .function import Function  # noqa: E402


# gradcheck: as in PyTorch, the name engine.autograd.gradcheck is the function (it shadows the
# submodule attribute; the module stays importable through sys.modules / `from ... import`).
from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: E402

__all__ += ["gradcheck", "gradgradcheck", "GradcheckError"]
