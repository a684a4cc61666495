"""Batch/group norm, embedding, channel dropout, one_hot and distance cases for the norm parity
fixtures (see ``norm_fixture_harness``)."""

from __future__ import annotations

from norm_fixture_harness import case

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
