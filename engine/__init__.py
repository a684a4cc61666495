"""engine: a numpy autograd engine with PyTorch's public names.

``import engine as torch`` runs the PyTorch "Fundamentals of Autograd" tutorial unchanged.
"""

from __future__ import annotations

import math as _math
import warnings as _warnings

from . import _dtype
from ._dtype import (
    bool_ as bool,  # noqa: A001 - torch.bool
    dtype,
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    set_default_dtype,
    uint8,
)
from ._tensor import Size, Tensor
from ._tensor_str import get_printoptions, printoptions, set_printoptions
from . import ops as _ops  # noqa: F401  (registers every op and its functions)
from . import _factories  # noqa: F401
from ._api import FUNCTIONS as _FUNCTIONS, METHODS as _METHODS
from ._factories import Generator, default_generator
from . import autograd
from .autograd import enable_grad, inference_mode, no_grad, set_grad_enabled
from .autograd.grad_mode import is_anomaly_enabled, is_grad_enabled, is_inference_mode_enabled

half = float16
float = float32  # noqa: A001
double = float64
short = int16
int = int32  # noqa: A001
long = int64
pi = _math.pi
e = _math.e
inf = _math.inf
nan = _math.nan
__version__ = "2.13.0+engine"

globals().update(_FUNCTIONS)
for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)
del _name, _fn


def is_floating_point(input: Tensor) -> bool:
    return input.is_floating_point()


def set_anomaly_enabled(mode: bool) -> None:
    autograd.set_detect_anomaly(mode)


from . import nn, optim  # noqa: E402  (nn and optim build on everything above)
from ._serialization import load, save  # noqa: E402


def _quiet_float_warnings() -> None:
    # PyTorch computes 1/0 = inf and 0/0 = nan silently; numpy warns from inside our forward rules.
    # Only numpy's floating-point messages raised from engine modules are silenced.
    _warnings.filterwarnings(
        "ignore",
        message=r"(overflow|divide by zero|invalid value|underflow) encountered",
        category=RuntimeWarning,
        module=r"engine(\.|$)",
    )


_quiet_float_warnings()

# torch.<name> for the nn functions PyTorch also exposes at the top level (norm branch).
from .nn._activation_functional import celu, prelu, selu, threshold, threshold_  # noqa: E402,F401
from .nn._norm_functional import cosine_similarity, pairwise_distance  # noqa: E402,F401


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05, cudnn_enabled=True):  # noqa: E302
    """``torch.group_norm`` (``cudnn_enabled`` is accepted and ignored: CPU only)."""
    return nn.functional.group_norm(input, num_groups, weight, bias, eps)

# ---- issue 9: torch.utils.data, torch.func, and the everyday API (devices, out=, legacy -------------
# constructors, in-place random fills); each module's install() wires itself into this namespace.
from . import _device, _legacy, _out, _random_fills, _runtime, _sampling, _tensor_new, func, utils  # noqa: E402, F401

device = _device.device
cuda = _device.cuda
accelerator = _device.accelerator
backends = _device.backends
set_default_device = _device.set_default_device
get_default_device = _device.get_default_device
_device.install(globals())
_out.install(globals())
_legacy.install(globals())
_random_fills.install()
_sampling.install(globals())
_tensor_new.install()
_runtime.install(globals())
autograd.Variable = _legacy.Variable
vmap = func.vmap

# torch.conv2d, torch.max_pool2d, torch.dropout, ... (the ATen-level nn functions; programs branch)
from . import _nn_toplevel  # noqa: E402

_nn_toplevel.install(globals())
from . import amp  # noqa: E402  (torch.amp, torch.autocast, torch.cuda.amp; programs branch)

amp.install(globals())
from . import _program_api  # noqa: E402  (outer, take_along_dim, meshgrid, linalg, testing, ...; programs branch)

_program_api.install(globals())
_program_api.install_more(globals())
_program_api.install_layouts(globals())
from . import distributions  # noqa: E402, F401  (after install_more: it imports finfo and broadcast_tensors from here)
from . import _numpy_kwargs  # noqa: E402  (axis=/keepdims= as PyTorch's parser accepts them; programs branch)

_numpy_kwargs.install(globals(), _FUNCTIONS, _METHODS)
# torch.memory_format and its values (nnbreadth branch).
from ._memory_format import channels_last, channels_last_3d, contiguous_format, memory_format, preserve_format  # noqa: E402,F401
