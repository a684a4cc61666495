"""Engine-side behaviour of the normalisation, embedding and dropout layers that the recorded
parity fixtures cannot show: channel-wise dropout masks, saved attributes, in-place renorm and
version counters, freezing, state dicts, module paths and train/eval switching."""

from __future__ import annotations

import numpy as np
import pytest

import engine
import engine.nn as nn
import engine.nn.functional as F


def _x(*shape, seed=0, requires_grad=True):
    return engine.tensor(np.random.default_rng(seed).uniform(-2, 2, shape), requires_grad=requires_grad)


@pytest.mark.parametrize("layer, shape", [(nn.Dropout1d, (4, 6, 5)), (nn.Dropout2d, (4, 6, 3, 2))])
def test_channel_dropout_zeroes_whole_channels_and_scales_the_rest(layer, shape):
    engine.manual_seed(3)
    m = layer(p=0.4)
    x = engine.ones(*shape)
    out = m(x).numpy().reshape(shape[0], shape[1], -1)
    per_channel = np.unique(out, axis=2)
    assert per_channel.shape[2] == 1, "a channel is partly dropped"
    values = {round(float(v), 6) for v in per_channel.ravel()}
    assert values == {0.0, round(1 / 0.6, 6)}
    m.eval()
    assert m(x) is x


def test_dropout1d_unbatched_keeps_shape_and_graph():
    x = _x(3, 4)
    y = F.dropout1d(x, 0.5)
    assert y.shape == x.shape
    assert y.grad_fn.name() == "SqueezeBackward1"
    # Like PyTorch, eval mode still round-trips unbatched input through unsqueeze/squeeze.
    evaluated = F.dropout1d(x, 0.5, training=False)
    assert evaluated.grad_fn.name() == "SqueezeBackward1"
    assert evaluated.grad_fn.next_functions[0][0].name() == "UnsqueezeBackward0"
    np.testing.assert_array_equal(evaluated.detach().numpy(), x.detach().numpy())
    batched = _x(2, 3, 4)
    assert F.dropout1d(batched, 0.5, training=False) is batched
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        nn.Dropout1d(1.5)


def test_batch_norm_saved_attributes_like_pytorch():
    bn = nn.BatchNorm1d(3)
    x = _x(5, 3)
    node = bn(x).grad_fn
    assert node._saved_training is True and node._saved_eps == 1e-5
    xd = x.detach().numpy()
    np.testing.assert_allclose(node._saved_result1.numpy(), xd.mean(0), rtol=1e-6)
    np.testing.assert_allclose(node._saved_result2.numpy(), 1 / np.sqrt(xd.var(0) + 1e-5), rtol=1e-6)
    assert node._saved_input is x and node._saved_weight is bn.weight
    assert node._saved_running_mean is bn.running_mean
    assert nn.BatchNorm1d(3, affine=False)(x).grad_fn._saved_weight is None
    bn.eval()
    node = bn(x).grad_fn
    assert node._saved_training is False
    assert node._saved_result1.shape == (0,) and node._saved_result2.shape == (0,)


def test_group_norm_saved_sizes():
    node = nn.GroupNorm(2, 4)(_x(2, 4, 3)).grad_fn
    assert (node._saved_N, node._saved_C, node._saved_HxW, node._saved_group) == (2, 4, 3, 2)
    assert node._saved_result1.shape == (2, 2)
    assert F.group_norm(_x(2, 4, 3), 2).grad_fn._saved_weight is None


def test_batch_norm_running_stats_update_and_eval_freezes_them():
    bn = nn.BatchNorm1d(2, momentum=0.5)
    x = _x(4, 2, requires_grad=False)
    bn(x)
    xd = x.numpy()
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.5 * xd.mean(0), rtol=1e-6)
    np.testing.assert_allclose(bn.running_var.numpy(), 0.5 + 0.5 * xd.var(0, ddof=1), rtol=1e-6)
    assert bn.num_batches_tracked.item() == 1 and bn.num_batches_tracked.dtype == engine.int64
    before = bn.running_mean.numpy().copy()
    bn.eval()
    out = bn(x)
    np.testing.assert_array_equal(bn.running_mean.numpy(), before)
    assert bn.num_batches_tracked.item() == 1
    expected = (xd - before) / np.sqrt(bn.running_var.numpy() + 1e-5)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-5)


def test_batch_norm_state_dict_round_trip_and_double():
    a, b = nn.BatchNorm2d(3), nn.BatchNorm2d(3)
    a(_x(2, 3, 2, 2, requires_grad=False))
    assert list(a.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert [n for n, _ in a.named_buffers()] == ["running_mean", "running_var", "num_batches_tracked"]
    b.load_state_dict(a.state_dict())
    np.testing.assert_array_equal(b.running_var.numpy(), a.running_var.numpy())
    assert b.num_batches_tracked.item() == 1
    b.double()
    assert b.running_mean.dtype == engine.float64 and b.num_batches_tracked.dtype == engine.int64
    b.reset_running_stats()
    assert b.num_batches_tracked.item() == 0 and float(b.running_var.sum()) == 3.0
    plain = nn.BatchNorm1d(3, track_running_stats=False)
    assert list(plain.state_dict()) == ["weight", "bias"] and plain.running_mean is None


def test_batch_norm_node_carries_the_module_path():
    model = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3))
    out = model(_x(4, 3).float())
    assert out.grad_fn.name() == "NativeBatchNormBackward0"
    assert out.grad_fn.module == "1"


def test_embedding_max_norm_renormalises_used_rows_in_place():
    emb = nn.Embedding(4, 3, max_norm=1.0)
    with engine.no_grad():
        emb.weight.fill_(2.0)
    version = emb.weight._version
    emb(engine.tensor([1, 3, 3]))
    norms = np.linalg.norm(emb.weight.detach().numpy(), axis=1)
    np.testing.assert_allclose(norms[[1, 3]], 1.0, rtol=1e-6)
    np.testing.assert_allclose(norms[[0, 2]], np.sqrt(12.0))  # unused rows untouched
    assert emb.weight._version == version + 1


def test_embedding_padding_row_is_zero_and_gets_no_gradient():
    emb = nn.Embedding(5, 2, padding_idx=2)
    assert not emb.weight[2].detach().numpy().any()
    out = emb(engine.tensor([[2, 1], [1, 2]]))
    out.sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.numpy()[2], 0)
    np.testing.assert_array_equal(emb.weight.grad.numpy()[1], 2)


def test_embedding_from_pretrained_freeze():
    table = engine.tensor([[1.0, 2.0], [3.0, 4.0]])
    frozen = nn.Embedding.from_pretrained(table)
    assert frozen.weight.requires_grad is False
    assert frozen(engine.tensor([1])).requires_grad is False
    trainable = nn.Embedding.from_pretrained(table, freeze=False)
    assert trainable.weight.requires_grad is True
    assert trainable(engine.tensor([1])).grad_fn.name() == "EmbeddingBackward0"
    assert repr(nn.Embedding(3, 2, max_norm=2.0)) == "Embedding(3, 2, max_norm=2.0)"


def test_embedding_saved_attributes():
    idx = engine.tensor([0, 2])
    node = F.embedding(idx, _x(3, 2), padding_idx=1).grad_fn
    assert node._saved_indices is idx
    assert node._saved_padding_idx == 1 and node._saved_scale_grad_by_freq is False
    assert node._saved_weight_sym_argsize_0 == 3


def test_one_hot_infers_classes_and_is_int64():
    out = F.one_hot(engine.tensor([2, 0]))
    assert out.dtype == engine.int64 and out.tolist() == [[0, 0, 1], [1, 0, 0]]
    with pytest.raises(RuntimeError, match="Class values must be non-negative."):
        F.one_hot(engine.tensor([-1]))


def test_prelu_parameter_learns_and_reprs():
    m = nn.PReLU(3, init=0.1)
    assert list(m.state_dict()) == ["weight"] and m.weight.tolist() == pytest.approx([0.1] * 3)
    out = m(_x(4, 3))
    assert out.grad_fn.name() == "PreluKernelBackward0"
    assert out.grad_fn.next_functions[1][0].name() == "ViewBackward0"
    out.sum().backward()
    assert m.weight.grad.shape == (3,)


def test_in_place_activations_use_pytorchs_backward1_nodes_and_refuse_leaves():
    x = _x(3, 4)
    assert F.elu(x * 1, inplace=True).grad_fn.name() == "EluBackward1"
    assert F.celu(x * 1, inplace=True).grad_fn.name() == "CeluBackward1"
    assert F.threshold(x * 1, 0.1, 2.0, inplace=True).grad_fn.name() == "ThresholdBackward1"
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        F.selu(x, inplace=True)


def test_top_level_functions_like_pytorch():
    x = _x(3, 4)
    assert engine.group_norm(x.view(3, 4, 1), 2).grad_fn.name() == "NativeGroupNormBackward0"
    assert engine.selu(x).grad_fn.name() == "EluBackward0"
    assert engine.threshold(x, 0.0, 1.0).grad_fn.name() == "ThresholdBackward0"
    assert engine.prelu(x, engine.tensor([0.2], dtype=engine.float64)).grad_fn.name() == "PreluKernelBackward0"
    np.testing.assert_allclose(engine.cosine_similarity(x, x).detach().numpy(), 1.0)
    assert engine.pairwise_distance(x, x).grad_fn.name() == "NormBackward1"


@pytest.mark.parametrize("make", [
    lambda: nn.BatchNorm2d(3).double(),
    lambda: nn.BatchNorm1d(3).double().eval(),
    lambda: nn.GroupNorm(3, 6).double(),
])
def test_plain_and_differentiable_reverse_rules_agree(make):
    """Plain backward uses a fused numpy rule; create_graph=True the engine-op rule: same numbers."""
    m = make()
    with engine.no_grad():
        for p in m.parameters():
            p.copy_(_x(*p.shape, seed=5, requires_grad=False))
    channels = 6 if isinstance(m, nn.GroupNorm) else 3
    x = _x(4, channels, 2, 3, seed=6) if not isinstance(m, nn.BatchNorm1d) else _x(4, 3, seed=6)
    out = m(x)
    u = _x(*out.shape, seed=7, requires_grad=False)
    inputs = [x, *m.parameters()]
    plain = engine.autograd.grad(out, inputs, u, retain_graph=True)
    graphed = engine.autograd.grad(out, inputs, u, create_graph=True)
    assert graphed[0].requires_grad and not plain[0].requires_grad
    for a, b in zip(plain, graphed):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)
