"""Two PyTorch behaviours found by running unseen programs (nnbreadth): iterating a tensor yields
``unbind``'s rows, and ``torch.save``/``torch.load`` keep a 0-d tensor 0-d."""

from __future__ import annotations

import io

import engine as torch


def test_iterating_a_tensor_gives_unbind_rows():
    x = torch.arange(6.0).view(2, 3).requires_grad_()
    rows = list(x * 1)
    assert [type(r.grad_fn).__name__ for r in rows] == ["UnbindBackward0", "UnbindBackward0"]
    assert rows[0].grad_fn is rows[1].grad_fn  # one node, two outputs
    assert [r.output_nr for r in rows] == [0, 1]
    (rows[0].sum() * 2 + rows[1].sum()).backward()
    assert x.grad.tolist() == [[2.0, 2.0, 2.0], [1.0, 1.0, 1.0]]


def test_save_load_keeps_zero_dim_tensors():
    bn = torch.nn.BatchNorm1d(3)
    bn(torch.ones(4, 3))
    buffer = io.BytesIO()
    torch.save({"state": bn.state_dict(), "scalar": torch.tensor(2.5)}, buffer)
    buffer.seek(0)
    loaded = torch.load(buffer)
    assert loaded["scalar"].shape == torch.Size([])
    assert loaded["state"]["num_batches_tracked"].shape == torch.Size([])
    fresh = torch.nn.BatchNorm1d(3)
    fresh.load_state_dict(loaded["state"])
    assert fresh.num_batches_tracked.item() == 1
