"""Activation and loss cases for the norm parity fixtures (see ``norm_fixture_harness``)."""

from __future__ import annotations

from norm_fixture_harness import case

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
    "softshrink": ("Softshrink", (), {}),
    "hardshrink": ("Hardshrink", (0.3,), {}),
    "tanhshrink": ("Tanhshrink", (), {}),
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


@case("err_softshrink_lambd")
def _(lib, ctx):
    return lib.nn.functional.softshrink(ctx.x(3), -1.0)


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


@case("loss_poisson_nll_full_target_grad")
def _(lib, ctx):
    return lib.nn.functional.poisson_nll_loss(ctx.x(4, 3), ctx.x(4, 3, low=0.5, high=4), full=True)


@case("loss_cross_entropy_probabilities_3d_weight_smoothing")
def _(lib, ctx):
    target = ctx.x(2, 3, 4, grad=False).softmax(1)
    weight = ctx.const([0.5, 1.0, 2.0])
    return lib.nn.functional.cross_entropy(ctx.x(2, 3, 4), target, weight=weight, label_smoothing=0.1)


@case("loss_cross_entropy_unbatched_smoothing")
def _(lib, ctx):
    return lib.nn.functional.cross_entropy(ctx.x(3), lib.tensor(2), label_smoothing=0.25)


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
