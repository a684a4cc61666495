"""``nn.RNN``, ``nn.GRU``, ``nn.LSTM`` and their cells, building the graphs PyTorch 2.13 builds on the CPU.

RNN and GRU layers decompose as ATen's reference implementation does: the input projection of the
whole sequence at once (``view → addmm → view``, or ``matmul + bias`` for a non-contiguous input),
``unbind`` over time, one cell per step (``addmm`` for the hidden projection), ``stack`` of the
step outputs, ``cat`` of the two directions. LSTM layers are one fused ``MkldnnRnnLayerBackward0``
node per layer and direction, as PyTorch's oneDNN path on the CPU makes them.
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from ..._factories import empty, zeros
from ..._tensor import Tensor
from ...ops import rnn_ops
from ...ops.joining import cat, stack
from ...ops.shape import Transpose
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from ._packed_rnn import forward_packed
from .module import Module

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


class RNNBase(Module):
    """Parameters ``weight_ih_l{k}[_reverse]`` … for every layer and direction, uniform(±1/√hidden)."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None) -> None:
        super().__init__()
        if (not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool)):
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of an element being zeroed"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
                f"num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                stacklevel=2,
            )
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        for name, value in (("hidden_size", hidden_size), ("input_size", input_size), ("num_layers", num_layers)):
            if value <= 0:
                raise ValueError(f"{name} must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size  # h's size (LSTM projects h to proj_size)
        self._flat_weights_names = []
        for layer in range(num_layers):
            for direction in range(2 if bidirectional else 1):
                layer_input = input_size if layer == 0 else real_hidden * (2 if bidirectional else 1)
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                shapes = [("weight_ih", (gate_size, layer_input)), ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                for name, shape in shapes:
                    setattr(self, name + suffix, Parameter(empty(shape, dtype=dtype)))
                    self._flat_weights_names.append(name + suffix)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self) -> None:
        """A no-op: the engine keeps no fused weight buffer (PyTorch's is for cuDNN)."""

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        per = (4 if self.bias else 2) + (1 if self.proj_size > 0 else 0)
        w = self._flat_weights
        return [w[i:i + per] for i in range(0, len(w), per)]

    def _layer_weights(self, layer: int, direction: int) -> tuple:
        suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
        get = lambda n: getattr(self, n + suffix, None)  # noqa: E731
        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh")

    def _proj_weight(self, layer: int, direction: int):
        """``weight_hr_l{k}[_reverse]`` of an LSTM with ``proj_size``, else None."""
        return getattr(self, f"weight_hr_l{layer}" + ("_reverse" if direction == 1 else ""), None)

    def _state_size(self, index: int) -> int:
        """h is proj_size wide when projecting; c (index 1) stays hidden_size."""
        return self.proj_size if self.proj_size > 0 and index == 0 else self.hidden_size

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ---- checks with PyTorch's messages ----------------------------------------------------------
    def _check_input(self, input: Tensor) -> None:
        if input.dim() not in (2, 3):
            # PyTorch's RNN says "2D tensor", GRU and LSTM just "2D".
            word = " tensor" if type(self).__name__ == "RNN" else ""
            raise ValueError(f"{self._get_name()}: Expected input to be 2D or 3D, got {input.dim()}D{word} instead")

    def _check_sizes(self, input: Tensor, hiddens: list) -> None:
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got {input.shape[-1]}")
        batch = input.shape[0] if self.batch_first else input.shape[1]
        for i, (label, h) in enumerate(hiddens):
            expected = (self.num_layers * (2 if self.bidirectional else 1), batch, self._state_size(i))
            if tuple(h.shape) != expected:
                raise RuntimeError(f"Expected {label} size {expected}, got {list(h.shape)}")

    # ---- the layer loop --------------------------------------------------------------------------
    def _run(self, x: Tensor, states: list) -> tuple:
        """x is (T, B, I) after the batch_first transpose; states are per-state (L·D, B, H) tensors."""
        dirs = 2 if self.bidirectional else 1
        lstm = _fused_lstm(self.mode, x) and not self.proj_size
        # PyTorch picks each layer's initial state by indexing (LSTM) or one unbind (RNN, GRU).
        per_layer = [None] * len(states) if lstm else [s.unbind(0) for s in states]
        finals = [[] for _ in states]
        for layer in range(self.num_layers):
            outs = []
            for d in range(dirs):
                k = layer * dirs + d
                w = self._layer_weights(layer, d)
                init_states = [s[k] if lstm else per_layer[i][k] for i, s in enumerate(states)]
                if lstm:
                    out, hy, cy = rnn_ops.lstm_layer(x, *w, init_states[0], init_states[1], reverse=d == 1)
                    last = (hy, cy)
                else:
                    out, last = self._decomposed_direction(x, init_states, w, reverse=d == 1,
                                                           w_hr=self._proj_weight(layer, d))
                outs.append(out)
                for i, s in enumerate(last):
                    finals[i].append(s)
            x = outs[0] if dirs == 1 else cat(outs, 2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        return x, [stack(f, 0) for f in finals]

    def _decomposed_direction(self, x: Tensor, states: list, weights: tuple, reverse: bool, w_hr=None) -> tuple:
        w_ih, w_hh, b_ih, b_hh = weights
        gi = _sequence_projection(x, w_ih, b_ih).unbind(0)
        steps = range(len(gi) - 1, -1, -1) if reverse else range(len(gi))
        outputs = [None] * len(gi)
        h = states[0]
        c = states[1] if len(states) > 1 else None
        for t in steps:
            if self.mode == "GRU":
                h = rnn_ops.gru_cell_step(gi[t], h, w_hh, b_hh)
            elif self.mode == "LSTM":
                h, c = rnn_ops.lstm_cell_step(gi[t], h, c, w_hh, b_hh)
                if w_hr is not None:
                    h = h.mm(w_hr.t())  # ATen's projection of h: matmul_hr
            else:
                h = rnn_ops.rnn_cell_step(gi[t], h, w_hh, b_hh, "tanh" if self.mode == "RNN_TANH" else "relu")
            outputs[t] = h
        return stack(outputs, 0), (h,) if c is None else (h, c)

    def _forward(self, input: Tensor, states: list, labels: list) -> tuple:
        self._check_input(input)
        batched = input.dim() == 3
        batch_dim = 0 if self.batch_first else 1
        if not batched:
            input = input.unsqueeze(batch_dim)
            if states is not None:
                for s in states:
                    if s.dim() != 2:
                        raise RuntimeError(self._unbatched_message(states))
                states = [s.unsqueeze(1) for s in states]
        elif states is not None:
            for s in states:
                if s.dim() != 3:
                    raise RuntimeError(self._batched_message(states))
        batch = input.shape[0] if self.batch_first else input.shape[1]
        if states is None:
            layers = self.num_layers * (2 if self.bidirectional else 1)
            states = [zeros((layers, batch, self._state_size(i)), dtype=input.dtype) for i in range(len(labels))]
        self._check_sizes(input, list(zip(labels, states)))
        x = input
        fused = _fused_lstm(self.mode, input)
        if fused and self.proj_size:
            warnings.warn("LSTM with projections is not supported with oneDNN. Using default implementation. "
                          "(Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/RNN.cpp:1512.)",
                          UserWarning, stacklevel=3)
            fused = False
        if self.batch_first:
            x = x.transpose(0, 1)
            if fused:
                x = x.contiguous()
        out, finals = self._run(x, states)
        if self.batch_first:
            # ATen's RNN/GRU transpose the output in place (TransposeBackward1); its LSTM does not.
            out = out.transpose(0, 1) if self.mode == "LSTM" else Transpose.apply(
                out, dim0=0, dim1=1, node_name="TransposeBackward1")
        if not batched:
            out = out.squeeze(batch_dim)
            finals = [f.squeeze(1) for f in finals]
        return out, finals

    def _unbatched_message(self, states) -> str:
        return f"For unbatched 2-D input, hx should also be 2-D but got {states[0].dim()}-D tensor"

    def _batched_message(self, states) -> str:
        return f"For batched 3-D input, hx should also be 3-D but got {states[0].dim()}-D tensor"


def _fused_lstm(mode: str, x: Tensor) -> bool:
    """PyTorch runs float32 LSTMs through oneDNN (one fused node per layer); other dtypes step by step."""
    return mode == "LSTM" and x._data.dtype == np.float32


def _sequence_projection(x: Tensor, w_ih: Tensor, b_ih: Tensor | None) -> Tensor:
    """ATen's linear on a (T, B, I) sequence: folded into one addmm when contiguous, else matmul + bias."""
    if b_ih is not None and x._data.flags.c_contiguous:
        t, b, i = x.shape
        return b_ih.addmm(x.view(t * b, i), w_ih.t()).view(t, b, w_ih.shape[0])
    out = x.matmul(w_ih.t())
    return out if b_ih is None else out + b_ih


class RNN(RNNBase):
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple:
        if isinstance(input, PackedSequence):
            out, (h_n,) = forward_packed(self, input, None if hx is None else [hx], ["hidden"])
            return out, h_n
        out, (h_n,) = self._forward(input, None if hx is None else [hx], ["hidden"])
        return out, h_n


class GRU(RNNBase):
    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple:
        if isinstance(input, PackedSequence):
            out, (h_n,) = forward_packed(self, input, None if hx is None else [hx], ["hidden"])
            return out, h_n
        out, (h_n,) = self._forward(input, None if hx is None else [hx], ["hidden"])
        return out, h_n


class LSTM(RNNBase):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__("LSTM", *args, **kwargs)

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple:
        if isinstance(input, PackedSequence):
            out, (h_n, c_n) = forward_packed(self, input, None if hx is None else list(hx), ["hidden[0]", "hidden[1]"])
            return out, (h_n, c_n)
        out, (h_n, c_n) = self._forward(input, None if hx is None else list(hx), ["hidden[0]", "hidden[1]"])
        return out, (h_n, c_n)

    def _unbatched_message(self, states) -> str:
        return (f"For unbatched 2-D input, hx and cx should also be 2-D but got "
                f"({states[0].dim()}-D, {states[1].dim()}-D) tensors")

    def _batched_message(self, states) -> str:
        return (f"For batched 3-D input, hx and cx should also be 3-D but got "
                f"({states[0].dim()}-D, {states[1].dim()}-D) tensors")


# ---- cells -------------------------------------------------------------------------------------------


class RNNCellBase(Module):
    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(empty((num_chunks * hidden_size, input_size), dtype=dtype))
        self.weight_hh = Parameter(empty((num_chunks * hidden_size, hidden_size), dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, dtype=dtype))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _prepare(self, input: Tensor, hiddens) -> tuple:
        """Checks with PyTorch's messages; unbatched (1-D) input gets a batch dim of one."""
        if input.dim() not in (1, 2):
            raise ValueError(f"{self._get_name()}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        for h in hiddens or ():
            if h.dim() not in (1, 2):
                raise ValueError(f"{self._get_name()}: Expected hidden to be 1D or 2D, got {h.dim()}D instead")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        if input.shape[1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[1]} expected {self.input_size}")
        if hiddens is None:
            return input, None, batched
        hiddens = [h if batched else h.unsqueeze(0) for h in hiddens]
        for i, h in enumerate(hiddens):
            if input.shape[0] != h.shape[0]:
                raise RuntimeError(f"Input batch size {input.shape[0]} doesn't match hidden{i} batch size {h.shape[0]}")
            if h.shape[1] != self.hidden_size:
                raise RuntimeError(f"hidden{i} has inconsistent hidden_size: got {h.shape[1]}, expected {self.hidden_size}")
        return input, hiddens, batched

    def _zeros(self, input: Tensor) -> Tensor:
        return zeros((input.shape[0], self.hidden_size), dtype=input.dtype)


class RNNCell(RNNCellBase):
    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, hiddens, batched = self._prepare(input, None if hx is None else [hx])
        hx = self._zeros(input) if hiddens is None else hiddens[0]
        if self.nonlinearity == "tanh":
            ret = rnn_ops.rnn_tanh_cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        elif self.nonlinearity == "relu":
            ret = rnn_ops.rnn_relu_cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        return ret if batched else ret.squeeze(0)


class GRUCell(RNNCellBase):
    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, hiddens, batched = self._prepare(input, None if hx is None else [hx])
        hx = self._zeros(input) if hiddens is None else hiddens[0]
        ret = rnn_ops.gru_cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return ret if batched else ret.squeeze(0)


class LSTMCell(RNNCellBase):
    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple:
        input, hiddens, batched = self._prepare(input, None if hx is None else list(hx))
        if hiddens is None:
            hiddens = [self._zeros(input), self._zeros(input)]
        hy, cy = rnn_ops.lstm_cell(input, hiddens[0], hiddens[1], self.weight_ih, self.weight_hh, self.bias_ih,
                                   self.bias_hh)
        return (hy, cy) if batched else (hy.squeeze(0), cy.squeeze(0))
