"""RNN, GRU and LSTM over a ``PackedSequence``, building the graph ATen's ``PackedLayer`` builds on the CPU.

Per layer and direction: the input projection of all packed rows at once (``addmm``), then one cell
per time step on a ``narrow`` of it (``SliceBackward0``). Going forward, when fewer sequences run at
the next step the finished rows of the hidden state are narrowed off and kept; the final hidden state
is their ``cat``. Going backward (the reverse direction) the hidden state starts with the rows of the
shortest step and grows by ``cat`` with the rows of the initial state. The step outputs are one
``cat``; two directions are a ``cat`` on the last dim; the layers' final states are ``stack``-ed.
LSTMs take this path too (PyTorch's fused oneDNN node is only for padded input). The hidden state is
permuted into sorted order and back with ``index_select`` when the batch was sorted by length.
"""

from __future__ import annotations

from ..._factories import zeros
from ...ops import rnn_ops
from ...ops.joining import cat, stack
from .. import functional as F
from ..utils.rnn import PackedSequence


def _cell(mode: str, gi, hidden: list, w_hh, b_hh, w_hr) -> list:
    if mode == "GRU":
        return [rnn_ops.gru_cell_step(gi, hidden[0], w_hh, b_hh)]
    if mode == "LSTM":
        h, c = rnn_ops.lstm_cell_step(gi, hidden[0], hidden[1], w_hh, b_hh)
        return [h if w_hr is None else h.mm(w_hr.t()), c]
    return [rnn_ops.rnn_cell_step(gi, hidden[0], w_hh, b_hh, "tanh" if mode == "RNN_TANH" else "relu")]


def _forward_direction(mode: str, data, sizes: list, initial: list, weights: tuple) -> tuple:
    w_ih, w_hh, b_ih, b_hh, w_hr = weights
    gi = rnn_ops._input_proj(data, w_ih, b_ih)
    hidden, finished, outputs = initial, [], []
    offset, last = 0, sizes[0]
    for n in sizes:
        step = gi.narrow(0, offset, n)
        offset += n
        if last > n:
            finished.append([h.narrow(0, n, last - n) for h in hidden])
            hidden = [h.narrow(0, 0, n) for h in hidden]
        last = n
        hidden = _cell(mode, step, hidden, w_hh, b_hh, w_hr)
        outputs.append(hidden[0])
    finished.append(hidden)
    finished.reverse()
    return cat(outputs, 0), [cat([part[i] for part in finished], 0) for i in range(len(hidden))]


def _reverse_direction(mode: str, data, sizes: list, initial: list, weights: tuple) -> tuple:
    w_ih, w_hh, b_ih, b_hh, w_hr = weights
    gi = rnn_ops._input_proj(data, w_ih, b_ih)
    offset, last = gi.shape[0], sizes[-1]
    hidden = [h.narrow(0, 0, last) for h in initial]
    outputs = []
    for n in reversed(sizes):
        if n > last:
            hidden = [cat([h, h0.narrow(0, last, n - last)], 0) for h, h0 in zip(hidden, initial)]
        step = gi.narrow(0, offset - n, n)
        offset -= n
        last = n
        hidden = _cell(mode, step, hidden, w_hh, b_hh, w_hr)
        outputs.append(hidden[0])
    outputs.reverse()
    return cat(outputs, 0), hidden


def _permute(states: list, permutation) -> list:
    return states if permutation is None else [s.index_select(1, permutation) for s in states]


def forward_packed(module, packed, states: list | None, labels: list) -> tuple:
    """``module`` an RNNBase; returns (PackedSequence of the last layer's outputs, final states)."""
    data, batch_sizes, sorted_indices, unsorted_indices = packed
    # PyTorch's LSTM.forward checks padded input only: a packed one meets its first error inside the
    # computation (addmm's or broadcasting's message), as here.
    checked = module.mode != "LSTM"
    if checked and data.dim() != 2:
        raise RuntimeError(f"input must have 2 dimensions, got {data.dim()}")
    if checked and data.shape[-1] != module.input_size:
        raise RuntimeError(
            f"input.size(-1) must be equal to input_size. Expected {module.input_size}, got {data.shape[-1]}")
    sizes = [int(n) for n in batch_sizes._data]
    dirs = 2 if module.bidirectional else 1
    shapes = [(module.num_layers * dirs, sizes[0], module._state_size(i)) for i in range(len(labels))]
    if states is None:
        states = [zeros(shape, dtype=data.dtype) for shape in shapes]
    else:
        states = _permute(list(states), sorted_indices)
    for label, h, expected in zip(labels, states, shapes):
        if checked and tuple(h.shape) != expected:
            raise RuntimeError(f"Expected {label} size {expected}, got {list(h.shape)}")
    per_layer = [s.unbind(0) for s in states]
    finals = [[] for _ in states]
    x = data
    for layer in range(module.num_layers):
        outs = []
        for d in range(dirs):
            k = layer * dirs + d
            run = _reverse_direction if d == 1 else _forward_direction
            weights = (*module._layer_weights(layer, d), module._proj_weight(layer, d))
            out, last = run(module.mode, x, sizes, [p[k] for p in per_layer], weights)
            outs.append(out)
            for i, s in enumerate(last):
                finals[i].append(s)
        x = outs[0] if dirs == 1 else cat(outs, -1)
        if module.dropout and module.training and layer < module.num_layers - 1:
            x = F.dropout(x, module.dropout, True)
    hiddens = _permute([stack(f, 0) for f in finals], unsorted_indices)
    return PackedSequence(x, batch_sizes, sorted_indices, unsorted_indices), hiddens
