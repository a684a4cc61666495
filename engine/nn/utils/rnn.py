"""``torch.nn.utils.rnn.pad_sequence``: stack variable-length sequences, padding the short ones.

(``PackedSequence`` and ``pack_padded_sequence`` are not implemented.)
"""

from __future__ import annotations


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    from ... import stack
    from ..functional import pad

    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        missing = longest - s.shape[0]
        # F.pad's pairs run from the last dim backwards; the time dim is dim 0.
        widths = [0, 0] * (s.dim() - 1) + ([0, missing] if padding_side == "right" else [missing, 0])
        padded.append(pad(s, widths, value=padding_value) if missing else s)
    return stack(padded, 0 if batch_first else 1)
