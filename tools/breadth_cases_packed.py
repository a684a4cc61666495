"""Parity cases: ``torch.nn.utils.rnn`` and the recurrent layers on a ``PackedSequence``."""

from __future__ import annotations

from breadth_harness import BOTH, case, init_module, rand


def _rnn_utils(torch):
    return torch.nn.utils.rnn


@case("pack_padded_sorted", BOTH)
def _pack_sorted(torch, dt, rng):
    x = rand(torch, dt, rng, (4, 3, 2))
    p = _rnn_utils(torch).pack_padded_sequence(x, [4, 2, 1])
    return [p.data, p.batch_sizes], {"x": x}, None


@case("pack_padded_unsorted_batch_first", BOTH)
def _pack_unsorted(torch, dt, rng):
    x = rand(torch, dt, rng, (4, 3, 2))
    p = _rnn_utils(torch).pack_padded_sequence(x, torch.tensor([2, 3, 2]), batch_first=True, enforce_sorted=False)
    assert p.sorted_indices.tolist() == [1, 0, 2] and p.unsorted_indices.tolist() == [1, 0, 2]
    return [p.data], {"x": x}, None


@case("pad_packed_round_trip", BOTH)
def _pad_packed(torch, dt, rng):
    x = rand(torch, dt, rng, (3, 4, 2))
    u = _rnn_utils(torch)
    p = u.pack_padded_sequence(x, [1, 3, 2, 3], enforce_sorted=False)
    out, lengths = u.pad_packed_sequence(p, padding_value=-2.0, total_length=5)
    assert lengths.tolist() == [1, 3, 2, 3] and lengths.dtype == torch.int64
    out_bf, lengths_bf = u.pad_packed_sequence(p, batch_first=True)
    return [out, out_bf], {"x": x}, None


@case("pad_sequence_sides", BOTH)
def _pad_sequence(torch, dt, rng):
    seqs = [rand(torch, dt, rng, (n, 2)) for n in (2, 4, 1)]
    u = _rnn_utils(torch)
    return [u.pad_sequence(seqs), u.pad_sequence(seqs, batch_first=True, padding_value=1.5),
            u.pad_sequence(seqs, padding_side="left")], {f"s{i}": s for i, s in enumerate(seqs)}, None


@case("pack_sequence_unsorted_unpack", BOTH)
def _pack_sequence(torch, dt, rng):
    seqs = [rand(torch, dt, rng, (n, 3)) for n in (2, 4, 1)]
    u = _rnn_utils(torch)
    p = u.pack_sequence(seqs, enforce_sorted=False)
    back = u.unpack_sequence(p)
    assert [tuple(b.shape) for b in back] == [(2, 3), (4, 3), (1, 3)]
    return [p.data, *back], {f"s{i}": s for i, s in enumerate(seqs)}, None


def _layer(torch, dt, rng, mode, kwargs, lengths, batch_first=False, hx=False, sort=False):
    m = init_module(torch, getattr(torch.nn, mode)(3, 4, batch_first=batch_first, **kwargs), dt, rng)
    u = _rnn_utils(torch)
    batch = len(lengths)
    shape = (batch, max(lengths), 3) if batch_first else (max(lengths), batch, 3)
    x = rand(torch, dt, rng, shape)
    p = u.pack_padded_sequence(x, lengths, batch_first=batch_first, enforce_sorted=not sort)
    leaves = {"x": x}
    state = None
    if hx:
        states = m.num_layers * (2 if m.bidirectional else 1), batch, 4
        leaves["h"] = rand(torch, dt, rng, states)
        state = leaves["h"]
        if mode == "LSTM":
            leaves["c"] = rand(torch, dt, rng, states)
            state = (leaves["h"], leaves["c"])
    out, h = m(p) if state is None else m(p, state)
    assert type(out).__name__ == "PackedSequence"
    padded, _ = u.pad_packed_sequence(out, batch_first=batch_first)
    return [out.data, padded, h], leaves, m


for _mode in ("RNN", "GRU", "LSTM"):
    _lo = _mode.lower()
    case(f"{_lo}_packed", BOTH)(lambda torch, dt, rng, m=_mode: _layer(torch, dt, rng, m, {}, [3, 2, 2, 1]))
    case(f"{_lo}_packed_unsorted_hx", BOTH)(
        lambda torch, dt, rng, m=_mode: _layer(torch, dt, rng, m, {}, [1, 3, 2], hx=True, sort=True))
    case(f"{_lo}_packed_2layer_bidir_batch_first", BOTH)(
        lambda torch, dt, rng, m=_mode: _layer(torch, dt, rng, m, {"num_layers": 2, "bidirectional": True},
                                               [2, 4, 4, 1], batch_first=True, sort=True))
    case(f"{_lo}_packed_no_bias", ("float64",))(
        lambda torch, dt, rng, m=_mode: _layer(torch, dt, rng, m, {"bias": False}, [3, 3, 1]))
case("rnn_relu_packed_dropout", structure_only=True)(
    lambda torch, dt, rng: _layer(torch, dt, rng, "RNN", {"nonlinearity": "relu", "num_layers": 2, "dropout": 0.5},
                                  [3, 1]))


# ---- errors with PyTorch's messages ---------------------------------------------------------------------

@case("pack_unsorted_enforced", error=True)
def _err_unsorted(torch, dt, rng):
    _rnn_utils(torch).pack_padded_sequence(rand(torch, dt, rng, (3, 2, 1)), [1, 3])


@case("pack_zero_length", error=True)
def _err_zero(torch, dt, rng):
    _rnn_utils(torch).pack_padded_sequence(rand(torch, dt, rng, (3, 2, 1)), [3, 0])


@case("pack_lengths_count", error=True)
def _err_count(torch, dt, rng):
    _rnn_utils(torch).pack_padded_sequence(rand(torch, dt, rng, (3, 2, 1)), [3, 2, 1])


@case("pad_packed_total_length_short", error=True)
def _err_total(torch, dt, rng):
    u = _rnn_utils(torch)
    u.pad_packed_sequence(u.pack_padded_sequence(rand(torch, dt, rng, (3, 2, 1)), [3, 2]), total_length=2)


@case("packed_wrong_input_size", error=True)
def _err_input_size(torch, dt, rng):
    u = _rnn_utils(torch)
    torch.nn.GRU(2, 3)(u.pack_padded_sequence(rand(torch, dt, rng, (3, 2, 4)), [3, 2]))


@case("packed_wrong_hidden", error=True)
def _err_hidden(torch, dt, rng):
    u = _rnn_utils(torch)
    p = u.pack_padded_sequence(rand(torch, dt, rng, (3, 2, 2)), [3, 2])
    torch.nn.LSTM(2, 3)(p, (rand(torch, dt, rng, (1, 3, 3)), rand(torch, dt, rng, (1, 3, 3))))


@case("packed_lstm_wrong_input_size", error=True)
def _err_lstm_input_size(torch, dt, rng):
    u = _rnn_utils(torch)
    torch.nn.LSTM(2, 3)(u.pack_padded_sequence(rand(torch, dt, rng, (3, 2, 4)), [3, 2]))


@case("packed_gru_wrong_hidden", error=True)
def _err_gru_hidden(torch, dt, rng):
    u = _rnn_utils(torch)
    p = u.pack_padded_sequence(rand(torch, dt, rng, (3, 2, 2)), [3, 2])
    torch.nn.GRU(2, 3)(p, rand(torch, dt, rng, (1, 3, 3)))


@case("pad_sequence_empty", error=True)
def _err_empty(torch, dt, rng):
    _rnn_utils(torch).pad_sequence([])
