"""Record PyTorch's recurrent, normalisation and attention layers into tests/fixtures/rnn_cases.json.

Run from the repository root (needs torch; the tests do not):  python tools/record_rnn_fixtures.py

Each case builds a layer (or calls a function) with PyTorch, records its ``state_dict``, random
inputs and a random projection of the outputs (the loss is Σ out·proj), then the outputs, the
gradients of every input and parameter, the graph above each output (node names, output numbers
and shared nodes, as text) and the module's repr. ``run_case`` takes the library namespace as an
argument, so ``tests/engine/test_rnn_parity.py`` runs exactly the same code with ``engine``.
Error cases record the exception type and message for a bad call.
"""

from __future__ import annotations

import json
import os

import numpy as np

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "rnn_cases.json")


def _f(shape, grad=True):
    return {"shape": list(shape), "kind": "float", "grad": grad}


def _mask(shape, first=False):
    """A random bool mask whose first column is ``first`` (so no row is entirely masked)."""
    return {"shape": list(shape), "kind": "bool", "grad": False, "first": first}


def _m(name, module, args, kwargs, inputs, call_args, call_kwargs=None, dtype="float32", train=True,
       structure_only=False):
    return {"name": name, "module": module, "args": list(args), "kwargs": kwargs, "inputs": inputs,
            "call_args": call_args, "call_kwargs": call_kwargs or {}, "dtype": dtype, "train": train,
            "structure_only": structure_only}


def _fn(name, function, inputs, call_args, call_kwargs=None, dtype="float32", structure_only=False):
    case = _m(name, None, (), {}, inputs, call_args, call_kwargs, dtype, True, structure_only)
    case["function"] = function
    return case


def _cases() -> list:
    cases = []
    for dt in ("float32", "float64"):
        s = "" if dt == "float32" else "_f64"
        cases += [
            _m("layernorm" + s, "LayerNorm", [4], {}, {"x": _f((2, 3, 4))}, ["$x"], dtype=dt),
            _m("layernorm_2d_shape" + s, "LayerNorm", [[3, 4]], {"eps": 1e-3}, {"x": _f((2, 3, 4))}, ["$x"], dtype=dt),
            _m("layernorm_no_bias" + s, "LayerNorm", [4], {"bias": False}, {"x": _f((3, 4))}, ["$x"], dtype=dt),
            _m("layernorm_no_affine" + s, "LayerNorm", [4], {"elementwise_affine": False}, {"x": _f((3, 4))},
               ["$x"], dtype=dt),
            _fn("f_layer_norm" + s, "layer_norm", {"x": _f((2, 5)), "w": _f((5,)), "b": _f((5,))},
                ["$x", [5], "$w", "$b"], dtype=dt),
            _m("rnncell" + s, "RNNCell", [4, 3], {}, {"x": _f((2, 4)), "h": _f((2, 3))}, ["$x", "$h"], dtype=dt),
            _m("rnncell_relu_nohx" + s, "RNNCell", [4, 3], {"nonlinearity": "relu"}, {"x": _f((2, 4))}, ["$x"],
               dtype=dt),
            _m("rnncell_unbatched_nobias" + s, "RNNCell", [4, 3], {"bias": False}, {"x": _f((4,)), "h": _f((3,))},
               ["$x", "$h"], dtype=dt),
            _m("grucell" + s, "GRUCell", [4, 3], {}, {"x": _f((2, 4)), "h": _f((2, 3))}, ["$x", "$h"], dtype=dt),
            _m("grucell_nohx" + s, "GRUCell", [4, 3], {}, {"x": _f((2, 4))}, ["$x"], dtype=dt),
            _m("lstmcell" + s, "LSTMCell", [4, 3], {}, {"x": _f((2, 4)), "h": _f((2, 3)), "c": _f((2, 3))},
               ["$x", ["$h", "$c"]], dtype=dt),
            _m("lstmcell_nohx_unbatched" + s, "LSTMCell", [4, 3], {}, {"x": _f((4,))}, ["$x"], dtype=dt),
        ]
        for mod in ("RNN", "GRU", "LSTM"):
            lo = mod.lower()
            states = {"h": _f((1, 2, 3))}
            state_args = ["$h"] if mod != "LSTM" else [["$h", "$c"]]
            if mod == "LSTM":
                states["c"] = _f((1, 2, 3))
            cases += [
                _m(f"{lo}" + s, mod, [4, 3], {}, {"x": _f((5, 2, 4))}, ["$x"], dtype=dt),
                _m(f"{lo}_hx" + s, mod, [4, 3], {}, {"x": _f((3, 2, 4)), **states}, ["$x", *state_args], dtype=dt),
                _m(f"{lo}_2layer_bidir_batch_first" + s, mod, [4, 3],
                   {"num_layers": 2, "bidirectional": True, "batch_first": True}, {"x": _f((2, 3, 4))}, ["$x"],
                   dtype=dt),
                _m(f"{lo}_unbatched" + s, mod, [4, 3], {}, {"x": _f((3, 4))}, ["$x"], dtype=dt),
                _m(f"{lo}_nobias_2layer" + s, mod, [4, 3], {"bias": False, "num_layers": 2}, {"x": _f((3, 2, 4))},
                   ["$x"], dtype=dt),
            ]
        cases.append(_m("rnn_relu" + s, "RNN", [4, 3], {"nonlinearity": "relu", "batch_first": True},
                        {"x": _f((2, 3, 4))}, ["$x"], dtype=dt))
    cases += _attention_cases()
    for mod in ("RNN", "GRU", "LSTM"):
        cases.append(_m(f"{mod.lower()}_dropout_train", mod, [4, 3], {"num_layers": 2, "dropout": 0.5},
                        {"x": _f((3, 2, 4))}, ["$x"], structure_only=True))
        cases.append(_m(f"{mod.lower()}_dropout_eval", mod, [4, 3], {"num_layers": 2, "dropout": 0.5},
                        {"x": _f((3, 2, 4))}, ["$x"], train=False))
    return cases


def _attention_cases() -> list:
    qkv = {"q": _f((2, 2, 3, 4)), "k": _f((2, 2, 5, 4)), "v": _f((2, 2, 5, 4))}
    sq = {"q": _f((1, 2, 4, 4)), "k": _f((1, 2, 4, 4)), "v": _f((1, 2, 4, 4))}
    sdpa = "scaled_dot_product_attention"
    x = {"x": _f((3, 2, 4))}
    mha = lambda name, kwargs, inputs, args, call_kwargs=None, **kw: _m(  # noqa: E731
        name, "MultiheadAttention", [4, 2], kwargs, inputs, args, call_kwargs, **kw)
    cases = []
    for dt in ("float32", "float64"):
        s = "" if dt == "float32" else "_f64"
        cases += [
            _fn("sdpa" + s, sdpa, qkv, ["$q", "$k", "$v"], dtype=dt),
            _fn("sdpa_bool_mask" + s, sdpa, {**qkv, "m": _mask((3, 5), first=True)}, ["$q", "$k", "$v", "$m"],
                dtype=dt),
            _fn("sdpa_float_mask_scale" + s, sdpa, {**qkv, "m": _f((3, 5), grad=False)}, ["$q", "$k", "$v", "$m"],
                {"scale": 0.3}, dtype=dt),
            _fn("sdpa_causal" + s, sdpa, sq, ["$q", "$k", "$v"], {"is_causal": True}, dtype=dt),
            _fn("sdpa_causal_and_mask" + s, sdpa, {**sq, "m": _f((4, 4), grad=False)}, ["$q", "$k", "$v", "$m"],
                {"is_causal": True}, dtype=dt),
            _fn("sdpa_gqa" + s, sdpa, {"q": _f((1, 4, 3, 8)), "k": _f((1, 2, 5, 8)), "v": _f((1, 2, 5, 8))},
                ["$q", "$k", "$v"], {"enable_gqa": True}, dtype=dt),
            _fn("sdpa_3d_math" + s, sdpa, {"q": _f((2, 3, 4)), "k": _f((2, 5, 4)), "v": _f((2, 5, 4))},
                ["$q", "$k", "$v"], dtype=dt),
            mha("mha_self" + s, {}, x, ["$x", "$x", "$x"], dtype=dt),
            mha("mha_self_no_weights" + s, {}, x, ["$x", "$x", "$x"], {"need_weights": False}, dtype=dt),
            mha("mha_batch_first_kpm" + s, {"batch_first": True}, {"x": _f((2, 3, 4)), "p": _mask((2, 3))},
                ["$x", "$x", "$x"], {"key_padding_mask": "$p"}, dtype=dt),
            mha("mha_kpm_no_weights" + s, {}, {"x": _f((3, 2, 4)), "p": _mask((2, 3))},
                ["$x", "$x", "$x"], {"key_padding_mask": "$p", "need_weights": False}, dtype=dt),
            mha("mha_cross_mask_heads" + s, {}, {"q": _f((3, 2, 4)), "kv": _f((5, 2, 4)), "m": _mask((3, 5))},
                ["$q", "$kv", "$kv"], {"attn_mask": "$m", "average_attn_weights": False}, dtype=dt),
            mha("mha_kdim_vdim" + s, {"kdim": 3, "vdim": 5}, {"q": _f((3, 2, 4)), "k": _f((4, 2, 3)),
                                                               "v": _f((4, 2, 5))}, ["$q", "$k", "$v"], dtype=dt),
            mha("mha_unbatched_no_bias" + s, {"bias": False}, {"x": _f((3, 4))}, ["$x", "$x", "$x"], dtype=dt),
            mha("mha_separate_qkv_float_mask" + s, {}, {"q": _f((3, 2, 4)), "k": _f((3, 2, 4)), "v": _f((3, 2, 4)),
                                                         "m": _f((3, 3), grad=False)},
                ["$q", "$k", "$v"], {"attn_mask": "$m", "need_weights": False}, dtype=dt),
        ]
    cases += _transformer_cases()
    cases += [
        mha("mha_eval_dropout", {"dropout": 0.3}, x, ["$x", "$x", "$x"], train=False),
        mha("mha_dropout_train", {"dropout": 0.3}, x, ["$x", "$x", "$x"], structure_only=True),
        _fn("sdpa_dropout", sdpa, qkv, ["$q", "$k", "$v"], {"dropout_p": 0.5}, structure_only=True),
    ]
    return cases


def _transformer_cases() -> list:
    enc = "TransformerEncoderLayer"
    small = {"dim_feedforward": 8, "dropout": 0.0}
    x = {"x": _f((3, 2, 4))}
    cases = []
    for dt in ("float32", "float64"):
        s = "" if dt == "float32" else "_f64"
        cases += [
            _m("encoder_layer" + s, enc, [4, 2], small, x, ["$x"], dtype=dt),
            _m("encoder_layer_norm_first_gelu" + s, enc, [4, 2], {**small, "norm_first": True, "activation": "gelu"},
               x, ["$x"], dtype=dt),
            _m("encoder_layer_batch_first_kpm" + s, enc, [4, 2], {**small, "batch_first": True},
               {"x": _f((2, 3, 4)), "p": _mask((2, 3))}, ["$x"], {"src_key_padding_mask": "$p"}, dtype=dt),
            _m("encoder_layer_causal" + s, enc, [4, 2], small, {"x": _f((3, 2, 4)), "m": _f((3, 3), grad=False)},
               ["$x"], {"src_mask": "$m", "is_causal": True}, dtype=dt),
            _m("encoder_2_layers_norm" + s, "TransformerEncoder",
               [{"module": enc, "args": [4, 2], "kwargs": {**small, "activation": "F.gelu"}}, 2],
               {"norm": {"module": "LayerNorm", "args": [4]}, "enable_nested_tensor": False}, x, ["$x"], dtype=dt),
            _m("transformer_bool_causal_masks" + s, "Transformer", [],
               {"d_model": 4, "nhead": 2, "num_encoder_layers": 1, "num_decoder_layers": 2, **small},
               {"src": _f((5, 2, 4)), "tgt": _f((3, 2, 4)), "tm": _mask((3, 3)), "sp": _mask((2, 5))},
               ["$src", "$tgt"], {"tgt_mask": "$tm", "src_key_padding_mask": "$sp"}, dtype=dt),
            _m("decoder_2_layers" + s, "TransformerDecoder",
               [{"module": "TransformerDecoderLayer", "args": [4, 2], "kwargs": small}, 2], {},
               {"t": _f((3, 2, 4)), "mem": _f((5, 2, 4)), "tm": _f((3, 3), grad=False)}, ["$t", "$mem"],
               {"tgt_mask": "$tm", "tgt_is_causal": False}, dtype=dt),
            _m("decoder_layer" + s, "TransformerDecoderLayer", [4, 2], small,
               {"t": _f((3, 2, 4)), "mem": _f((5, 2, 4))}, ["$t", "$mem"], dtype=dt),
            _m("decoder_layer_norm_first_bf" + s, "TransformerDecoderLayer", [4, 2],
               {**small, "norm_first": True, "batch_first": True, "activation": {"module": "ReLU"}},
               {"t": _f((2, 3, 4)), "mem": _f((2, 5, 4)), "mp": _mask((2, 5))}, ["$t", "$mem"],
               {"memory_key_padding_mask": "$mp"}, dtype=dt),
        ]
    cases += [
        _m("encoder_layer_eval_dropout", enc, [4, 2], {"dim_feedforward": 8}, x, ["$x"], train=False),
        _m("encoder_layer_dropout_train", enc, [4, 2], {"dim_feedforward": 8}, x, ["$x"], structure_only=True),
    ]
    return cases


def _error_cases() -> list:
    e = []
    for mod in ("RNN", "GRU", "LSTM"):
        lo = mod.lower()
        e += [
            _m(f"{lo}_4d_input", mod, [4, 3], {}, {"x": _f((1, 2, 3, 4))}, ["$x"]),
            _m(f"{lo}_wrong_input_size", mod, [4, 3], {}, {"x": _f((2, 2, 5))}, ["$x"]),
        ]
        if mod == "LSTM":
            e += [
                _m("lstm_bad_h", mod, [4, 3], {}, {"x": _f((2, 2, 4)), "h": _f((1, 3, 3)), "c": _f((1, 2, 3))},
                   ["$x", ["$h", "$c"]]),
                _m("lstm_bad_c", mod, [4, 3], {}, {"x": _f((2, 2, 4)), "h": _f((1, 2, 3)), "c": _f((1, 2, 4))},
                   ["$x", ["$h", "$c"]]),
                _m("lstm_unbatched_3d_h", mod, [4, 3], {}, {"x": _f((2, 4)), "h": _f((1, 2, 3)), "c": _f((1, 2, 3))},
                   ["$x", ["$h", "$c"]]),
            ]
        else:
            e += [
                _m(f"{lo}_bad_h", mod, [4, 3], {}, {"x": _f((2, 2, 4)), "h": _f((1, 3, 3))}, ["$x", "$h"]),
                _m(f"{lo}_unbatched_3d_h", mod, [4, 3], {}, {"x": _f((2, 4)), "h": _f((1, 2, 3))}, ["$x", "$h"]),
                _m(f"{lo}_batched_2d_h", mod, [4, 3], {}, {"x": _f((2, 2, 4)), "h": _f((2, 3))}, ["$x", "$h"]),
            ]
    for mod in ("RNNCell", "GRUCell", "LSTMCell"):
        lo = mod.lower()
        hid = (lambda h, c: [["$h", "$c"]]) if mod == "LSTMCell" else (lambda h, c: ["$h"])
        e += [
            _m(f"{lo}_3d_input", mod, [4, 3], {}, {"x": _f((1, 2, 4))}, ["$x"]),
            _m(f"{lo}_wrong_input_size", mod, [4, 3], {}, {"x": _f((2, 5))}, ["$x"]),
            _m(f"{lo}_batch_mismatch", mod, [4, 3], {}, {"x": _f((2, 4)), "h": _f((3, 3)), "c": _f((3, 3))},
               ["$x", *hid(1, 1)]),
            _m(f"{lo}_hidden_size", mod, [4, 3], {}, {"x": _f((2, 4)), "h": _f((2, 4)), "c": _f((2, 3))},
               ["$x", *hid(1, 1)]),
        ]
    e += [
        _fn("layer_norm_bad_shape", "layer_norm", {"x": _f((2, 3))}, ["$x", [4]]),
        _fn("layer_norm_bad_weight", "layer_norm", {"x": _f((2, 4)), "w": _f((3,))}, ["$x", [4], "$w"]),
        _fn("sdpa_heads_mismatch", "scaled_dot_product_attention",
            {"q": _f((1, 4, 3, 8)), "k": _f((1, 2, 5, 8))}, ["$q", "$k", "$k"]),
        _m("mha_wrong_embed_dim", "MultiheadAttention", [4, 2], {}, {"x": _f((3, 2, 5))}, ["$x", "$x", "$x"]),
        _m("mha_bad_mask_shape", "MultiheadAttention", [4, 2], {}, {"x": _f((3, 2, 4)), "m": _mask((2, 3))},
           ["$x", "$x", "$x"], {"attn_mask": "$m"}),
        _m("mha_4d_query", "MultiheadAttention", [4, 2], {}, {"x": _f((1, 3, 2, 4))}, ["$x", "$x", "$x"]),
        _m("transformer_batch_mismatch", "Transformer", [], {"d_model": 4, "nhead": 2, "num_encoder_layers": 1,
                                                              "num_decoder_layers": 1, "dim_feedforward": 8},
           {"s": _f((3, 2, 4)), "t": _f((3, 1, 4))}, ["$s", "$t"]),
        _m("transformer_wrong_d_model", "Transformer", [], {"d_model": 4, "nhead": 2, "num_encoder_layers": 1,
                                                             "num_decoder_layers": 1, "dim_feedforward": 8},
           {"s": _f((3, 2, 4)), "t": _f((3, 2, 5))}, ["$s", "$t"]),
        _m("encoder_layer_bad_activation", "TransformerEncoderLayer", [4, 2], {"activation": "tanh"}, {}, []),
        _m("lstm_zero_hidden", "LSTM", [4, 0], {}, {}, []),
        _m("lstm_float_hidden", "LSTM", [4, 2.5], {}, {}, []),
        _m("gru_zero_input", "GRU", [0, 3], {}, {}, []),
        _m("rnn_zero_layers", "RNN", [4, 3], {"num_layers": 0}, {}, []),
        _m("rnn_bad_nonlinearity", "RNN", [4, 3], {"nonlinearity": "sigmoid"}, {}, []),
        _m("gru_bad_dropout", "GRU", [4, 3], {"dropout": 2}, {}, []),
    ]
    return e


def _warning_cases() -> list:
    """Constructors that warn: the warning category and text are recorded."""
    enc = {"module": "TransformerEncoderLayer", "args": [4, 2], "kwargs": {"dim_feedforward": 8}}
    return [
        _m("gru_dropout_one_layer", "GRU", [4, 3], {"dropout": 0.5}, {}, []),
        _m("lstm_dropout_one_layer", "LSTM", [4, 3], {"dropout": 0.25, "num_layers": 1}, {}, []),
        _m("encoder_not_batch_first", "TransformerEncoder", [enc, 2], {}, {}, []),
        _m("encoder_norm_first", "TransformerEncoder",
           [{**enc, "kwargs": {"dim_feedforward": 8, "norm_first": True}}, 1], {}, {}, []),
        _m("encoder_odd_heads", "TransformerEncoder",
           [{"module": "TransformerEncoderLayer", "args": [3, 3], "kwargs": {"batch_first": True}}, 1], {}, {}, []),
        _m("transformer_default", "Transformer", [], {"d_model": 8, "nhead": 2, "num_encoder_layers": 1,
                                                     "num_decoder_layers": 1, "dim_feedforward": 8}, {}, []),
        _m("encoder_batch_first_quiet", "TransformerEncoder",
           [{**enc, "kwargs": {"dim_feedforward": 8, "batch_first": True}}, 1], {}, {}, []),
    ]


def run_warning(torch, case: dict) -> list:
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        build(torch, case, None)
    return [[w.category.__name__, str(w.message)] for w in caught]


# ---- running a case with either library --------------------------------------------------------------


def graph_text(t, names: dict) -> list:
    """The graph above ``t``: one line per edge walked depth-first, shared nodes referenced by number."""
    lines, ids = [], {}

    def rec(fn, nr, depth):
        pad = "  " * depth
        if fn is None:
            lines.append(f"{pad}None[{nr}]")
            return
        if fn in ids:
            lines.append(f"{pad}{fn.name()}[{nr}] -> #{ids[fn]}")
            return
        ids[fn] = len(ids)
        var = getattr(fn, "variable", None)
        extra = f" var={names.get(id(var), 'leaf')}" if var is not None else ""
        lines.append(f"{pad}#{ids[fn]} {fn.name()}[{nr}]{extra}")
        for child, child_nr in fn.next_functions:
            rec(child, child_nr, depth + 1)

    rec(t.grad_fn, t.output_nr, 0)
    return lines


def _resolve(torch, path: str):
    obj = torch.nn.functional
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _flatten(value) -> list:
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in _flatten(v)]
    return [] if value is None else [value]


def _construct(torch, value):
    """Constructor arguments: {"module": name, "args", "kwargs"} builds a sub-module, "F.name" a function."""
    if isinstance(value, dict) and "module" in value:
        return getattr(torch.nn, value["module"])(*[_construct(torch, a) for a in value.get("args", [])],
                                                  **{k: _construct(torch, v) for k, v in value.get("kwargs", {}).items()})
    if isinstance(value, str) and value.startswith("F."):
        return getattr(torch.nn.functional, value[2:])
    return value


def build(torch, case: dict, state: dict | None):
    dt = getattr(torch, case["dtype"])
    if case.get("function"):
        return _resolve(torch, case["function"]), {}
    module = _construct(torch, {"module": case["module"], "args": case["args"], "kwargs": case["kwargs"]})
    module = module.to(dt)
    if state is not None:
        module.load_state_dict({k: torch.tensor(np.array(v), dtype=dt) for k, v in state.items()})
    module.train(case["train"])
    return module, dict(module.named_parameters())


def make_inputs(torch, case: dict, data: dict) -> dict:
    dt = getattr(torch, case["dtype"])
    tensors = {}
    for name, spec in case["inputs"].items():
        if spec["kind"] == "bool":
            tensors[name] = torch.tensor(np.array(data[name], dtype=bool))
        else:
            tensors[name] = torch.tensor(np.array(data[name]), dtype=dt, requires_grad=spec["grad"])
    return tensors


def _arg(value, tensors):
    if isinstance(value, str) and value.startswith("$"):
        return tensors[value[1:]]
    if isinstance(value, list) and value and all(isinstance(v, str) and v.startswith("$") for v in value):
        return tuple(tensors[v[1:]] for v in value)
    return value


def call(torch, case: dict, fn, tensors: dict):
    args = [_arg(a, tensors) for a in case["call_args"]]
    kwargs = {k: _arg(v, tensors) for k, v in case["call_kwargs"].items()}
    return fn(*args, **kwargs)


def run_case(torch, case: dict, data: dict) -> dict:
    """Forward, the graph text, backward of Σ out·proj; everything as plain lists."""
    fn, params = build(torch, case, data.get("state"))
    tensors = make_inputs(torch, case, data["inputs"])
    names = {id(p): n for n, p in params.items()}
    names.update({id(t): n for n, t in tensors.items()})
    outs = [o for o in _flatten(call(torch, case, fn, tensors)) if o.is_floating_point()]
    result = {"graphs": [graph_text(o, names) if o.grad_fn is not None else [] for o in outs]}
    if case["structure_only"]:
        return result
    result["outputs"] = [o.detach().tolist() for o in outs]
    dt = getattr(torch, case["dtype"])
    loss = None
    for o, proj in zip(outs, data["proj"]):
        if o.requires_grad:
            term = (o * torch.tensor(np.array(proj), dtype=dt)).sum()
            loss = term if loss is None else loss + term
    loss.backward()
    grads = {n: t.grad.tolist() for n, t in tensors.items() if t.grad is not None}
    grads.update({f"param:{n}": p.grad.tolist() for n, p in params.items() if p.grad is not None})
    result["grads"] = grads
    return result


def run_error(torch, case: dict, data: dict) -> dict:
    try:
        fn, _ = build(torch, case, None)
        call(torch, case, fn, make_inputs(torch, case, data["inputs"]))
    except Exception as error:  # noqa: BLE001 - recording whatever PyTorch raises
        return {"type": type(error).__name__, "message": str(error)}
    return {"type": None, "message": None}


# ---- recording -----------------------------------------------------------------------------------------


def _random_inputs(case: dict, rng) -> dict:
    data = {}
    for name, spec in case["inputs"].items():
        if spec["kind"] == "bool":
            mask = rng.random(spec["shape"]) < 0.4
            mask[..., 0] = spec["first"]
            data[name] = mask.tolist()
        else:
            data[name] = rng.uniform(-1.0, 1.0, spec["shape"]).tolist()
    return data


def record() -> None:
    import torch

    torch.set_num_threads(1)
    rng = np.random.default_rng(2026)
    out = {"cases": [], "errors": []}
    for case in _cases():
        torch.manual_seed(0)
        data = {"inputs": _random_inputs(case, rng)}
        if case.get("function") is None:
            module, _ = build(torch, case, None)
            data["state"] = {k: v.tolist() for k, v in module.state_dict().items()}
            data["repr"] = repr(module)
            data["state_keys"] = list(module.state_dict())
        fn, _ = build(torch, case, data.get("state"))
        outs = [o for o in _flatten(call(torch, case, fn, make_inputs(torch, case, data["inputs"])))
                if o.is_floating_point()]
        data["proj"] = [rng.uniform(-1.0, 1.0, tuple(o.shape)).tolist() for o in outs]
        if case["structure_only"]:
            torch.manual_seed(1)
        data["expected"] = run_case(torch, case, data)
        out["cases"].append({"case": case, "data": data})
    for case in _error_cases():
        data = {"inputs": _random_inputs(case, rng)}
        data["expected"] = run_error(torch, case, data)
        out["errors"].append({"case": case, "data": data})
    out["warnings"] = [{"case": case, "expected": run_warning(torch, case)} for case in _warning_cases()]
    with open(FIXTURE, "w") as f:
        json.dump(out, f)
    print(f"wrote {len(out['cases'])} cases and {len(out['errors'])} error cases to {os.path.normpath(FIXTURE)}")


if __name__ == "__main__":
    record()
