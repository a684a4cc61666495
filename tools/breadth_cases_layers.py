"""Parity cases: ``LSTM(proj_size=...)`` and ``MultiheadAttention`` with bias_kv, zero_attn, kdim/vdim."""

from __future__ import annotations

from breadth_harness import BOTH, case, init_module, rand


def _lstm(kwargs, shape, hx=False, packed=None):
    def fn(torch, dt, rng):
        m = init_module(torch, torch.nn.LSTM(3, 4, **kwargs), dt, rng)
        x = rand(torch, dt, rng, shape)
        leaves = {"x": x}
        args = []
        if hx:
            layers = m.num_layers * (2 if m.bidirectional else 1)
            batch = shape[0] if m.batch_first else shape[1]
            leaves["h"] = rand(torch, dt, rng, (layers, batch, m.proj_size or 4))
            leaves["c"] = rand(torch, dt, rng, (layers, batch, 4))
            args = [(leaves["h"], leaves["c"])]
        inp = x if packed is None else torch.nn.utils.rnn.pack_padded_sequence(x, packed, enforce_sorted=False)
        out, (h, c) = m(inp, *args)
        return [out, h, c], leaves, m
    return fn


LSTMS = {
    "lstm_proj": ({"proj_size": 2}, (3, 2, 3)),
    "lstm_proj_hx": ({"proj_size": 3}, (2, 2, 3), True),
    "lstm_proj_2layer_bidir_batch_first": ({"proj_size": 2, "num_layers": 2, "bidirectional": True,
                                            "batch_first": True}, (2, 3, 3)),
    "lstm_proj_no_bias_unbatched": ({"proj_size": 1, "bias": False}, (3, 3)),
    "lstm_proj_packed": ({"proj_size": 2, "bidirectional": True}, (3, 3, 3), False, [2, 3, 1]),
}
for _name, _spec in LSTMS.items():
    case(_name, BOTH)(_lstm(*_spec))


def _mha(kwargs, call, kv_len=5):
    def fn(torch, dt, rng):
        m = init_module(torch, torch.nn.MultiheadAttention(4, 2, **kwargs), dt, rng)
        batch_first = kwargs.get("batch_first", False)
        q_shape, kv = ((2, 3), (2, kv_len)) if batch_first else ((3, 2), (kv_len, 2))
        q = rand(torch, dt, rng, (*q_shape, 4))
        k = rand(torch, dt, rng, (*kv, m.kdim))
        v = rand(torch, dt, rng, (*kv, m.vdim))
        extra = dict(call)
        if extra.pop("kpm", False):
            mask = rng.random((2, kv_len)) < 0.3
            mask[:, 0] = False
            extra["key_padding_mask"] = torch.tensor(mask)
        if extra.pop("mask", False):
            mask = rng.random((3, kv_len)) < 0.3
            mask[:, 0] = False
            extra["attn_mask"] = torch.tensor(mask)
        out, weights = m(q, k, v, **extra)
        return [out, weights], {"q": q, "k": k, "v": v}, m
    return fn


MHAS = {
    "mha_bias_kv": ({"add_bias_kv": True}, {}),
    "mha_bias_kv_masks_no_weights": ({"add_bias_kv": True}, {"kpm": True, "mask": True, "need_weights": False}),
    "mha_zero_attn": ({"add_zero_attn": True}, {"mask": True}),
    "mha_zero_attn_no_weights": ({"add_zero_attn": True}, {"need_weights": False}),
    "mha_bias_kv_zero_attn_kdim_vdim": ({"add_bias_kv": True, "add_zero_attn": True, "kdim": 3, "vdim": 5},
                                        {"kpm": True, "average_attn_weights": False}),
    "mha_bias_kv_batch_first": ({"add_bias_kv": True, "batch_first": True}, {"kpm": True}),
}
for _name, (_kw, _call) in MHAS.items():
    case(_name, BOTH)(_mha(_kw, _call))


@case("mha_static_kv", BOTH)
def _static(torch, dt, rng):
    F = torch.nn.functional
    q = rand(torch, dt, rng, (3, 2, 4))
    w, b = rand(torch, dt, rng, (12, 4)), rand(torch, dt, rng, (12,))
    ow, ob = rand(torch, dt, rng, (4, 4)), rand(torch, dt, rng, (4,))
    sk, sv = rand(torch, dt, rng, (4, 5, 2)), rand(torch, dt, rng, (4, 5, 2))
    out, weights = F.multi_head_attention_forward(q, q, q, 4, 2, w, b, None, None, False, 0.0, ow, ob,
                                                  static_k=sk, static_v=sv)
    return [out, weights], {"q": q, "w": w, "b": b, "ow": ow, "ob": ob, "sk": sk, "sv": sv}, None


def _error(fn):
    def run(torch, dt, rng):
        fn(torch, rng)
    return run


ERRORS = {
    "lstm_proj_too_big": lambda t, rng: t.nn.LSTM(3, 4, proj_size=4),
    "lstm_proj_negative": lambda t, rng: t.nn.LSTM(3, 4, proj_size=-1),
    "gru_proj": lambda t, rng: t.nn.GRU(3, 4, proj_size=2),
    "lstm_proj_bad_h": lambda t, rng: t.nn.LSTM(3, 4, proj_size=2)(t.zeros(2, 1, 3), (t.zeros(1, 1, 4),
                                                                                      t.zeros(1, 1, 4))),
    "lstm_proj_bad_c": lambda t, rng: t.nn.LSTM(3, 4, proj_size=2)(t.zeros(2, 1, 3), (t.zeros(1, 1, 2),
                                                                                      t.zeros(1, 1, 2))),
    "mha_static_k_heads": lambda t, rng: t.nn.functional.multi_head_attention_forward(
        t.zeros(3, 2, 4), t.zeros(3, 2, 4), t.zeros(3, 2, 4), 4, 2, t.zeros(12, 4), None, None, None, False, 0.0,
        t.zeros(4, 4), None, static_k=t.zeros(3, 5, 2)),
}
for _name, _fn in ERRORS.items():
    case(_name, error=True)(_error(_fn))


def _bilinear(shape1, shape2, bias=True):
    def fn(torch, dt, rng):
        m = init_module(torch, torch.nn.Bilinear(shape1[-1], shape2[-1], 3, bias=bias), dt, rng)
        x1, x2 = rand(torch, dt, rng, shape1), rand(torch, dt, rng, shape2)
        return [m(x1, x2)], {"x1": x1, "x2": x2}, m
    return fn


case("bilinear", BOTH)(_bilinear((4, 2), (4, 5)))
case("bilinear_no_bias_batched", BOTH)(_bilinear((2, 3, 2), (2, 3, 4), bias=False))
case("bilinear_unbatched", BOTH)(_bilinear((2,), (4,)))
case("bilinear_batch_mismatch", error=True)(
    lambda torch, dt, rng: torch.nn.functional.bilinear(torch.ones(4, 2), torch.ones(3, 5), torch.ones(3, 2, 5)))
case("bilinear_weight_mismatch", error=True)(
    lambda torch, dt, rng: torch.nn.functional.bilinear(torch.ones(4, 2), torch.ones(4, 5), torch.ones(3, 3, 5)))


def _cdist(shape1, shape2, **kwargs):
    def fn(torch, dt, rng):
        x1, x2 = rand(torch, dt, rng, shape1), rand(torch, dt, rng, shape2)
        return [torch.cdist(x1, x2, **kwargs)], {"x1": x1, "x2": x2}, None
    return fn


CDISTS = {
    "cdist": ((4, 3), (5, 3), {}),
    "cdist_mm_rows": ((30, 3), (5, 3), {}),  # > 25 rows: the matrix-product path (EuclideanDistBackward0)
    "cdist_mm_batched": ((2, 27, 3), (2, 4, 3), {}),
    "cdist_mm_mode": ((4, 3), (5, 3), {"compute_mode": "use_mm_for_euclid_dist"}),
    "cdist_no_mm": ((30, 3), (5, 3), {"compute_mode": "donot_use_mm_for_euclid_dist"}),
    "cdist_p1_broadcast": ((2, 4, 3), (5, 3), {"p": 1.0}),
    "cdist_p3": ((4, 3), (5, 3), {"p": 3.0}),
    "cdist_p_half": ((4, 3), (5, 3), {"p": 0.5}),
    "cdist_p_inf": ((4, 3), (5, 3), {"p": float("inf")}),
}
for _name, (_s1, _s2, _kw) in CDISTS.items():
    case(_name, BOTH)(_cdist(_s1, _s2, **_kw))
case("cdist_columns", error=True)(lambda torch, dt, rng: torch.cdist(torch.ones(2, 3), torch.ones(2, 4)))
case("cdist_rank", error=True)(lambda torch, dt, rng: torch.cdist(torch.ones(3), torch.ones(2, 3)))
case("cdist_negative_p", error=True)(lambda torch, dt, rng: torch.cdist(torch.ones(2, 3), torch.ones(2, 3), p=-1))
