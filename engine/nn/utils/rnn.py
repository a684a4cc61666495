"""``torch.nn.utils.rnn``: variable-length sequences as padded batches or as a ``PackedSequence``.

Each function builds the graph PyTorch 2.13 builds: ``pad_sequence`` and ``pad_packed_sequence``
write the sequences into a padded tensor by in-place copies into slices (``CopySlices`` nodes, as
ATen's native implementations do), ``pack_padded_sequence`` is one ``PackPaddedSequenceBackward0``
node, preceded by ``IndexSelectBackward0`` when it sorts the batch (``enforce_sorted=False``).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..._dtype import float16, float32, float64, int8, int16, int32, int64, uint8
from ..._factories import full
from ..._tensor import Tensor, _make
from ...ops.packed import PackCfg, PackPaddedSequence

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pack_sequence", "pad_packed_sequence",
           "pad_sequence", "unpack_sequence", "unpad_sequence"]

PackedSequence_ = namedtuple("PackedSequence_", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


def _long(values) -> Tensor:
    return _make(np.asarray(values, dtype=np.int64))


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    if permutation is None:
        return None
    inverse = np.empty_like(permutation._data)
    inverse[permutation._data] = np.arange(permutation._data.size)
    return _make(inverse)


class PackedSequence(PackedSequence_):
    """``(data, batch_sizes, sorted_indices, unsorted_indices)``: the rows of every sequence, time step by
    time step; ``batch_sizes[t]`` rows are real at step t. Build it with :func:`pack_padded_sequence`."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # PackedSequence((data, batch_sizes)), PyTorch's legacy form
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> PackedSequence:
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def cpu(self, *args, **kwargs) -> PackedSequence:
        return self.to(*args, device="cpu", **kwargs)

    def cuda(self, *args, **kwargs) -> PackedSequence:
        return self.to(*args, device="cuda", **kwargs)

    def double(self): return self.to(dtype=float64)  # noqa: E704
    def float(self): return self.to(dtype=float32)  # noqa: E704
    def half(self): return self.to(dtype=float16)  # noqa: E704
    def long(self): return self.to(dtype=int64)  # noqa: E704
    def int(self): return self.to(dtype=int32)  # noqa: E704
    def short(self): return self.to(dtype=int16)  # noqa: E704
    def char(self): return self.to(dtype=int8)  # noqa: E704
    def byte(self): return self.to(dtype=uint8)  # noqa: E704

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda

    def is_pinned(self) -> bool:
        return False


def _lengths_array(lengths) -> np.ndarray:
    data = lengths._data if isinstance(lengths, Tensor) else lengths
    return np.asarray(data).astype(np.int64).reshape(-1)


def _batch_sizes(lengths: np.ndarray, batch_size: int) -> np.ndarray:
    """ATen's checks (its messages), then how many sequences are still running at each step."""
    if lengths.shape[0] != batch_size:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {lengths.shape[0]} "
                           f"(batch_size={batch_size})")
    if lengths[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           "that is <= 0")
    if np.any(lengths[1:] > lengths[:-1]):
        raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
                           "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                           "sidestep this requirement if you do not need ONNX exportability.")
    return (lengths[None, :] > np.arange(lengths[0])[:, None]).sum(axis=1).astype(np.int64)


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded (T, B, *) batch (B, T, * with ``batch_first``) whose sequence b is ``lengths[b]`` long."""
    lengths = _lengths_array(lengths)
    sorted_indices = None
    if not enforce_sorted:
        # torch.sort(descending=True) on the CPU keeps equal lengths in their order.
        order = np.argsort(-lengths, kind="stable")
        lengths = lengths[order]
        sorted_indices = _long(order)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    if input.numel() == 0:
        raise RuntimeError("Cannot pack empty tensors.")
    sizes = _batch_sizes(lengths, input.shape[0 if batch_first else 1])
    cfg = PackCfg(tuple(int(n) for n in sizes), bool(batch_first), tuple(input.shape))
    data = PackPaddedSequence.apply(input, cfg=cfg)
    return PackedSequence(data, _long(sizes), sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple:
    """Undo :func:`pack_padded_sequence`: the padded batch and each sequence's length (int64)."""
    sizes = [int(n) for n in sequence.batch_sizes._data]
    max_seq_length = len(sizes)
    if total_length is not None:
        if total_length < max_seq_length:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {max_seq_length}")
        max_seq_length = total_length
    data = sequence.data
    output = full((max_seq_length, sizes[0], *data.shape[1:]), padding_value, dtype=data.dtype)
    # ATen copies each run of steps with the same batch size in one go: output[i0:i, :n] = data rows as a view.
    offset, start, prev = 0, 0, sizes[0]
    for i, n in enumerate(sizes + [0]):
        if n != prev:
            rows = prev * (i - start)
            block = data.narrow(0, offset, rows).view(i - start, prev, *data.shape[1:])
            output.narrow(0, start, i - start).narrow(1, 0, prev).copy_(block)
            offset += rows
            start = i
        prev = n
    lengths = (np.asarray(sizes)[None, :] > np.arange(sizes[0])[:, None]).sum(axis=1).astype(np.int64)
    if batch_first:
        output = output.transpose(0, 1)
    if sequence.unsorted_indices is not None:
        unsorted = sequence.unsorted_indices
        return output.index_select(0 if batch_first else 1, unsorted), _long(lengths[unsorted._data])
    return output, _long(lengths)


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0, padding_side: str = "right"):
    """Stack variable-length sequences (each L_i × *) into one padded tensor (T × B × *, or B × T × *)."""
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    longest = max(s.shape[0] for s in sequences)
    trailing = tuple(sequences[0].shape[1:])
    shape = (len(sequences), longest) if batch_first else (longest, len(sequences))
    out = full(shape + trailing, padding_value, dtype=sequences[0].dtype)
    for i, seq in enumerate(sequences):
        length = seq.shape[0]
        start = longest - length if padding_side == "left" else 0
        target = out.select(0, i).narrow(0, start, length) if batch_first else out.narrow(0, start, length).select(1, i)
        target.copy_(seq)
    return out


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of variable-length sequences (longest first unless ``enforce_sorted=False``)."""
    lengths = _long([s.shape[0] for s in sequences])
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences: Tensor, lengths: Tensor, batch_first: bool = False) -> list:
    """The sequences of a padded batch, each cut to its length."""
    if not batch_first:
        padded_sequences.transpose_(0, 1)  # PyTorch transposes the caller's tensor in place, too
    lengths = _lengths_array(lengths)
    return [seq[_make(np.arange(padded_sequences.shape[1]) < n)]
            for seq, n in zip(padded_sequences, lengths)]


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
