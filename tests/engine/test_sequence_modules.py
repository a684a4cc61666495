"""Behaviour of the sequence layers beyond the recorded PyTorch cases: initialisation bounds,
train/eval, deep copies, the backward stepper through the fused LSTM node, double backward."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

import engine
from engine import nn


def _node_names(t) -> list:
    seen, stack, names = set(), [t.grad_fn], []
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        names.append(node.name())
        stack.extend(fn for fn, _ in node.next_functions)
    return names


@pytest.mark.parametrize("make", [lambda: nn.RNN(5, 7, num_layers=2, bidirectional=True), lambda: nn.GRU(5, 7),
                                  lambda: nn.LSTM(5, 7), lambda: nn.GRUCell(5, 7), lambda: nn.LSTMCell(5, 7)])
def test_recurrent_init_is_uniform_within_one_over_sqrt_hidden(make):
    engine.manual_seed(3)
    module = make()
    bound = 1 / math.sqrt(7)
    values = np.concatenate([p.detach().numpy().ravel() for p in module.parameters()])
    assert np.all(np.abs(values) <= bound)
    assert values.std() > bound / 3  # spread over the interval, not a constant fill


def test_layernorm_init_and_reset():
    ln = nn.LayerNorm((2, 3))
    with engine.no_grad():
        ln.weight.mul_(3.0)
    ln.reset_parameters()
    assert np.all(ln.weight.detach().numpy() == 1) and np.all(ln.bias.detach().numpy() == 0)


def test_multihead_attention_init():
    engine.manual_seed(0)
    mha = nn.MultiheadAttention(8, 2)
    bound = math.sqrt(6 / (8 + 24))  # xavier_uniform_ on (3E, E)
    w = mha.in_proj_weight.detach().numpy()
    assert np.all(np.abs(w) <= bound) and w.std() > bound / 3
    assert np.all(mha.in_proj_bias.detach().numpy() == 0) and np.all(mha.out_proj.bias.detach().numpy() == 0)


def test_dropout_between_layers_only_in_training():
    lstm = nn.RNN(3, 4, num_layers=2, dropout=0.5)  # no MulBackward0 of its own
    x = engine.randn(5, 2, 3, requires_grad=True)
    assert "MulBackward0" in _node_names(lstm(x)[0])
    lstm.eval()
    a, b = lstm(x)[0], lstm(x)[0]
    assert "MulBackward0" not in _node_names(a)
    assert np.array_equal(a.detach().numpy(), b.detach().numpy())


def test_transformer_encoder_layers_are_independent_copies():
    layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, batch_first=True)
    encoder = nn.TransformerEncoder(layer, 2)
    a, b = encoder.layers[0].linear1.weight, encoder.layers[1].linear1.weight
    assert a is not b and np.array_equal(a.detach().numpy(), b.detach().numpy())
    with engine.no_grad():
        a.add_(1.0)
    assert not np.array_equal(a.detach().numpy(), b.detach().numpy())
    assert len(list(encoder.parameters())) == 2 * len(list(layer.parameters()))


def test_stepping_backward_through_fused_lstm_layers():
    lstm = nn.LSTM(3, 4, num_layers=2)
    out, _ = lstm(engine.randn(4, 2, 3, requires_grad=True))
    steps = list(engine.autograd.iter_backward(out.sum()))
    fused = [s for s in steps if s.node.name() == "MkldnnRnnLayerBackward0"]
    assert len(fused) == 2
    # Each fused node hands gradients to its 7 edges: input, 4 weights, (absent) hx and cx.
    assert all(len(s.sent) == 7 for s in fused)
    assert lstm.weight_ih_l0.grad is not None and lstm.weight_hh_l1.grad is not None


def test_double_backward_through_gru_and_attention():
    engine.manual_seed(1)
    gru = nn.GRU(3, 3).double()
    x = engine.randn(3, 1, 3, dtype=engine.float64, requires_grad=True)

    def grad_norm(inp):
        (g,) = engine.autograd.grad(gru(inp)[0].pow(2).sum(), inp, create_graph=True)
        return g.pow(2).sum()

    (hvp,) = engine.autograd.grad(grad_norm(x), x)
    eps, flat = 1e-6, x.detach().numpy().ravel()
    numeric = np.zeros_like(flat)
    for i in range(flat.size):
        plus, minus = flat.copy(), flat.copy()
        plus[i] += eps
        minus[i] -= eps
        f = lambda v: grad_norm(engine.tensor(v.reshape(x.shape), requires_grad=True)).item()  # noqa: E731
        numeric[i] = (f(plus) - f(minus)) / (2 * eps)
    np.testing.assert_allclose(hvp.numpy().ravel(), numeric, rtol=1e-5, atol=1e-7)


def test_need_weights_false_returns_none_and_per_head_weights_shape():
    mha = nn.MultiheadAttention(4, 2, batch_first=True)
    x = engine.randn(2, 3, 4)
    out, w = mha(x, x, x, need_weights=False)
    assert w is None and tuple(out.shape) == (2, 3, 4)
    _, w = mha(x, x, x, average_attn_weights=False)
    assert tuple(w.shape) == (2, 2, 3, 3)
    np.testing.assert_allclose(w.detach().numpy().sum(-1), 1.0, rtol=1e-5)


def test_copy_deepcopy_of_lstm_keeps_parameter_names():
    lstm = nn.LSTM(3, 4, bidirectional=True)
    clone = copy.deepcopy(lstm)
    assert list(clone.state_dict()) == list(lstm.state_dict())
    assert clone.weight_hh_l0_reverse is not lstm.weight_hh_l0_reverse


def test_saved_attributes_read_like_pytorchs():
    F = engine.nn.functional
    q = engine.randn(1, 2, 3, 4, requires_grad=True)
    node = F.scaled_dot_product_attention(q, q, q).grad_fn
    assert node._saved_scale is None and node._saved_dropout_p == 0.0 and node._saved_is_causal is False
    assert node._saved_query is q
    assert F.scaled_dot_product_attention(q, q, q, scale=0.2).grad_fn._saved_scale == 0.2
    ln = F.layer_norm(q, (4,)).grad_fn
    assert tuple(ln._saved_result1.shape) == (1, 2, 3, 1) and ln._saved_normalized_shape == (4,)
    np.testing.assert_allclose(ln._saved_result1.numpy()[..., 0], q.detach().numpy().mean(-1), rtol=1e-6)


def test_modifying_attention_output_in_place_breaks_backward_as_in_pytorch():
    q = engine.randn(1, 1, 2, 4, requires_grad=True)
    out = engine.nn.functional.scaled_dot_product_attention(q, q, q)
    out.add_(1)
    with pytest.raises(RuntimeError, match="output 0 of ScaledDotProductFlashAttentionForCpu, is at version 1; "
                                           "expected version 0 instead"):
        out.sum().backward()
