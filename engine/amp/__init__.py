"""``torch.amp`` on a CPU-only float engine: ``autocast`` and ``GradScaler``.

Programs written for mixed precision (nanoGPT and most training scripts) build these
unconditionally and switch them off on the CPU. ``autocast`` therefore runs its block unchanged
(the engine has no bfloat16 arithmetic, so an *enabled* CPU autocast also computes in float32, a
documented difference). ``GradScaler`` follows PyTorch's algorithm: when enabled it multiplies the
loss by ``scale``, ``unscale_`` divides the gradients back and looks for inf/NaN, ``step`` skips
the optimizer step when it found one, and ``update`` backs the scale off or grows it every
``growth_interval`` clean steps; when disabled every method is a pass-through.
"""

from __future__ import annotations

import math
import sys
import types
import warnings

from .. import _dtype
from .._device import NO_CUDA  # noqa: F401  (the message cuda-only paths use)
from ..autograd.grad_mode import no_grad


def _cuda_unavailable(device_type: str) -> bool:
    return str(device_type).startswith("cuda")


class autocast:  # noqa: N801 - PyTorch's spelling
    def __init__(self, device_type: str, dtype=None, enabled: bool = True, cache_enabled=None) -> None:
        if enabled and _cuda_unavailable(device_type):
            warnings.warn(
                "User provided device_type of 'cuda', but CUDA is not available. Disabling", UserWarning, stacklevel=2
            )
            enabled = False
        self.device = device_type
        self.fast_dtype = dtype
        self._enabled = enabled

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> bool:
        return False

    def __call__(self, fn):
        def wrapped(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)

        wrapped.__wrapped__ = fn
        return wrapped


def is_autocast_available(device_type: str) -> bool:
    return device_type == "cpu"


class GradScaler:
    def __init__(self, device: str = "cuda", init_scale: float = 2.0**16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000, enabled: bool = True) -> None:
        if enabled and _cuda_unavailable(device):
            warnings.warn(
                "torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.", UserWarning, stacklevel=2
            )
            enabled = False
        self._device = device
        self._enabled = enabled
        self._scale = float(init_scale)
        self._growth_factor = growth_factor
        self._backoff_factor = backoff_factor
        self._growth_interval = growth_interval
        self._growth_tracker = 0
        self._found_inf: dict[int, bool] = {}  # per optimizer, since the last update()

    def is_enabled(self) -> bool:
        return self._enabled

    def get_scale(self) -> float:
        return self._scale if self._enabled else 1.0

    def scale(self, outputs):
        if not self._enabled:
            return outputs
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        return outputs * self._scale

    def unscale_(self, optimizer) -> None:
        if not self._enabled:
            return
        if id(optimizer) in self._found_inf:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        inv = 1.0 / self._scale
        found = False
        with no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    p.grad.mul_(inv)
                    if not bool(p.grad.isfinite().all()):
                        found = True
        self._found_inf[id(optimizer)] = found

    def step(self, optimizer, *args, **kwargs):
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if id(optimizer) not in self._found_inf:
            self.unscale_(optimizer)
        if self._found_inf[id(optimizer)]:
            return None
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale=None) -> None:
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale.item() if hasattr(new_scale, "item") else new_scale)
        elif any(self._found_inf.values()):
            self._scale *= self._backoff_factor
            self._growth_tracker = 0
        else:
            self._growth_tracker += 1
            if self._growth_tracker == self._growth_interval:
                grown = self._scale * self._growth_factor
                if math.isfinite(grown):
                    self._scale = grown
                self._growth_tracker = 0
        self._found_inf = {}

    def state_dict(self) -> dict:
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor, "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval, "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict: dict) -> None:
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved from a disabled instance of GradScaler.")
        self._scale = float(state_dict["scale"])
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._growth_tracker = state_dict["_growth_tracker"]


def install(namespace: dict) -> None:
    """``torch.amp``, ``torch.autocast``, ``torch.cuda.amp``, and the ``torch.bfloat16`` name."""
    namespace.setdefault("autocast", autocast)
    cuda_amp = types.ModuleType("engine.cuda.amp")

    class _CudaGradScaler(GradScaler):
        def __init__(self, init_scale=2.0**16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000,
                     enabled=True) -> None:
            warnings.warn(
                "`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use `torch.amp.GradScaler('cuda', args...)` instead.",
                FutureWarning, stacklevel=2,
            )
            super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)

    _CudaGradScaler.__name__ = _CudaGradScaler.__qualname__ = "GradScaler"
    cuda_amp.GradScaler = _CudaGradScaler
    cuda_amp.autocast = lambda enabled=True, dtype=None, cache_enabled=True: autocast("cuda", dtype, enabled)
    namespace["cuda"].amp = cuda_amp
    sys.modules.setdefault("engine.cuda.amp", cuda_amp)
    if "bfloat16" not in namespace:
        # The name only, so programs that pick `torch.bfloat16 if cuda ... else torch.float32` run; the
        # engine has no bfloat16 arithmetic (numpy has no such type), so it stores float32 values.
        bf16 = _dtype.dtype("bfloat16", "float32", 2)
        namespace["bfloat16"] = bf16
