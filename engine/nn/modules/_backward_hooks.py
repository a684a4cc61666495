"""Module backward hooks: ``register_full_backward_hook`` and ``register_full_backward_pre_hook``.

As in PyTorch, a module with such hooks routes its tensor inputs and outputs through identity
nodes (``BackwardHookFunctionBackward``, visible in the graph). A pre-hook on the output node sees
``grad_output`` (and the backward pre-hooks may replace it); a hook on the input node then sees
``grad_input`` and calls ``hook(module, grad_input, grad_output)``, whose non-None return replaces
``grad_input``. When no input needs a gradient, the hooks run at the output node with
``grad_input`` all None.
"""

from __future__ import annotations

import warnings

from ..._state import STATE
from ..._tensor import Tensor
from ...autograd.function import Function

_NO_INPUT_GRAD_WARNING = (
    "Full backward hook is firing when gradients are computed with respect to module outputs since no inputs "
    "require gradients. See https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
    "#torch.nn.Module.register_full_backward_hook for more details."
)


class BackwardHookFunction(Function):
    @staticmethod
    def forward(ctx, *args):
        ctx.mark_non_differentiable(*[a for a in args if isinstance(a, Tensor) and not a.requires_grad])
        return args

    @staticmethod
    def backward(ctx, *grads):
        return grads


def _tensors_through_identity(values: tuple):
    """``values`` with its tensors replaced by identity-node outputs; also that node and the positions."""
    positions = [i for i, v in enumerate(values) if isinstance(v, Tensor)]
    if not positions:
        return values, None, positions
    outs = BackwardHookFunction.apply(*[values[i] for i in positions])
    outs = outs if isinstance(outs, tuple) else (outs,)
    node = next((o.grad_fn for o in outs if isinstance(o, Tensor) and o.grad_fn is not None), None)
    replaced = list(values)
    for i, o in zip(positions, outs):
        replaced[i] = o
    return tuple(replaced), node, positions


class _HookRun:
    """The hook state of one forward call."""

    def __init__(self, module, n_inputs: int) -> None:
        self.module = module
        self.n_inputs = n_inputs
        self.grad_output = None

    def _call_hooks(self, grad_input: tuple) -> tuple:
        for hook in list(self.module._backward_hooks.values()):
            result = hook(self.module, grad_input, self.grad_output)
            if result is None:
                continue
            result = result if isinstance(result, tuple) else (result,)
            if len(result) != len(grad_input):
                raise RuntimeError(
                    f"Backward hook returned an invalid number of grad_input, got {len(result)}, "
                    f"but expected {len(grad_input)}"
                )
            grad_input = result
        return grad_input

    def on_output_grads(self, grad_outputs: tuple, inputs_need_grad: bool):
        grad_outputs = tuple(grad_outputs)
        for hook in list(self.module._backward_pre_hooks.values()):
            result = hook(self.module, grad_outputs)
            if result is not None:
                grad_outputs = result if isinstance(result, tuple) else (result,)
        self.grad_output = grad_outputs
        if not inputs_need_grad:
            if self.module._backward_hooks:
                warnings.warn(_NO_INPUT_GRAD_WARNING, UserWarning, stacklevel=2)
            self._call_hooks((None,) * self.n_inputs)
        return grad_outputs

    def on_input_grads(self, grad_inputs: tuple):
        return self._call_hooks(tuple(grad_inputs))


def call_with_backward_hooks(module, args: tuple, kwargs: dict, call):
    """Run ``call(args, kwargs)`` (forward with its forward hooks) between the two identity nodes."""
    if not STATE.grad_enabled:
        return call(args, kwargs)
    n_inputs = sum(isinstance(a, Tensor) for a in args)
    run = _HookRun(module, n_inputs)
    inputs_need_grad = any(isinstance(a, Tensor) and a.requires_grad for a in args)
    if inputs_need_grad:
        args, in_node, _ = _tensors_through_identity(args)
        if in_node is not None:
            in_node.register_hook(lambda grad_inputs, grad_outputs: run.on_input_grads(grad_inputs))
    output = call(args, kwargs)
    outputs = output if isinstance(output, tuple) else (output,)
    if not any(isinstance(o, Tensor) and o.requires_grad for o in outputs):
        return output
    outputs, out_node, _ = _tensors_through_identity(outputs)
    if out_node is not None:
        out_node.register_prehook(lambda grad_outputs: run.on_output_grads(grad_outputs, inputs_need_grad))
    return outputs if isinstance(output, tuple) else outputs[0]
