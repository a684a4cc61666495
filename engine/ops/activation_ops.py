"""More activation ops: mish, hardswish, hardsigmoid, celu, threshold, glu and prelu's kernel.

Pointwise ones are ``_pointwise.Pointwise`` classes: a forward and ``d_input`` (f'(x), in engine
ops); the base makes ``grad · f'(x)`` and ``tangent · f'(x)`` (selecting 0 in flat regions where
PyTorch's kernel does, ``selects_zero``). PyTorch names the in-place forms of elu/celu/threshold differently (they save the
result): ``EluBackward1``, ``CeluBackward1``, ``ThresholdBackward1``; their rules are the same here.
"""

from __future__ import annotations

import numpy as np

from .._api import FUNCTIONS
from .._op import Op
from .._tensor import Tensor
from ._pointwise import Pointwise
from ._samples import sampler
from ._util import sum_to
from .nn_ops import Elu, _mask

# SELU's constants (Klambauer et al.), as PyTorch spells them.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


_rand = sampler(low=-4.0, high=4.0, seed=71)


def _away_from(x: np.ndarray, points, gap=0.1) -> np.ndarray:
    """Move samples off the kinks (finite differences across a kink are meaningless)."""
    for p in points:
        x[np.abs(x - p) < gap] = p + 2 * gap
    return x


class _Activation(Pointwise):
    """An activation of ``nn.functional`` (its wrapper is there): saves its input, no dtype promotion."""

    abstract = True
    promote = None
    saves = ("self",)


class Mish(_Activation):
    node_name = "MishBackward0"
    aten = "aten::mish"

    def forward(self, x):
        return (x * np.tanh(np.logaddexp(0, x))).astype(x.dtype, copy=False)

    def d_input(self, x, r):
        t = x.exp().log1p().tanh()  # tanh(softplus(x))
        return t + x * x.sigmoid() * (1 - t * t)

    def rule(self) -> str:
        return "grad_input = grad · (tanh(softplus(x)) + x · σ(x) · (1 − tanh²(softplus(x))))"

    @staticmethod
    def samples():
        return [((_rand(3, 4, low=-3, high=3),), {})]


class Hardswish(_Activation):
    node_name = "HardswishBackward0"
    aten = "aten::hardswish"
    smooth = False
    selects_zero = True

    def forward(self, x):
        return (x * np.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False)

    def d_input(self, x, r):
        # PyTorch: 0 below −3, x/3 + 1/2 on [−3, 3], 1 above 3.
        xd = x._data
        inside = _mask((xd >= -3) & (xd <= 3), x)
        return inside * (x / 3 + 0.5) + _mask(xd > 3, x)

    def rule(self) -> str:
        return "grad_input = 0 for x < −3;  grad · (x/3 + 1/2) for −3 ≤ x ≤ 3;  grad for x > 3"

    @staticmethod
    def samples():
        return [((_away_from(_rand(3, 4), (-3, 3)),), {})]


class Hardsigmoid(_Activation):
    node_name = "HardsigmoidBackward0"
    aten = "aten::hardsigmoid"
    smooth = False
    selects_zero = True

    def forward(self, x):
        return (np.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False)

    def d_input(self, x, r):
        xd = x._data
        # PyTorch's kernel spells the slope 1.0f / 6.0f, a float32 constant even for double tensors.
        return _mask(((xd > -3) & (xd < 3)) * float(np.float32(1.0) / np.float32(6.0)), x)

    def rule(self) -> str:
        return "grad_input = grad / 6 for −3 < x < 3, else 0"

    @staticmethod
    def samples():
        return [((_away_from(_rand(3, 4), (-3, 3)),), {})]


class EluInplace(Elu):
    """``elu_`` (and ``selu_``): PyTorch's node for the in-place form."""

    node_name = "EluBackward1"


class Celu(Elu):
    """celu(x) = elu(x, alpha, scale=1, input_scale=1/alpha): PyTorch keeps its own node name."""

    node_name = "CeluBackward0"
    aten = "aten::celu"

    @staticmethod
    def samples():
        x = _away_from(_rand(3, 4, low=-2, high=2), (0,))
        return [((x,), {"alpha": 0.5, "input_scale": 2.0})]


class CeluInplace(Celu):
    node_name = "CeluBackward1"


class Threshold(_Activation):
    """``y = x if x > threshold else value``."""

    node_name = "ThresholdBackward0"
    aten = "aten::threshold"
    threshold = 0.0
    value = 0.0
    smooth = False
    selects_zero = True

    def forward(self, x):
        return np.where(x > self.threshold, x, np.asarray(self.value, dtype=x.dtype)).astype(x.dtype, copy=False)

    def d_input(self, x, r):
        return _mask(x._data > self.threshold, x)

    def rule(self) -> str:
        return f"grad_input = grad where input > {self.threshold}, else 0"

    @staticmethod
    def samples():
        return [((_away_from(_rand(3, 4), (0.5,)),), {"threshold": 0.5, "value": -2.0})]


class ThresholdInplace(Threshold):
    node_name = "ThresholdBackward1"


class Glu(Op):
    """``glu(x) = a · σ(b)`` with ``a, b`` the two halves of ``x`` along ``dim``."""

    node_name = "GluBackward0"
    aten = "aten::glu"
    saves = ("self",)
    dim = -1

    def forward(self, x):
        a, b = np.split(x, 2, axis=self.dim)
        e = np.exp(-np.abs(b))
        sig = np.where(b >= 0, 1 / (1 + e), e / (1 + e))
        return (a * sig).astype(x.dtype, copy=False)

    def _halves(self, x: Tensor):
        return x.chunk(2, self.dim)

    def vjp(self, grad):
        (x,) = self.saved
        a, b = self._halves(x)
        s = b.sigmoid()
        ga = grad * s
        return (_cat((ga, ga * a * (1 - s)), self.dim),)

    def jvp(self, tangents):
        x = self.fw_inputs[0]
        a, b = self._halves(x)
        ta, tb = self._halves(tangents[0])
        s = b.sigmoid()
        return ta * s + a * s * (1 - s) * tb

    def rule(self) -> str:
        return f"a, b = halves of input along dim {self.dim};  grad_a = grad · σ(b);  grad_b = grad · a · σ(b)(1 − σ(b))"

    @staticmethod
    def samples():
        return [((_rand(2, 6, low=-2, high=2),), {"dim": 1}), ((_rand(4, 2, low=-2, high=2),), {"dim": -1})]


def _cat(tensors, dim):
    # Looked up by name: ``cat`` lives in the joining ops, which load after this file.
    return FUNCTIONS["cat"](list(tensors), dim)


class PreluKernel(Op):
    """``_prelu_kernel(self, weight)``: x where x > 0, weight · x elsewhere (weight broadcast)."""

    node_name = "PreluKernelBackward0"
    aten = "aten::_prelu_kernel"
    inputs = ("self", "weight")
    saves = ("self", "weight")
    smooth = False

    def forward(self, x, w):
        return np.where(x > 0, x, w * x).astype(x.dtype, copy=False)

    def vjp(self, grad):
        x, w = self.saved
        pos = _mask(x._data > 0, x)
        gx = gw = None
        if self.next_functions[0][0] is not None:
            gx = sum_to(grad * (pos + (1 - pos) * w), x._data.shape)
        if self.next_functions[1][0] is not None:
            gw = sum_to(grad * (1 - pos) * x, w._data.shape)
        return gx, gw

    def jvp(self, tangents):
        tx, tw = tangents
        x, w = self.fw_inputs
        pos = _mask(x._data > 0, x)
        out = None
        if tx is not None:
            out = tx * (pos + (1 - pos) * w)
        if tw is not None:
            term = tw * (1 - pos) * x
            out = term if out is None else out + term
        return out

    def rule(self) -> str:
        return "grad_input = grad where x > 0, else weight · grad;  grad_weight = Σ grad · x where x ≤ 0"

    @staticmethod
    def samples():
        x = _away_from(_rand(2, 3, 2, low=-2, high=2), (0,))
        return [((x, np.array([0.25, -0.5, 1.5]).reshape(1, 3, 1)), {}), ((x[0, 0], np.array([0.3])), {})]


class Softshrink(_Activation):
    """x − lambd above lambd, x + lambd below −lambd, 0 in between."""

    node_name = "SoftshrinkBackward0"
    aten = "aten::softshrink"
    lambd = 0.5
    smooth = False
    selects_zero = True

    def forward(self, x):
        lam = self.lambd
        return np.where(x > lam, x - lam, np.where(x < -lam, x + lam, 0)).astype(x.dtype, copy=False)

    def d_input(self, x, r):
        return _mask(np.abs(x._data) > self.lambd, x)

    def rule(self) -> str:
        return f"grad_input = grad where |input| > {self.lambd}, else 0"

    @staticmethod
    def samples():
        return [((_away_from(_rand(3, 4, low=-2, high=2), (-0.5, 0.5)),), {})]


class Hardshrink(Softshrink):
    """x where |x| > lambd, else 0."""

    node_name = "HardshrinkBackward0"
    aten = "aten::hardshrink"

    def forward(self, x):
        return np.where(np.abs(x) > self.lambd, x, 0).astype(x.dtype, copy=False)
