"""Devices as PyTorch's CPU-only build sees them.

``torch.device('cuda:1')`` is an ordinary value (type, index, repr, equality) even without a GPU;
what fails is *using* it: moving a tensor or module there, or creating a tensor on it, raises
``AssertionError('Torch not compiled with CUDA enabled')`` exactly like a CPU build of PyTorch.
``torch.cuda``, ``torch.accelerator`` and ``torch.backends.mps`` answer "nothing available".
``set_default_device``/``get_default_device`` keep the default factories use.
"""

from __future__ import annotations

import functools
import re

from . import _tensor
from .nn.modules.module import Module

NO_CUDA = "Torch not compiled with CUDA enabled"
_TYPES = (
    "cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia", "xla",
    "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone",
)
_DEVICE_RE = re.compile(r"^([a-z_]+)(?::(\d+))?$")


class device:  # noqa: N801 - PyTorch's spelling
    """``torch.device(type, index=None)`` or ``torch.device('type:index')``."""

    __slots__ = ("type", "index")

    def __init__(self, type, index: int | None = None) -> None:  # noqa: A002 - PyTorch's name
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if isinstance(type, int) and not isinstance(type, bool):
            raise RuntimeError("Cannot access accelerator device when none is available.")
        text = str(type)
        match = _DEVICE_RE.match(text)
        if match is None:
            name = text.split(":")[0]
            if name in _TYPES:
                raise RuntimeError(f"Invalid device string: '{text}'")
            raise RuntimeError(f"Expected one of {', '.join(_TYPES)} device type at start of device string: {text}")
        name, parsed = match.group(1), match.group(2)
        if name not in _TYPES:  # PyTorch names only the type part here ('tpu' for 'tpu:0')
            raise RuntimeError(f"Expected one of {', '.join(_TYPES)} device type at start of device string: {name}")
        if parsed is not None and index is not None:
            raise RuntimeError(f"type (string) must not include an index because index was passed explicitly: {text}")
        self.type = name
        self.index = int(parsed) if parsed is not None else index

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, device):
            return (self.type, self.index) == (other.type, other.index)
        return NotImplemented  # a device never equals a string, as in PyTorch

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (str(self),))

    def __enter__(self) -> device:
        """``with torch.device(d):`` makes ``d`` the default device inside the block."""
        _SAVED.append(_DEFAULT[0])
        set_default_device(self)
        return self

    def __exit__(self, *exc) -> None:
        _DEFAULT[0] = _SAVED.pop()


CPU = device("cpu")
_DEFAULT = [CPU]
_SAVED: list = []  # defaults to restore when ``with torch.device(...)`` blocks end


def check_usable(where) -> None:
    """Raise PyTorch's CPU-build error for a device the engine cannot compute on."""
    if where is None:
        return
    dev = where if isinstance(where, device) else device(where)
    if dev.type == "cpu":
        return
    if dev.type == "cuda":
        raise AssertionError(NO_CUDA)
    raise RuntimeError(f"PyTorch is not linked with support for {dev.type} devices")


def set_default_device(where) -> None:
    """The device factories use when none is given (PyTorch accepts 'cuda' here and fails later)."""
    chosen = CPU if where is None else device(where)
    _DEFAULT[0] = CPU if chosen == CPU else chosen  # keep the CPU singleton: factories test identity


def get_default_device() -> device:
    check_usable(_DEFAULT[0])
    return _DEFAULT[0]


def _default_device_check() -> None:
    if _DEFAULT[0] is not CPU:
        check_usable(_DEFAULT[0])


# ---- the namespaces that report "nothing available" ---------------------------------------------


class _Namespace:
    def __init__(self, name: str, **members) -> None:
        self.__name__ = name
        self.__dict__.update(members)

    def __repr__(self) -> str:
        return f"<module '{self.__name__}' (engine: nothing available)>"


def _no_cuda(*args, **kwargs):
    raise AssertionError(NO_CUDA)


def _nothing(*args, **kwargs) -> None:
    return None


cuda = _Namespace(
    "torch.cuda", is_available=lambda: False, device_count=lambda: 0, is_initialized=lambda: False,
    current_device=_no_cuda, get_device_name=_no_cuda, get_device_properties=_no_cuda, synchronize=_no_cuda,
    set_device=_no_cuda, init=_no_cuda, memory_allocated=_no_cuda, empty_cache=_nothing, manual_seed=_nothing,
    manual_seed_all=_nothing, seed=_nothing, seed_all=_nothing, is_bf16_supported=lambda *a, **k: False,
)
accelerator = _Namespace(
    "torch.accelerator", is_available=lambda: False, current_accelerator=lambda check_available=False: None,
    device_count=lambda: 0,
)
backends = _Namespace(
    "torch.backends",
    mps=_Namespace("torch.backends.mps", is_available=lambda: False, is_built=lambda: False),
    cuda=_Namespace("torch.backends.cuda", is_built=lambda: False,
                    # Programs set these flags at start-up (nanoGPT); they change nothing on a CPU.
                    matmul=_Namespace("torch.backends.cuda.matmul", allow_tf32=False,
                                      allow_fp16_reduced_precision_reduction=True,
                                      allow_bf16_reduced_precision_reduction=True)),
    cudnn=_Namespace("torch.backends.cudnn", is_available=lambda: False, enabled=True, benchmark=False,
                     deterministic=False, allow_tf32=True, version=lambda: None),
    mkldnn=_Namespace("torch.backends.mkldnn", is_available=lambda: False, enabled=True),
    openmp=_Namespace("torch.backends.openmp", is_available=lambda: False),
)


# ---- tensor and module moves ---------------------------------------------------------------------


def _moves_to(args, kwargs) -> list:
    # Any string given to ``.to`` names a device (dtypes are never strings), so a bad one gets
    # torch.device's parse error.
    found = [a for a in args if isinstance(a, (str, device))]
    if kwargs.get("device") is not None:
        found.append(kwargs["device"])
    return found


def _guard_to(original):
    """``Tensor.to``/``Module.to`` with PyTorch's errors for unusable devices; the CPU is a no-op move."""

    @functools.wraps(original)
    def to(self, *args, **kwargs):
        for where in _moves_to(args, kwargs):
            check_usable(where)
        args = tuple(a for a in args if not isinstance(a, (str, device)))
        kwargs = {k: v for k, v in kwargs.items() if k != "device"}
        return original(self, *args, **kwargs)

    return to


def _cuda_method(self, device=None, non_blocking: bool = False, memory_format=None):
    raise AssertionError(NO_CUDA)


def _guard_factory(fn):
    """A factory that refuses unusable devices (given, or the default one) like PyTorch."""

    @functools.wraps(fn)
    def factory(*args, **kwargs):
        where = kwargs.pop("device", None)
        if where is not None:
            check_usable(where)
        else:
            _default_device_check()
        return fn(*args, **kwargs)

    return factory


FACTORIES = (
    "tensor", "as_tensor", "zeros", "ones", "empty", "full", "arange", "linspace", "logspace", "eye", "rand", "randn",
    "randint", "randperm", "zeros_like", "ones_like", "empty_like", "full_like", "rand_like", "randn_like",
    "randint_like",
)


def install(namespace: dict) -> None:
    """Wire the devices into the engine: ``engine.device``, guarded factories and moves."""
    # Tensor.device returns this module's CPU device, so ``t.device == torch.device('cpu')`` and
    # ``isinstance(t.device, torch.device)`` hold as in PyTorch.
    _tensor._CPU = CPU
    for name in FACTORIES:
        if name in namespace:
            namespace[name] = _guard_factory(namespace[name])
    _tensor.Tensor.to = _guard_to(_tensor.Tensor.to)
    _tensor.Tensor.cuda = _cuda_method
    _tensor.Tensor.get_device = lambda self: -1
    Module.to = _guard_to(Module.to)
    Module.cuda = _cuda_method
