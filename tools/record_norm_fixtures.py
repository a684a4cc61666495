"""Record PyTorch's normalisation, embedding, activation and loss behaviour into
``tests/fixtures/norm_cases.json`` (needs torch; the tests do not).

Run from the repository root:  PYTHONPATH=. python tools/record_norm_fixtures.py

Each case below is a function ``(lib, ctx) -> Tensor`` written against PyTorch's API, so the same
code runs on ``torch`` (here) and on ``engine`` (in ``tests/engine/test_norm_parity.py``, which
imports this file but never torch). ``ctx`` makes the inputs from a seeded numpy generator (the
same numbers on both sides) and registers modules; here their parameters and buffers are first
set to random values, and that initial ``state_dict`` is recorded so the engine test loads the
*same weights*. :func:`run_case` then back-propagates ``(out * fixed random projection).sum()``
and collects the output, the grad_fn graph (node names, nested), the gradients of every input and
parameter, every module's buffers afterwards (running stats) and repr, or the error raised
(type and message).
"""

from __future__ import annotations

import json
import os
import warnings

import numpy as np

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "norm_cases.json")
BOTH = ("float32", "float64")
CASES: dict = {}


def case(name: str, dtypes=BOTH, random: bool = False):
    """Register a case; ``random=True`` marks outputs drawn from the RNG (only the graph and shapes compare)."""

    def register(fn):
        for dt in dtypes:
            CASES[f"{name}-{dt}"] = (fn, dt, random)
        return fn

    return register


class Ctx:
    """Inputs and modules for one case, identical on torch and engine."""

    def __init__(self, lib, dtype: str, states: list | None = None) -> None:
        self.lib = lib
        self.dtype_name = dtype
        self.dtype = getattr(lib, dtype)
        self.rng = np.random.default_rng(1234)
        self.state_rng = np.random.default_rng(4321)  # its own stream: only the torch side draws from it
        self.leaves: list = []
        self.modules: list = []
        self.states = states  # recorded initial states (engine side) or None (torch side: record them)
        self.initial_states: list = []

    def x(self, *shape, low=-2.0, high=2.0, grad=True):
        """A float leaf of ``shape`` in the case's dtype (collected for the gradient check)."""
        t = self.lib.tensor(self.rng.uniform(low, high, shape), dtype=self.dtype, requires_grad=grad)
        if grad:
            self.leaves.append(t)
        return t

    def ints(self, high, *shape):
        return self.lib.tensor(self.rng.integers(0, high, shape), dtype=self.lib.int64)

    def const(self, values, dtype=None):
        return self.lib.tensor(values, dtype=dtype or self.dtype)

    def module(self, m, train: bool = True):
        lib = self.lib
        m = m.to(self.dtype)
        if self.states is None:
            with lib.no_grad():
                for key, t in m.state_dict().items():
                    if t.is_floating_point():
                        low, high = (0.5, 1.5) if "var" in key else (-1.0, 1.0)
                        t.copy_(lib.tensor(self.state_rng.uniform(low, high, tuple(t.shape)), dtype=t.dtype))
            self.initial_states.append({k: [str(v.dtype), v.tolist()] for k, v in m.state_dict().items()})
        else:
            state = self.states[len(self.initial_states)]
            self.initial_states.append(state)
            m.load_state_dict({k: lib.tensor(v, dtype=getattr(lib, d.split(".")[-1])) for k, (d, v) in state.items()})
        m.train(train)
        self.modules.append(m)
        return m


def _structure(fn):
    """A grad_fn graph as nested ``[name, [children...]]`` (None for an empty edge)."""
    if fn is None:
        return None
    return [fn.name(), [_structure(child) for child, _ in fn.next_functions]]


def _values(t):
    if t is None:
        return None
    return t.detach().tolist()


def run_case(lib, name: str, states: list | None = None) -> dict:
    """Run one case on ``lib`` (torch or engine) and collect everything the fixture compares."""
    fn, dtype, random = CASES[name]
    ctx = Ctx(lib, dtype, states)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = fn(lib, ctx)
        except Exception as error:  # the case is about the error
            return {"error": [type(error).__name__, str(error)]}
    result = {
        "dtype": str(out.dtype),
        "shape": list(out.shape),
        "graph": _structure(out.grad_fn),
        "reprs": [repr(m) for m in ctx.modules],
        "states": ctx.initial_states,
    }
    if not random:
        result["out"] = _values(out)
    params = [p for m in ctx.modules for p in m.parameters()]
    if out.requires_grad:
        proj = lib.tensor(np.random.default_rng(99).uniform(-1, 1, tuple(out.shape)), dtype=out.dtype)
        (out * proj).sum().backward()
        result["grads"] = [_values(t.grad) for t in ctx.leaves + params]
        if random:
            result["grads"] = [None if g is None else list(np.shape(g)) for g in result["grads"]]
    result["buffers"] = [{k: _values(v) for k, v in m.named_buffers()} for m in ctx.modules]
    return result


# ---- batch norm ---------------------------------------------------------------------------------


@case("batchnorm1d_train_2d")
def _(lib, ctx):
    return ctx.module(lib.nn.BatchNorm1d(3))(ctx.x(5, 3))


@case("batchnorm1d_train_3d_two_steps")
def _(lib, ctx):
    m = ctx.module(lib.nn.BatchNorm1d(3, momentum=0.3))
    m(ctx.x(4, 3, 2, grad=False))
    return m(ctx.x(4, 3, 2))


@case("batchnorm1d_momentum_none_cumulative")
def _(lib, ctx):
    m = ctx.module(lib.nn.BatchNorm1d(2, momentum=None))
    for _ in range(3):
        m(ctx.x(6, 2, grad=False))
    return m(ctx.x(6, 2))


@case("batchnorm1d_eval_running_stats")
def _(lib, ctx):
    return ctx.module(lib.nn.BatchNorm1d(3, eps=1e-3), train=False)(ctx.x(4, 3))


@case("batchnorm1d_no_affine")
def _(lib, ctx):
    return ctx.module(lib.nn.BatchNorm1d(3, affine=False))(ctx.x(4, 3))


@case("batchnorm1d_no_bias")
def _(lib, ctx):
    return ctx.module(lib.nn.BatchNorm1d(3, bias=False))(ctx.x(4, 3))


@case("batchnorm1d_no_running_stats_eval")
def _(lib, ctx):
    return ctx.module(lib.nn.BatchNorm1d(3, track_running_stats=False), train=False)(ctx.x(4, 3))


@case("batchnorm2d_train")
def _(lib, ctx):
    return ctx.module(lib.nn.BatchNorm2d(2))(ctx.x(3, 2, 3, 2))


@case("batchnorm2d_eval")
def _(lib, ctx):
    return ctx.module(lib.nn.BatchNorm2d(2), train=False)(ctx.x(3, 2, 2, 2))


@case("batchnorm2d_train_then_eval")
def _(lib, ctx):
    m = ctx.module(lib.nn.BatchNorm2d(2))
    m(ctx.x(3, 2, 2, 2, grad=False))
    m.eval()
    return m(ctx.x(3, 2, 2, 2))


@case("f_batch_norm_training")
def _(lib, ctx):
    rm, rv = ctx.const([0.1, -0.2, 0.3]), ctx.const([1.0, 2.0, 0.5])
    out = lib.nn.functional.batch_norm(ctx.x(4, 3), rm, rv, ctx.x(3), ctx.x(3), training=True, momentum=0.2)
    return out * rm.sum() + rv.sum()  # the updated running stats enter the output


@case("f_batch_norm_eval")
def _(lib, ctx):
    rm, rv = ctx.const([0.1, -0.2, 0.3]), ctx.const([1.0, 2.0, 0.5])
    return lib.nn.functional.batch_norm(ctx.x(4, 3, 2), rm, rv, ctx.x(3), None, training=False)


@case("err_batchnorm1d_channels", dtypes=("float32",))
def _(lib, ctx):
    return lib.nn.BatchNorm1d(3)(ctx.x(4, 5))


@case("err_batchnorm1d_dims", dtypes=("float32",))
def _(lib, ctx):
    return lib.nn.BatchNorm1d(3)(ctx.x(4))


@case("err_batchnorm2d_dims", dtypes=("float32",))
def _(lib, ctx):
    return lib.nn.BatchNorm2d(3)(ctx.x(4, 3, 2))


@case("err_batchnorm_one_value", dtypes=("float32",))
def _(lib, ctx):
    return lib.nn.BatchNorm1d(3)(ctx.x(1, 3))


@case("err_batchnorm_weight_size", dtypes=("float32",))
def _(lib, ctx):
    return lib.nn.BatchNorm1d(3, track_running_stats=False)(ctx.x(4, 5))


@case("err_batch_norm_eval_no_stats", dtypes=("float32",))
def _(lib, ctx):
    return lib.nn.functional.batch_norm(ctx.x(4, 3), None, None, training=False)


# ---- group norm ---------------------------------------------------------------------------------


@case("groupnorm_3d")
def _(lib, ctx):
    return ctx.module(lib.nn.GroupNorm(2, 4))(ctx.x(2, 4, 3))


@case("groupnorm_4d_eps")
def _(lib, ctx):
    return ctx.module(lib.nn.GroupNorm(3, 6, eps=1e-3))(ctx.x(2, 6, 2, 2))


@case("groupnorm_no_affine_2d")
def _(lib, ctx):
    return ctx.module(lib.nn.GroupNorm(1, 4, affine=False))(ctx.x(3, 4))


@case("f_group_norm")
def _(lib, ctx):
    return lib.nn.functional.group_norm(ctx.x(2, 4, 3), 4, ctx.x(4), None)


@case("err_groupnorm_divisible", dtypes=("float32",))
def _(lib, ctx):
    return lib.nn.GroupNorm(2, 3)


@case("err_groupnorm_channels", dtypes=("float32",))
def _(lib, ctx):
    return lib.nn.GroupNorm(2, 4)(ctx.x(2, 6, 3))


@case("err_groupnorm_dims", dtypes=("float32",))
def _(lib, ctx):
    return lib.nn.GroupNorm(2, 4)(ctx.x(2))


@case("err_group_norm_groups", dtypes=("float32",))
def _(lib, ctx):
    return lib.nn.functional.group_norm(ctx.x(2, 6, 3), 4)


# ---- embedding ----------------------------------------------------------------------------------


@case("embedding")
def _(lib, ctx):
    return ctx.module(lib.nn.Embedding(6, 3))(ctx.ints(6, 2, 4))


@case("embedding_padding_idx")
def _(lib, ctx):
    m = ctx.module(lib.nn.Embedding(5, 2, padding_idx=-2))
    return m(lib.tensor([[3, 1, 3], [0, 4, 3]]))


@case("embedding_max_norm")
def _(lib, ctx):
    m = ctx.module(lib.nn.Embedding(5, 3, max_norm=1.0, norm_type=1.5))
    return m(lib.tensor([1, 2, 2, 4]))


@case("embedding_scale_grad_by_freq")
def _(lib, ctx):
    m = ctx.module(lib.nn.Embedding(4, 2, scale_grad_by_freq=True))
    return m(lib.tensor([[0, 0, 1], [3, 0, 1]]))


@case("embedding_from_pretrained_frozen")
def _(lib, ctx):
    m = lib.nn.Embedding.from_pretrained(ctx.x(4, 3, grad=False))
    ctx.modules.append(m)
    return m(lib.tensor([2, 0]))


@case("embedding_from_pretrained_trainable")
def _(lib, ctx):
    m = lib.nn.Embedding.from_pretrained(ctx.x(4, 3, grad=False), freeze=False, padding_idx=1)
    ctx.modules.append(m)
    return m(lib.tensor([2, 1, 1]))


@case("f_embedding")
def _(lib, ctx):
    return lib.nn.functional.embedding(lib.tensor([[1, 0], [2, 2]]), ctx.x(3, 4), padding_idx=2)


@case("err_embedding_index", dtypes=("float32",))
def _(lib, ctx):
    return lib.nn.Embedding(5, 3)(lib.tensor([5]))


@case("err_embedding_negative_index", dtypes=("float32",))
def _(lib, ctx):
    return lib.nn.Embedding(5, 3)(lib.tensor([-1]))


@case("err_embedding_float_index", dtypes=("float32",))
def _(lib, ctx):
    return lib.nn.Embedding(5, 3)(lib.tensor([1.0]))


@case("err_embedding_padding_idx", dtypes=("float32",))
def _(lib, ctx):
    return lib.nn.Embedding(5, 3, padding_idx=5)


@case("err_embedding_pretrained_dims", dtypes=("float32",))
def _(lib, ctx):
    return lib.nn.Embedding.from_pretrained(ctx.x(3))


# ---- channel dropout, one_hot, normalize, distances ---------------------------------------------


@case("dropout1d_train", random=True)
def _(lib, ctx):
    return ctx.module(lib.nn.Dropout1d(0.5))(ctx.x(2, 3, 4))


@case("dropout1d_unbatched_train", random=True)
def _(lib, ctx):
    return lib.nn.functional.dropout1d(ctx.x(3, 4), 0.3)


@case("dropout2d_eval")
def _(lib, ctx):
    return ctx.module(lib.nn.Dropout2d(0.2), train=False)(ctx.x(2, 3, 2, 2))


@case("dropout2d_train", random=True)
def _(lib, ctx):
    return ctx.module(lib.nn.Dropout2d(0.2))(ctx.x(2, 3, 2, 2))


@case("err_dropout1d_dims", dtypes=("float32",))
def _(lib, ctx):
    return lib.nn.functional.dropout1d(ctx.x(2, 3, 4, 5))


@case("one_hot", dtypes=("float32",))
def _(lib, ctx):
    return lib.nn.functional.one_hot(lib.tensor([[0, 3], [1, 1]]))


@case("one_hot_num_classes", dtypes=("float32",))
def _(lib, ctx):
    return lib.nn.functional.one_hot(lib.tensor([2, 0]), num_classes=4)


@case("err_one_hot_too_big", dtypes=("float32",))
def _(lib, ctx):
    return lib.nn.functional.one_hot(lib.tensor([1, 5]), 3)


@case("err_one_hot_float", dtypes=("float32",))
def _(lib, ctx):
    return lib.nn.functional.one_hot(lib.tensor([1.0]))


@case("normalize")
def _(lib, ctx):
    return lib.nn.functional.normalize(ctx.x(3, 4))


@case("normalize_p1_dim0")
def _(lib, ctx):
    return lib.nn.functional.normalize(ctx.x(3, 4), p=1.0, dim=0)


@case("cosine_similarity")
def _(lib, ctx):
    return lib.nn.functional.cosine_similarity(ctx.x(3, 4), ctx.x(3, 4))


@case("cosine_similarity_broadcast_dim0")
def _(lib, ctx):
    return lib.nn.functional.cosine_similarity(ctx.x(3, 4), ctx.x(3, 1), dim=0)


@case("pairwise_distance")
def _(lib, ctx):
    return lib.nn.functional.pairwise_distance(ctx.x(3, 4), ctx.x(3, 4))


@case("pairwise_distance_p1_keepdim")
def _(lib, ctx):
    return lib.nn.functional.pairwise_distance(ctx.x(3, 4), ctx.x(3, 4), p=1.0, keepdim=True)


# ---- activations ----------------------------------------------------------------------------------

ACTIVATION_MODULES = {
    "gelu": ("GELU", (), {}),
    "gelu_tanh": ("GELU", (), {"approximate": "tanh"}),
    "silu": ("SiLU", (), {}),
    "mish": ("Mish", (), {}),
    "hardswish": ("Hardswish", (), {}),
    "hardsigmoid": ("Hardsigmoid", (), {}),
    "elu": ("ELU", (0.7,), {}),
    "selu": ("SELU", (), {}),
    "celu": ("CELU", (0.5,), {}),
    "softplus": ("Softplus", (), {}),
    "softplus_beta_threshold": ("Softplus", (2.0, 1.5), {}),
    "softsign": ("Softsign", (), {}),
    "prelu": ("PReLU", (), {}),
    "prelu_channels": ("PReLU", (3, 0.1), {}),
    "threshold": ("Threshold", (0.3, -1.5), {}),
    "logsigmoid": ("LogSigmoid", (), {}),
    "softmin": ("Softmin", (1,), {}),
    "glu": ("GLU", (), {}),
    "glu_dim1": ("GLU", (1,), {}),
    "hardtanh": ("Hardtanh", (-0.5, 1.5), {}),
    "relu6": ("ReLU6", (), {}),
}


def _activation_case(name, ctor, args, kwargs):
    @case(f"act_{name}")
    def _(lib, ctx):
        m = ctx.module(getattr(lib.nn, ctor)(*args, **kwargs))
        return m(ctx.x(2, 3, 4, low=-4.0, high=4.0))


for _name, (_ctor, _args, _kwargs) in ACTIVATION_MODULES.items():
    _activation_case(_name, _ctor, _args, _kwargs)


INPLACE_ACTIVATIONS = {
    "elu": ("ELU", (0.7, True)),
    "selu": ("SELU", (True,)),
    "celu": ("CELU", (0.5, True)),
    "threshold": ("Threshold", (0.3, -1.5, True)),
    "silu": ("SiLU", (True,)),
    "mish": ("Mish", (True,)),
    "hardswish": ("Hardswish", (True,)),
    "hardsigmoid": ("Hardsigmoid", (True,)),
    "relu6": ("ReLU6", (True,)),
}


def _inplace_case(name, ctor, args):
    @case(f"act_inplace_{name}", dtypes=("float64",))
    def _(lib, ctx):
        m = ctx.module(getattr(lib.nn, ctor)(*args))
        return m(ctx.x(3, 4, low=-4.0, high=4.0) * 1.0)


for _name, (_ctor, _args) in INPLACE_ACTIVATIONS.items():
    _inplace_case(_name, _ctor, _args)


@case("act_softmax2d")
def _(lib, ctx):
    return ctx.module(lib.nn.Softmax2d())(ctx.x(2, 3, 2, 2))


@case("act_prelu_unbatched", dtypes=("float64",))
def _(lib, ctx):
    return ctx.module(lib.nn.PReLU())(ctx.x(5))


@case("act_prelu_4d", dtypes=("float64",))
def _(lib, ctx):
    return ctx.module(lib.nn.PReLU(2))(ctx.x(2, 2, 2, 2))


@case("f_softmin_dtype", dtypes=("float32",))
def _(lib, ctx):
    return lib.nn.functional.softmin(ctx.x(3, 4), dim=0, dtype=lib.float64)


@case("f_threshold_inplace", dtypes=("float64",))
def _(lib, ctx):
    x = ctx.x(3, 4) * 1.0
    return lib.nn.functional.threshold_(x, 0.0, 2.0)


@case("err_prelu_channels", dtypes=("float32",))
def _(lib, ctx):
    return lib.nn.PReLU(3)(ctx.x(2, 4))


@case("err_glu_odd", dtypes=("float32",))
def _(lib, ctx):
    return lib.nn.functional.glu(ctx.x(2, 3))


@case("err_softmax2d_dims", dtypes=("float32",))
def _(lib, ctx):
    return lib.nn.Softmax2d()(ctx.x(3))


@case("err_gelu_approximate", dtypes=("float32",))
def _(lib, ctx):
    return lib.nn.functional.gelu(ctx.x(3), approximate="foo")


# ---- losses ---------------------------------------------------------------------------------------

REDUCTIONS = ("mean", "sum", "none")


def _loss_case(name, build):
    for red in REDUCTIONS:
        case(f"loss_{name}_{red}")(lambda lib, ctx, red=red: build(lib, ctx, red))


_loss_case("smooth_l1", lambda lib, ctx, red: ctx.module(lib.nn.SmoothL1Loss(reduction=red))(ctx.x(4, 3), ctx.x(4, 3)))
_loss_case(
    "smooth_l1_beta",
    lambda lib, ctx, red: ctx.module(lib.nn.SmoothL1Loss(reduction=red, beta=0.5))(ctx.x(4, 3), ctx.x(4, 3, grad=False)),
)
_loss_case("huber", lambda lib, ctx, red: ctx.module(lib.nn.HuberLoss(reduction=red, delta=0.7))(ctx.x(4, 3), ctx.x(4, 3)))
_loss_case(
    "kl_div",
    lambda lib, ctx, red: lib.nn.functional.kl_div(
        ctx.x(4, 3).log_softmax(1), ctx.x(4, 3, grad=False).softmax(1), reduction=red
    ),
)
_loss_case(
    "kl_div_log_target",
    lambda lib, ctx, red: ctx.module(lib.nn.KLDivLoss(reduction=red, log_target=True))(
        ctx.x(4, 3).log_softmax(1), ctx.x(4, 3).log_softmax(1)
    ),
)
_loss_case(
    "margin_ranking",
    lambda lib, ctx, red: ctx.module(lib.nn.MarginRankingLoss(margin=0.3, reduction=red))(
        ctx.x(5), ctx.x(5), ctx.const([1.0, -1.0, 1.0, -1.0, 1.0])
    ),
)
_loss_case(
    "cosine_embedding",
    lambda lib, ctx, red: ctx.module(lib.nn.CosineEmbeddingLoss(margin=0.2, reduction=red))(
        ctx.x(4, 3), ctx.x(4, 3), ctx.const([1.0, -1.0, -1.0, 1.0])
    ),
)
_loss_case(
    "triplet_margin",
    lambda lib, ctx, red: ctx.module(lib.nn.TripletMarginLoss(margin=2.0, reduction=red))(
        ctx.x(4, 3), ctx.x(4, 3), ctx.x(4, 3)
    ),
)
_loss_case(
    "triplet_margin_swap_p1",
    lambda lib, ctx, red: lib.nn.functional.triplet_margin_loss(
        ctx.x(4, 3), ctx.x(4, 3), ctx.x(4, 3), margin=1.5, p=1, swap=True, reduction=red
    ),
)
_loss_case(
    "poisson_nll",
    lambda lib, ctx, red: ctx.module(lib.nn.PoissonNLLLoss(reduction=red))(ctx.x(4, 3), ctx.x(4, 3, low=0, high=3, grad=False)),
)
_loss_case(
    "poisson_nll_rate_full",
    lambda lib, ctx, red: ctx.module(lib.nn.PoissonNLLLoss(log_input=False, full=True, reduction=red))(
        ctx.x(4, 3, low=0.1, high=3), ctx.x(4, 3, low=0, high=4, grad=False)
    ),
)
_loss_case(
    "gaussian_nll",
    lambda lib, ctx, red: ctx.module(lib.nn.GaussianNLLLoss(reduction=red))(
        ctx.x(4, 3), ctx.x(4, 3, grad=False), ctx.x(4, 3, low=0.1, high=2)
    ),
)
_loss_case(
    "gaussian_nll_full_homoscedastic",
    lambda lib, ctx, red: ctx.module(lib.nn.GaussianNLLLoss(full=True, reduction=red))(
        ctx.x(4, 3), ctx.x(4, 3, grad=False), ctx.x(4, low=0.1, high=2)
    ),
)
_loss_case(
    "cross_entropy_label_smoothing",
    lambda lib, ctx, red: ctx.module(lib.nn.CrossEntropyLoss(reduction=red, label_smoothing=0.2))(
        ctx.x(4, 3), lib.tensor([0, 2, 1, 1])
    ),
)
_loss_case(
    "cross_entropy_label_smoothing_weight_ignore",
    lambda lib, ctx, red: lib.nn.functional.cross_entropy(
        ctx.x(4, 3, 2), lib.tensor([[0, 2], [1, -100], [2, 2], [1, 0]]), weight=ctx.const([0.5, 1.0, 2.0]),
        label_smoothing=0.1, reduction=red,
    ),
)
_loss_case(
    "cross_entropy_probabilities",
    lambda lib, ctx, red: lib.nn.functional.cross_entropy(ctx.x(4, 3), ctx.x(4, 3, grad=False).softmax(1), reduction=red),
)
_loss_case(
    "cross_entropy_probabilities_smoothing",
    lambda lib, ctx, red: lib.nn.functional.cross_entropy(
        ctx.x(4, 3), ctx.x(4, 3, grad=False).softmax(1), label_smoothing=0.3, reduction=red
    ),
)


@case("loss_kl_div_batchmean")
def _(lib, ctx):
    return ctx.module(lib.nn.KLDivLoss(reduction="batchmean"))(ctx.x(4, 3).log_softmax(1), ctx.x(4, 3).softmax(1))


@case("loss_smooth_l1_beta0")
def _(lib, ctx):
    return lib.nn.functional.smooth_l1_loss(ctx.x(4, 3), ctx.x(4, 3), beta=0.0)


@case("loss_huber_weight")
def _(lib, ctx):
    return lib.nn.functional.huber_loss(ctx.x(4, 3), ctx.x(4, 3), weight=ctx.x(4, 3, low=0, high=1, grad=False))


@case("loss_cosine_embedding_unbatched")
def _(lib, ctx):
    return lib.nn.functional.cosine_embedding_loss(ctx.x(3), ctx.x(3), ctx.const(-1.0))


@case("err_margin_ranking_dims", dtypes=("float32",))
def _(lib, ctx):
    return lib.nn.functional.margin_ranking_loss(ctx.x(3), ctx.x(3), ctx.x(3, 1))


@case("err_triplet_margin", dtypes=("float32",))
def _(lib, ctx):
    return lib.nn.TripletMarginLoss(margin=0.0)


@case("err_triplet_dims", dtypes=("float32",))
def _(lib, ctx):
    return lib.nn.functional.triplet_margin_loss(ctx.x(2, 3), ctx.x(2, 3), ctx.x(3))


@case("err_gaussian_nll_var_size", dtypes=("float32",))
def _(lib, ctx):
    return lib.nn.functional.gaussian_nll_loss(ctx.x(4, 3), ctx.x(4, 3), ctx.x(2, low=0.1, high=1))


@case("err_gaussian_nll_negative_var", dtypes=("float32",))
def _(lib, ctx):
    return lib.nn.functional.gaussian_nll_loss(ctx.x(4, 3), ctx.x(4, 3), ctx.x(4, 3, low=-1, high=-0.5))


@case("err_cosine_embedding_target_dims", dtypes=("float32",))
def _(lib, ctx):
    return lib.nn.functional.cosine_embedding_loss(ctx.x(4, 3), ctx.x(4, 3), ctx.x(4, 1))


@case("err_smooth_l1_negative_beta", dtypes=("float32",))
def _(lib, ctx):
    return lib.nn.functional.smooth_l1_loss(ctx.x(4, 3), ctx.x(4, 3), beta=-1.0)


@case("loss_reprs", dtypes=("float32",))
def _(lib, ctx):
    nn = lib.nn
    for m in (nn.SmoothL1Loss(beta=0.5), nn.HuberLoss(delta=2.0), nn.KLDivLoss(reduction="batchmean"),
              nn.MarginRankingLoss(0.1), nn.CosineEmbeddingLoss(), nn.TripletMarginLoss(swap=True),
              nn.PoissonNLLLoss(full=True), nn.GaussianNLLLoss(eps=1e-3)):
        ctx.modules.append(m)
    return ctx.x(1)


# ---- second order -------------------------------------------------------------------------------


@case("embedding_double_backward")
def _(lib, ctx):
    w = ctx.x(5, 3)
    y = lib.nn.functional.embedding(lib.tensor([[1, 4], [4, 0]]), w, padding_idx=0, scale_grad_by_freq=True)
    (g,) = lib.autograd.grad((y * y).sum(), w, create_graph=True)
    return g


@case("loss_kl_div_target_grad")
def _(lib, ctx):
    return lib.nn.functional.kl_div(ctx.x(4, 3).log_softmax(1), ctx.x(4, 3).softmax(1), reduction="batchmean")


# ---- recording ------------------------------------------------------------------------------------


def main() -> None:
    import torch

    torch.manual_seed(0)
    cases = {}
    for name in CASES:
        cases[name] = run_case(torch, name)
    with open(FIXTURE, "w") as f:
        json.dump({"torch_version": torch.__version__, "cases": cases}, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.normpath(FIXTURE)}")


if __name__ == "__main__":
    main()
