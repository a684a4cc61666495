"""``Optimizer``: parameter groups, per-parameter state, state dicts, zero_grad and step plumbing."""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from .._tensor import Tensor, _make
from ..autograd.grad_mode import enable_grad, no_grad
from ..nn.modules._module_util import _zero_grad, typename
from . import _step_hooks


class _RequiredParameter:
    """Marks a hyper-parameter every group must set (PyTorch's ``optim.optimizer.required``)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    """Base class: subclasses pass their defaults and implement ``step``.

    ``param_groups`` is a list of dicts (``'params'`` plus hyper-parameters); ``state`` maps a
    parameter to its buffers (momentum, Adam's moments).
    """

    def __init__(self, params: Iterable, defaults: dict) -> None:
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, but got "
                + typename(params)
            )
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own hyper-parameters (missing ones come from defaults)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the ordering of tensors "
                "in sets will change between runs. Please use a list instead."
            )
        else:
            param_group["params"] = list(params)
        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + typename(param))
            if not param.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in seen for p in param_group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of every optimized parameter (drop them, or zero them in place)."""
        for group in self.param_groups:
            for p in group["params"]:
                _zero_grad(p, set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient; returns ``closure()``'s loss if given."""
        loss = self._closure_loss(closure)
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p._grad is not None:
                        self._update(p, group)
        return loss

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:  # a subclass's own step runs the step hooks too
            cls.step = _step_hooks.with_step_hooks(cls.__dict__["step"])

    def register_step_pre_hook(self, hook: Callable):
        """``hook(optimizer, args, kwargs)`` before each ``step``; may return new ``(args, kwargs)``."""
        return _step_hooks.register(self, "pre", hook)

    def register_step_post_hook(self, hook: Callable):
        """``hook(optimizer, args, kwargs)`` after each ``step``."""
        return _step_hooks.register(self, "post", hook)

    def _update(self, p: Tensor, group: dict) -> None:  # pragma: no cover - abstract
        """Update one parameter in place from ``p.grad`` with ``group``'s hyper-parameters."""
        raise NotImplementedError

    def _closure_loss(self, closure: Callable[[], Any] | None) -> Any:
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # ---- state dicts -------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """``{'state': {index: buffers}, 'param_groups': [hyper-parameters + 'params': indices]}``."""
        index_of: dict = {}
        next_index = 0
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                if id(p) not in index_of:
                    index_of[id(p)] = next_index
                    next_index += 1
            packed["params"] = [index_of[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {index_of[id(p)]: s for p, s in self.state.items() if id(p) in index_of}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyper-parameters and buffers saved by ``state_dict`` (matched by position)."""
        state_dict = copy.deepcopy(state_dict)
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for mine, saved in zip(self.param_groups, saved_groups):
            if len(mine["params"]) != len(saved["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size of optimizer's group"
                )
        id_map = {
            old: p
            for saved, mine in zip(saved_groups, self.param_groups)
            for old, p in zip(saved["params"], mine["params"])
        }
        state: defaultdict = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in id_map:
                param = id_map[key]
                state[param] = {k: _cast_state(param, k, v) for k, v in value.items()}
            else:
                state[key] = value
        new_groups = []
        for mine, saved in zip(self.param_groups, saved_groups):
            group = dict(saved)
            group["params"] = mine["params"]
            new_groups.append(group)
        self.state = state
        self.param_groups = new_groups

    # ---- printing ----------------------------------------------------------------------------
    def __repr__(self) -> str:
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += "\n"
            text += f"Parameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"


def _cast_state(param: Tensor, key: str, value: Any) -> Any:
    """Loaded buffers take the parameter's dtype, except Adam's ``step`` counter (PyTorch's rule)."""
    if isinstance(value, Tensor) and key != "step" and value.is_floating_point():
        if value._data.dtype != param._data.dtype:
            return _make(value._data.astype(param._data.dtype))
    return value


Optimizer.step = _step_hooks.with_step_hooks(Optimizer.step)


def check_non_negative(*named_values: tuple) -> None:
    """PyTorch's constructor checks: ``ValueError("Invalid <what>: <value>")`` for a negative value."""
    for what, value in named_values:
        if not 0.0 <= value:
            raise ValueError(f"Invalid {what}: {value}")


def check_betas(betas: tuple) -> None:
    """Both betas must lie in [0, 1), PyTorch's message names the offending index."""
    for index, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {index}: {beta}")
