"""The recurrent building blocks PyTorch's CPU kernels produce.

* ``UnsafeSplitBackward0``: ``unsafe_chunk``, which the GRU and LSTM cells use to cut the gates.
* ``MkldnnRnnLayerBackward0``: PyTorch runs a whole LSTM layer (one direction) as one fused node
  with edges (input, weight_ih, weight_hh, bias_ih, bias_hh, hx, cx) and outputs (output, hy, cy).
  Its rules are written with engine ops (backpropagation through time as a loop of matmuls and
  elementwise products), so the gradient can itself be differentiated.
* The cells (``rnn_tanh_cell``, ``rnn_relu_cell``, ``gru_cell``, ``lstm_cell``) are compositions of
  ordinary ops, in the order and shape of PyTorch's decomposition (``AddmmBackward0``,
  ``UnsafeSplitBackward0``, ``SigmoidBackward0``, ...).
"""

from __future__ import annotations

import numpy as np

from .._api import public
from .._op import Op
from .._state import STATE
from .._tensor import Tensor, _make
from ._samples import uniform
from .joining import Split, cat, chunk_size_checked, split_size_checked, stack


def _rand(*shape, seed=0, scale=1.0):
    return uniform(*shape, low=-scale, high=scale, seed=seed)


class UnsafeSplit(Split):
    """``unsafe_split``/``unsafe_chunk``: ``split`` whose pieces are not views: autograd does not track
    them as views of the input, yet they share its storage (numpy views), as in PyTorch, so an
    in-place write to either side shows in the other."""

    node_name = "UnsafeSplitBackward0"
    aten = "aten::unsafe_split"

    def forward(self, x):
        return Split.forward(self, x)

    @staticmethod
    def samples():
        return [((_rand(2, 6),), {"dim": 1, "split_size": 2})]


@public(method=True)
def unsafe_chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    d, split_size = chunk_size_checked(input, chunks, dim)
    return UnsafeSplit.apply(input, dim=d, split_size=split_size)


@public(method=True)
def unsafe_split(input: Tensor, split_size: int, dim: int = 0) -> tuple:
    d, split_size = split_size_checked(input, split_size, dim)
    return UnsafeSplit.apply(input, dim=d, split_size=split_size)


# ---- cells ---------------------------------------------------------------------------------------


def _hidden_proj(hx: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    return hx.mm(w_hh.t()) if b_hh is None else b_hh.addmm(hx, w_hh.t())


def rnn_cell_step(gi: Tensor, hx: Tensor, w_hh, b_hh, nonlinearity: str) -> Tensor:
    """h' = act(W_hh h + b_hh + gi), gi the input projection (PyTorch adds hidden part first)."""
    pre = _hidden_proj(hx, w_hh, b_hh) + gi
    return pre.tanh() if nonlinearity == "tanh" else pre.relu()


def gru_cell_step(gi: Tensor, hx: Tensor, w_hh, b_hh) -> Tensor:
    """PyTorch's GRU cell: r, z from sigmoid(h_part + i_part); n = tanh(i_n + h_n·r); h' = (h − n)·z + n."""
    i_r, i_z, i_n = unsafe_chunk(gi, 3, 1)
    h_r, h_z, h_n = unsafe_chunk(_hidden_proj(hx, w_hh, b_hh), 3, 1)
    reset = (h_r + i_r).sigmoid()
    update = (h_z + i_z).sigmoid()
    new = (i_n + h_n * reset).tanh()
    return (hx - new) * update + new


def lstm_cell_step(gi: Tensor, hx: Tensor, cx: Tensor, w_hh, b_hh) -> tuple:
    """PyTorch's LSTM cell: gates (i, f, g, o); c' = σ(f)·c + σ(i)·tanh(g); h' = σ(o)·tanh(c')."""
    gates = _hidden_proj(hx, w_hh, b_hh) + gi
    i, f, g, o = unsafe_chunk(gates, 4, 1)
    cy = f.sigmoid() * cx + i.sigmoid() * g.tanh()
    hy = o.sigmoid() * cy.tanh()
    return hy, cy


def _input_proj(x: Tensor, w_ih: Tensor, b_ih: Tensor | None) -> Tensor:
    return x.mm(w_ih.t()) if b_ih is None else b_ih.addmm(x, w_ih.t())


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None) -> Tensor:
    return rnn_cell_step(_input_proj(input, w_ih, b_ih), hx, w_hh, b_hh, "tanh")


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None) -> Tensor:
    return rnn_cell_step(_input_proj(input, w_ih, b_ih), hx, w_hh, b_hh, "relu")


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None) -> Tensor:
    return gru_cell_step(_input_proj(input, w_ih, b_ih), hx, w_hh, b_hh)


def lstm_cell(input, hx, cx, w_ih, w_hh, b_ih=None, b_hh=None) -> tuple:
    # PyTorch adds the hidden projection first and the input projection second.
    return lstm_cell_step(_input_proj(input, w_ih, b_ih), hx, cx, w_hh, b_hh)


# ---- the fused LSTM layer --------------------------------------------------------------------------


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * a) + 1.0)


class MkldnnRnnLayer(Op):
    """One LSTM layer in one direction over a (T, B, I) sequence: outputs (output, hy, cy)."""

    node_name = "MkldnnRnnLayerBackward0"
    aten = "aten::mkldnn_rnn_layer"
    inputs = ("input", "weight0", "weight1", "weight2", "weight3", "hx_", "cx_")
    saves = ("input", "weight0", "weight1", "weight2", "weight3", "hx_", "cx_")
    num_outputs = 3
    reverse = False
    has_biases = True
    # Fixed attributes PyTorch exposes as grad_fn._saved_<name>.
    mode = 2
    num_layers = 1
    batch_first = False
    bidirectional = False
    train = True
    batch_sizes = ()

    def forward(self, x, w_ih, w_hh, b_ih, b_hh, hx, cx):
        steps = range(x.shape[0] - 1, -1, -1) if self.reverse else range(x.shape[0])
        gi = x @ w_ih.T
        if self.has_biases:
            gi = gi + (b_ih + b_hh)
        size = hx.shape[-1]
        out = np.empty(x.shape[:2] + (size,), dtype=x.dtype)
        acts = np.empty(x.shape[:2] + (4 * size,), dtype=x.dtype)  # σ(i), σ(f), tanh(g), σ(o) per step
        c_prev = np.empty_like(out)
        h_prev = np.empty_like(out)
        h, c = hx, cx
        for t in steps:
            gates = gi[t] + h @ w_hh.T
            a = acts[t]
            a[:, :2 * size] = _sigmoid(gates[:, :2 * size])
            a[:, 2 * size:3 * size] = np.tanh(gates[:, 2 * size:3 * size])
            a[:, 3 * size:] = _sigmoid(gates[:, 3 * size:])
            h_prev[t], c_prev[t] = h, c
            c = a[:, size:2 * size] * c + a[:, :size] * a[:, 2 * size:3 * size]
            h = a[:, 3 * size:] * np.tanh(c)
            out[t] = h
        # Kept for the plain (first-order) backward; the differentiable rule recomputes them.
        self._steps = (acts, h_prev, c_prev)
        return out, h.astype(x.dtype, copy=False), c.astype(x.dtype, copy=False)

    def _release(self) -> None:
        super()._release()
        self._steps = None

    def _gates(self, x, w_ih, w_hh, b_ih, b_hh, hx, cx):
        """Re-run the forward with engine ops, keeping each step's gates for the rules."""
        size = hx.shape[-1]
        gi = x.matmul(w_ih.t())
        if self.has_biases:
            gi = gi + (b_ih + b_hh)
        steps = range(x.shape[0] - 1, -1, -1) if self.reverse else range(x.shape[0])
        h, c, record = hx, cx, []
        for t in steps:
            gates = gi[t] + h.mm(w_hh.t())
            i, f = gates[:, :size].sigmoid(), gates[:, size:2 * size].sigmoid()
            g, o = gates[:, 2 * size:3 * size].tanh(), gates[:, 3 * size:].sigmoid()
            c_new = f * c + i * g
            tc = c_new.tanh()
            record.append((t, h, c, i, f, g, o, tc))
            h, c = o * tc, c_new
        return record

    def vjp(self, grad_out, grad_hy, grad_cy):
        x, w_ih, w_hh, b_ih, b_hh, hx, cx = self.saved
        if not STATE.grad_enabled:
            return self._numpy_vjp(x, w_ih, w_hh, grad_out, grad_hy, grad_cy)
        record = self._gates(x, w_ih, w_hh, b_ih, b_hh, hx, cx)
        dh, dc = grad_hy, grad_cy
        d_gates = [None] * len(record)
        h_prev = [None] * len(record)
        for t, h, c, i, f, g, o, tc in reversed(record):
            dh = dh + grad_out[t]
            d_o = dh * tc
            dc = dh * o * (1 - tc * tc) + dc
            d_i, d_g, d_f = dc * g, dc * i, dc * c
            dc = dc * f
            da = cat([d_i * i * (1 - i), d_f * f * (1 - f), d_g * (1 - g * g), d_o * o * (1 - o)], 1)
            dh = da.mm(w_hh)
            d_gates[t], h_prev[t] = da, h
        da_all = stack(d_gates, 0)
        rows = da_all.reshape(-1, da_all.shape[-1])
        g_x = da_all.matmul(w_ih)
        g_wih = rows.t().mm(x.reshape(-1, x.shape[-1]))
        g_whh = rows.t().mm(stack(h_prev, 0).reshape(-1, hx.shape[-1]))
        g_b = rows.sum(0) if self.has_biases else None
        return g_x, g_wih, g_whh, g_b, g_b, dh, dc

    def _numpy_vjp(self, x, w_ih, w_hh, grad_out, grad_hy, grad_cy) -> tuple:
        """The same backpropagation through time in numpy, when no graph of the gradient is wanted."""
        acts, h_prev, c_prev = self._steps
        size = h_prev.shape[-1]
        go, dh, dc = grad_out._data, grad_hy._data, grad_cy._data
        w = w_hh._data
        steps = range(x.shape[0]) if self.reverse else range(x.shape[0] - 1, -1, -1)
        d_acts = np.empty_like(acts)
        for t in steps:
            a = acts[t]
            i, f, g, o = a[:, :size], a[:, size:2 * size], a[:, 2 * size:3 * size], a[:, 3 * size:]
            dh = dh + go[t]
            c = f * c_prev[t] + i * g
            tc = np.tanh(c)
            dc = dh * o * (1 - tc * tc) + dc
            da = d_acts[t]
            da[:, :size] = dc * g * i * (1 - i)
            da[:, size:2 * size] = dc * c_prev[t] * f * (1 - f)
            da[:, 2 * size:3 * size] = dc * i * (1 - g * g)
            da[:, 3 * size:] = dh * tc * o * (1 - o)
            dc = dc * f
            dh = da @ w
        rows = d_acts.reshape(-1, d_acts.shape[-1])
        g_x = d_acts @ w_ih._data
        g_wih = rows.T @ x._data.reshape(-1, x.shape[-1])
        g_whh = rows.T @ h_prev.reshape(-1, size)
        g_b = _make(rows.sum(0)) if self.has_biases else None
        return _make(g_x), _make(g_wih), _make(g_whh), g_b, g_b, _make(dh), _make(dc)

    def jvp(self, tangents):
        x, w_ih, w_hh, b_ih, b_hh, hx, cx = self.fw_inputs
        tx, tw_ih, tw_hh, tb_ih, tb_hh, thx, tcx = tangents
        record = self._gates(x, w_ih, w_hh, b_ih, b_hh, hx, cx)
        zero_h = hx * 0
        dgi = x.matmul(w_ih.t()) * 0
        if tx is not None:
            dgi = dgi + tx.matmul(w_ih.t())
        if tw_ih is not None:
            dgi = dgi + x.matmul(tw_ih.t())
        for tb in (tb_ih, tb_hh):
            if tb is not None and self.has_biases:
                dgi = dgi + tb
        dh = thx if thx is not None else zero_h
        dc = tcx if tcx is not None else zero_h
        outs = [None] * len(record)
        for t, h, c, i, f, g, o, tc in record:
            da = dgi[t] + dh.mm(w_hh.t())
            if tw_hh is not None:
                da = da + h.mm(tw_hh.t())
            size = h.shape[-1]
            d_i = da[:, :size] * i * (1 - i)
            d_f = da[:, size:2 * size] * f * (1 - f)
            d_g = da[:, 2 * size:3 * size] * (1 - g * g)
            d_o = da[:, 3 * size:] * o * (1 - o)
            dc = d_f * c + f * dc + d_i * g + i * d_g
            dh = d_o * tc + o * (1 - tc * tc) * dc
            outs[t] = dh
        return stack(outs, 0), dh, dc

    def rule(self) -> str:
        return (
            "backpropagation through time over the layer's steps (reversed for the reverse direction): "
            "dc += dh·o·(1 − tanh²c); d(gates) = (dc·g, dc·c_prev, dc·i, dh·tanh c) · σ'/tanh'; "
            "dh_prev = d(gates)·W_hh; grad_W_ih = Σ d(gates)ᵀ x; grad_W_hh = Σ d(gates)ᵀ h_prev"
        )

    @staticmethod
    def samples():
        t, b, i, h = 3, 2, 3, 2
        args = (_rand(t, b, i), _rand(4 * h, i, scale=0.6), _rand(4 * h, h, scale=0.6), _rand(4 * h, scale=0.3),
                _rand(4 * h, seed=1, scale=0.3), _rand(b, h, seed=2), _rand(b, h, seed=3))
        return [(args, {}), (args, {"reverse": True})]


def lstm_layer(x: Tensor, w_ih, w_hh, b_ih, b_hh, hx: Tensor, cx: Tensor, reverse: bool) -> tuple:
    """One direction of one LSTM layer as PyTorch's fused node; missing biases are grad-less zeros."""
    has_biases = b_ih is not None
    if not has_biases:
        zeros = _make(np.zeros(w_ih._data.shape[0], dtype=w_ih._data.dtype))
        b_ih = b_hh = zeros
    return MkldnnRnnLayer.apply(x, w_ih, w_hh, b_ih, b_hh, hx, cx, reverse=reverse, has_biases=has_biases)
