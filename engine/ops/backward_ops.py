"""The backward kernels PyTorch's derivative formulas call, as ops of their own.

PyTorch writes the reverse rule of tanh as ``tanh_backward(grad, result)``, of softmax as
``_softmax_backward_data(grad, result, dim)``, and so on. Under ``create_graph=True`` the gradient
is then the output of *that* op: its grad_fn is ``TanhBackwardBackward0``, not a ``MulBackward0``.
These classes are those kernels, with PyTorch's own double-backward formulas (derivatives.yaml), so
the second-order graph has PyTorch's nodes and the values follow the same arithmetic.
"""

from __future__ import annotations

import numpy as np

from .._op import Op
from .._tensor import _make
from ._math_util import _add, _needs
from ._samples import sampler

_rand = sampler(seed=31)


class _OutputBackward(Op):
    """A backward kernel of ``(grad_output, output)``: grad_output's gradient reads the output, the
    output's reads both (derivatives.yaml's ``*_backward_backward`` formulas)."""

    inputs = ("grad_output", "output")
    saves = ("grad_output", "output")
    saves_for = {"grad_output": ("output",), "output": ("grad_output", "output")}


class _SoftmaxFamilyBackward(_OutputBackward):
    """The softmax and log_softmax kernels: both sum over ``self.dim`` (a 0-d tensor has no dim)."""

    def _sum(self, t):
        return t.sum(dim=self.dim, keepdim=True) if t._data.ndim else t


class TanhBackward(_OutputBackward):
    """``tanh_backward(grad_output, output) = grad_output · (1 − output²)``."""

    node_name = "TanhBackwardBackward0"
    aten = "aten::tanh_backward"

    def forward(self, go, r):
        return go * (1 - r * r)

    def vjp(self, grad):
        go, r = self.saved
        g_go = TanhBackward.apply(grad, r) if _needs(self, 0) else None
        g_r = -2 * r * go * grad if _needs(self, 1) else None  # derivatives.yaml: -2 * output * grad * grad_output
        return g_go, g_r

    def jvp(self, tangents):
        t_go, t_r = tangents
        go, r = self.fw_inputs
        return _add(t_go * (1 - r * r) if t_go is not None else None, -2 * r * go * t_r if t_r is not None else None)

    def rule(self) -> str:
        return "grad_grad_output = grad · (1 − output²);  grad_output = −2 · output · grad_output · grad"

    @staticmethod
    def samples():
        return [((_rand(2, 3), _rand(2, 3, low=-0.9, high=0.9, seed=1)), {})]


class SigmoidBackward(_OutputBackward):
    """``sigmoid_backward(grad_output, output) = grad_output · output · (1 − output)``."""

    node_name = "SigmoidBackwardBackward0"
    aten = "aten::sigmoid_backward"

    def forward(self, go, r):
        return go * (r * (1 - r))

    def vjp(self, grad):
        go, r = self.saved
        g_go = SigmoidBackward.apply(grad, r) if _needs(self, 0) else None
        g_r = grad * go * (-2 * r + 1) if _needs(self, 1) else None
        return g_go, g_r

    def jvp(self, tangents):
        t_go, t_r = tangents
        go, r = self.fw_inputs
        return _add(t_go * (r * (1 - r)) if t_go is not None else None, go * (-2 * r + 1) * t_r if t_r is not None else None)

    def rule(self) -> str:
        return "grad_grad_output = grad · output · (1 − output);  grad_output = grad · grad_output · (1 − 2 · output)"

    @staticmethod
    def samples():
        return [((_rand(2, 3), _rand(2, 3, low=0.1, high=0.9, seed=2)), {})]


class SoftmaxBackwardData(_SoftmaxFamilyBackward):
    """``_softmax_backward_data(grad_output, output, dim) = output · (grad_output − Σ_dim grad_output · output)``."""

    node_name = "SoftmaxBackwardDataBackward0"
    aten = "aten::_softmax_backward_data"

    def forward(self, go, r):
        if r.ndim == 0:
            return go * r - go * r * r
        return r * (go - np.sum(go * r, axis=self.dim, keepdims=True))

    def vjp(self, grad):
        go, r = self.saved
        g_go = SoftmaxBackwardData.apply(grad, r, dim=self.dim) if _needs(self, 0) else None
        g_r = None
        if _needs(self, 1):
            # PyTorch's softmax_double_backward
            g_r = grad * go - self._sum(r * go) * grad - go * self._sum(r * grad)
        return g_go, g_r

    def jvp(self, tangents):
        t_go, t_r = tangents
        go, r = self.fw_inputs
        out = None
        if t_go is not None:
            out = SoftmaxBackwardData.apply(t_go, r, dim=self.dim)
        if t_r is not None:
            out = _add(out, t_r * (go - self._sum(go * r)) - r * self._sum(go * t_r))
        return out

    def rule(self) -> str:
        return f"grad_grad_output = softmax backward of grad (dim {self.dim});  grad_output = softmax double backward"

    @staticmethod
    def samples():
        r = np.random.default_rng(3).uniform(0.1, 1.0, (2, 3))
        return [((_rand(2, 3), r / r.sum(1, keepdims=True)), {"dim": 1})]


class LogSoftmaxBackwardData(_SoftmaxFamilyBackward):
    """``_log_softmax_backward_data(grad_output, output, dim) = grad_output − exp(output) · Σ_dim grad_output``."""

    node_name = "LogSoftmaxBackwardDataBackward0"
    aten = "aten::_log_softmax_backward_data"

    def forward(self, go, r):
        if r.ndim == 0:
            return go - np.exp(r) * go
        return go - np.exp(r) * np.sum(go, axis=self.dim, keepdims=True)

    def vjp(self, grad):
        go, r = self.saved
        # derivatives.yaml: grad - (grad * output.exp()).sum(dim, true) (the transpose of the forward map)
        g_go = grad - self._sum(grad * r.exp()) if _needs(self, 0) else None
        g_r = -grad * r.exp() * self._sum(go) if _needs(self, 1) else None
        return g_go, g_r

    def jvp(self, tangents):
        t_go, t_r = tangents
        go, r = self.fw_inputs
        out = None
        if t_go is not None:
            out = LogSoftmaxBackwardData.apply(t_go, r, dim=self.dim)
        if t_r is not None:
            out = _add(out, -t_r * r.exp() * self._sum(go))
        return out

    def rule(self) -> str:
        return f"grad_grad_output = grad − exp(output) · Σ_dim{self.dim} grad;  grad_output = −grad · exp(output) · Σ grad_output"

    @staticmethod
    def samples():
        r = np.log(np.random.default_rng(4).dirichlet(np.ones(3), size=2))
        return [((_rand(2, 3), r), {"dim": 1})]


class ThresholdBackward(Op):
    """``threshold_backward(grad_output, self, threshold)``: grad_output where self > threshold, else 0 (a selection)."""

    node_name = "ThresholdBackwardBackward0"
    aten = "aten::threshold_backward"
    inputs = ("grad_output", "self")
    saves = ("self",)
    saves_for = {"self": ("grad_output",)}
    threshold = 0.0
    smooth = False

    def forward(self, go, x):
        return np.where(x <= self.threshold, np.zeros((), go.dtype), go)

    def vjp(self, grad):
        (x,) = self.saved
        g_go = ThresholdBackward.apply(grad, x, threshold=self.threshold) if _needs(self, 0) else None
        g_x = _make(np.zeros(x._data.shape, dtype=grad._data.dtype)) if _needs(self, 1) else None
        return g_go, g_x

    def jvp(self, tangents):
        t_go = tangents[0]
        if t_go is None:
            return self.fw_result * 0
        return ThresholdBackward.apply(t_go, self.fw_inputs[1], threshold=self.threshold)

    def rule(self) -> str:
        return f"grad_grad_output = grad where self > {self.threshold}, else 0;  grad_self = 0"

    @staticmethod
    def samples():
        x = _rand(2, 3, seed=5)
        x[np.abs(x) < 0.05] = 0.3
        return [((_rand(2, 3), x), {})]
