"""Process-wide switches programs set at the top: thread counts, determinism, matmul precision,
``torch.version``, ``torch.random``, ``typename``, ``set_default_tensor_type``, ``is_nonzero``.

The engine computes with numpy on one process; these record what was asked (so the matching
getters answer as PyTorch would) and validate arguments with PyTorch's messages.
"""

from __future__ import annotations

import contextlib
import os
import warnings

from . import _dtype, _factories
from ._legacy import LEGACY_TYPES
from ._tensor import Tensor

_SETTINGS = {
    "num_threads": max(1, (os.cpu_count() or 2) // 2),
    "num_interop_threads": max(1, (os.cpu_count() or 2) // 2),
    "deterministic": False,
    "deterministic_warn_only": False,
    "matmul_precision": "highest",
}


_WARNED_ONCE: dict = {}


class _Namespace:
    def __init__(self, name: str, **members) -> None:
        self.__name__ = name
        self.__dict__.update(members)


def _positive_int(name: str, value) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise RuntimeError(f"{name} expects an int, but got {type(value).__name__}")
    if value <= 0:
        raise RuntimeError(f"{name} expects a positive integer")
    return value


def set_num_threads(num: int) -> None:
    _SETTINGS["num_threads"] = _positive_int("set_num_threads", num)


def get_num_threads() -> int:
    return _SETTINGS["num_threads"]


def set_num_interop_threads(num: int) -> None:
    _SETTINGS["num_interop_threads"] = _positive_int("set_num_interop_threads", num)


def get_num_interop_threads() -> int:
    return _SETTINGS["num_interop_threads"]


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """The engine is always deterministic; the flag is remembered for the getters."""
    _SETTINGS["deterministic"] = bool(mode)
    _SETTINGS["deterministic_warn_only"] = bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    return _SETTINGS["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _SETTINGS["deterministic_warn_only"]


def set_float32_matmul_precision(precision: str) -> None:
    if precision not in ("highest", "high", "medium"):
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
                      "setFloat32MatmulPrecision call has no effect.", UserWarning, stacklevel=2)
        return
    _SETTINGS["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    return _SETTINGS["matmul_precision"]


def typename(obj) -> str:
    """``x.type()`` for a tensor, else the object's module-qualified class name."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    name = getattr(obj, "__qualname__", None) or type(obj).__qualname__
    if not hasattr(obj, "__qualname__"):
        module = type(obj).__module__
    # The engine's modules stand in for torch's: report them under torch's names.
    module = module.replace("engine.", "torch.", 1) if module.startswith("engine.") else module
    return name if module in ("", "builtins") else f"{module}.{name}"


def set_default_tensor_type(t) -> None:
    """Deprecated in PyTorch 2.1: sets the default dtype from a legacy type (or its name)."""
    if not _WARNED_ONCE.get("default_tensor_type"):  # PyTorch's TORCH_WARN_ONCE: once per process
        _WARNED_ONCE["default_tensor_type"] = True
        warnings.warn("torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                      "torch.set_default_dtype() and torch.set_default_device() as alternatives.",
                      UserWarning, stacklevel=2)
    if isinstance(t, str):
        t = LEGACY_TYPES[t.rsplit(".", 1)[-1]]
    if not t.dtype.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _dtype.set_default_dtype(t.dtype)


def is_nonzero(input) -> bool:
    if input.numel() == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if input.numel() > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input.item())


@contextlib.contextmanager
def _fork_rng(devices=None, enabled: bool = True, **kwargs):
    """Restore the engine generator's state when the block ends."""
    state = _factories.default_generator.get_state()
    try:
        yield
    finally:
        if enabled:
            _factories.default_generator.set_state(state)


def install(namespace: dict) -> None:
    for fn in (set_num_threads, get_num_threads, set_num_interop_threads, get_num_interop_threads,
               use_deterministic_algorithms, are_deterministic_algorithms_enabled,
               is_deterministic_algorithms_warn_only_enabled, set_float32_matmul_precision,
               get_float32_matmul_precision, typename, set_default_tensor_type, is_nonzero):
        namespace.setdefault(fn.__name__, fn)
    namespace.setdefault("version", _Namespace(
        "torch.version", __version__=namespace.get("__version__"), cuda=None, hip=None, debug=False,
        git_version="engine"))
    namespace.setdefault("random", _Namespace(
        "torch.random", manual_seed=_factories.manual_seed, seed=_factories.seed,
        initial_seed=_factories.initial_seed, get_rng_state=_factories.get_rng_state,
        set_rng_state=_factories.set_rng_state, fork_rng=_fork_rng, default_generator=_factories.default_generator))
