"""Fixture cases for torch.utils.data, torch.func and the everyday API (devices, out=, legacy
constructors, random fills); see record_optim_fixtures.py. Builders take the ``torch`` namespace."""

from __future__ import annotations

from optim_fixture_common import _caught_warnings, _errors, _errors_or_values, describe

# ---- torch.utils.data ----------------------------------------------------------------------------




def _squares(torch):
    class Squares(torch.utils.data.Dataset):
        def __len__(self):
            return 7

        def __getitem__(self, i):
            return {"x": float(i), "x2": torch.tensor([i, i * i]), "name": f"s{i}", "pair": (i, -i)}

    return Squares()


def _counter(torch):
    class Counter(torch.utils.data.IterableDataset):
        def __len__(self):
            return 5

        def __iter__(self):
            return iter([torch.full((2,), float(i)) for i in range(5)])

    return Counter()


def loader_cases(torch):
    """(label, builder() -> DataLoader) with shuffle off: the batches are deterministic."""
    D = torch.utils.data
    x = torch.arange(30, dtype=torch.float32).reshape(10, 3)
    y = torch.arange(10) % 3
    tds = D.TensorDataset(x, y)
    return [
        ("tensor-bs4", lambda: D.DataLoader(tds, batch_size=4)),
        ("tensor-bs4-drop", lambda: D.DataLoader(tds, batch_size=4, drop_last=True)),
        ("tensor-default", lambda: D.DataLoader(D.TensorDataset(x[:3]))),
        ("no-batching", lambda: D.DataLoader(tds, batch_size=None)),
        ("dict-samples", lambda: D.DataLoader(_squares(torch), batch_size=3)),
        ("numbers", lambda: D.DataLoader([1, 2, 3, 4, 5], batch_size=2)),
        ("floats-and-bools", lambda: D.DataLoader([(0.5, True), (1.5, False), (2.5, True)], batch_size=3)),
        ("custom-collate", lambda: D.DataLoader(tds, batch_size=3, collate_fn=lambda b: len(b))),
        ("batch-sampler", lambda: D.DataLoader(tds, batch_sampler=[[0, 9], [1, 2, 3], [4]])),
        ("sampler", lambda: D.DataLoader(tds, batch_size=2, sampler=[9, 8, 7, 0, 1])),
        ("subset", lambda: D.DataLoader(D.Subset(tds, [5, 1, 7]), batch_size=2)),
        ("concat", lambda: D.DataLoader(D.ConcatDataset([D.Subset(tds, [0, 1]), D.Subset(tds, [8, 9])]),
                                        batch_size=3)),
        ("iterable", lambda: D.DataLoader(_counter(torch), batch_size=2)),
        ("iterable-drop", lambda: D.DataLoader(_counter(torch), batch_size=2, drop_last=True)),
    ]


def data_errors(torch):
    D = torch.utils.data
    tds = D.TensorDataset(torch.zeros(4, 2))
    return [
        ("shuffle_and_sampler", lambda: D.DataLoader(tds, shuffle=True, sampler=[0, 1])),
        ("batch_sampler_exclusive", lambda: D.DataLoader(tds, batch_size=2, batch_sampler=[[0]])),
        ("no_batching_drop_last", lambda: D.DataLoader(tds, batch_size=None, drop_last=True)),
        ("iterable_shuffle", lambda: D.DataLoader(_counter(torch), shuffle=True)),
        ("bad_batch_size", lambda: D.BatchSampler([0, 1], 0, False)),
        ("tensor_size_mismatch", lambda: D.TensorDataset(torch.zeros(3), torch.zeros(4))),
        ("split_sum", lambda: D.random_split(range(5), [2, 2])),
        ("split_fraction", lambda: D.random_split(range(5), [1.5, -0.5])),
        ("collate_object", lambda: D.default_collate([object(), object()])),
        ("collate_ragged", lambda: D.default_collate([[1, 2], [3]])),
        ("negative_workers", lambda: D.DataLoader(tds, num_workers=-1)),
    ]


def record_data(torch) -> dict:
    D = torch.utils.data
    out = {"loaders": []}
    for label, build in loader_cases(torch):
        dl = build()
        out["loaders"].append({"label": label, "len": len(dl), "batches": [describe(b) for b in dl]})
    split = D.random_split(range(10), [0.3, 0.3, 0.4], generator=torch.Generator().manual_seed(0))
    out["split_lengths"] = [len(s) for s in split]
    split = D.random_split(range(11), [0.5, 0.5], generator=torch.Generator().manual_seed(0))
    out["split_lengths_remainder"] = [len(s) for s in split]
    out["errors"] = _errors(torch, data_errors(torch))
    return out


# ---- torch.func -----------------------------------------------------------------------------------


def func_inputs(torch):
    x = torch.tensor([0.3, -1.2, 2.0], dtype=torch.float64)
    a = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], dtype=torch.float64)
    b = torch.tensor([[1.0, 0.5], [-0.5, 2.0], [0.25, -1.5]], dtype=torch.float64)
    batch = torch.tensor([[0.1, 0.2, 0.3], [1.0, -1.0, 0.5], [2.0, 0.0, -2.0], [0.7, 0.8, -0.9]], dtype=torch.float64)
    return x, a, b, batch


def _scalar_f(x):
    return (x.sin() * x**2).sum()


def _vector_f(x):
    return x.tanh() * x.exp()


def _bilinear(a, b):
    return (a @ b).sin()


def _linear_model(torch):
    lin = torch.nn.Linear(3, 2).double()
    params = {"weight": torch.tensor([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]], dtype=torch.float64),
              "bias": torch.tensor([0.05, -0.05], dtype=torch.float64)}
    return lin, params


def func_cases(torch):
    """(label, thunk) — each thunk returns a tensor or a nested structure of tensors."""
    F = torch.func
    x, a, b, batch = func_inputs(torch)
    lin, params = _linear_model(torch)
    ones = torch.ones(3, dtype=torch.float64)

    def per_sample_loss(p, xi, yi):
        return ((F.functional_call(lin, p, (xi,)) - yi) ** 2).sum()

    targets = torch.arange(8, dtype=torch.float64).reshape(4, 2) / 4
    return [
        ("grad", lambda: F.grad(_scalar_f)(x)),
        ("grad_and_value", lambda: F.grad_and_value(_scalar_f)(x)),
        ("grad_has_aux", lambda: F.grad(lambda x: (_scalar_f(x), x.cos()), has_aux=True)(x)),
        ("grad_argnums", lambda: F.grad(lambda a, b: _bilinear(a, b).sum(), argnums=(0, 1))(a, b)),
        ("grad_of_grad", lambda: F.grad(F.grad(lambda t: t.sin() * t**3))(torch.tensor(0.7, dtype=torch.float64))),
        ("jacrev", lambda: F.jacrev(_vector_f)(x)),
        ("jacfwd", lambda: F.jacfwd(_vector_f)(x)),
        ("jacrev_argnums", lambda: F.jacrev(_bilinear, argnums=(0, 1))(a, b)),
        ("jacfwd_argnum1", lambda: F.jacfwd(_bilinear, argnums=1)(a, b)),
        ("jacrev_tuple_out", lambda: F.jacrev(lambda x: (x.sum(), x**2))(x)),
        ("hessian", lambda: F.hessian(_scalar_f)(x)),
        ("hessian_bilinear", lambda: F.hessian(lambda a, b: _bilinear(a, b).sum(), argnums=1)(a, b)),
        ("jacfwd_jacrev", lambda: F.jacfwd(F.jacrev(_scalar_f))(x)),
        ("vjp", lambda: F.vjp(_vector_f, x)[1](ones)),
        ("jvp", lambda: F.jvp(_vector_f, (x,), (ones,))),
        ("jvp_two", lambda: F.jvp(_bilinear, (a, b), (torch.ones_like(a), torch.ones_like(b)))),
        ("vmap", lambda: F.vmap(_vector_f)(batch)),
        ("vmap_in_dims", lambda: F.vmap(lambda r, m: r @ m, in_dims=(0, None))(batch, b)),
        ("vmap_dim1_out1", lambda: F.vmap(lambda c: c * c.sum(), in_dims=1, out_dims=1)(batch)),
        ("vmap_nested", lambda: F.vmap(F.vmap(lambda s: s.sin() * 2))(batch)),
        ("vmap_grad", lambda: F.vmap(F.grad(_scalar_f))(batch)),
        ("vmap_tuple_out", lambda: F.vmap(lambda r: (r.sum(), r * 2))(batch)),
        ("constant_jacrev", lambda: F.jacrev(lambda t: torch.ones(2, dtype=torch.float64))(x)),
        ("constant_grad", lambda: F.grad(lambda t: torch.tensor(1.0, dtype=torch.float64))(x)),
        ("constant_jacfwd", lambda: F.jacfwd(lambda t: torch.ones(2, dtype=torch.float64))(x)),
        ("constant_vjp", lambda: F.vjp(lambda t: torch.ones(2, dtype=torch.float64), x)[1](
            torch.ones(2, dtype=torch.float64))),
        ("partly_used_argnums", lambda: F.grad(lambda p, q: (p * 2).sum(), argnums=(0, 1))(x, x)),
        ("functional_call", lambda: F.functional_call(lin, params, (batch,))),
        ("grad_params", lambda: F.grad(lambda p: per_sample_loss(p, batch, targets))(params)),
        ("per_sample_grads", lambda: F.vmap(F.grad(per_sample_loss), in_dims=(None, 0, 0))(params, batch, targets)),
    ]


def func_errors(torch):
    F = torch.func
    x, a, b, batch = func_inputs(torch)
    return [
        ("grad_not_scalar", lambda: F.grad(lambda t: t * 2)(x)),
        ("grad_aux_not_tuple", lambda: F.grad(lambda t: t.sum(), has_aux=True)(x)),
        ("argnum_range", lambda: F.grad(lambda t: t.sum(), argnums=1)(x)),
        ("jvp_primals_tuple", lambda: F.jvp(_vector_f, x, x)),
        ("vmap_sizes", lambda: F.vmap(lambda p, q: p + q)(torch.ones(2, 3), torch.ones(3, 3))),
        ("vmap_non_tensor_out", lambda: F.vmap(lambda t: 1.0)(batch)),
    ]


def record_func(torch) -> dict:
    out = {}
    for label, thunk in func_cases(torch):
        out[label] = describe(thunk())
    out["errors"] = _errors(torch, func_errors(torch))
    lin, params = _linear_model(torch)
    out["functional_call_restores"] = lin.weight.tolist()
    return out


# ---- everyday API: devices, out=, legacy constructors, in-place random fills ----------------------


def _dev(d):
    return [repr(d), str(d), d.type, d.index]




def _out_call(torch, fn, *args, out_shape=(), out_dtype=None, **kwargs):
    out = torch.empty(out_shape, dtype=out_dtype)
    result, caught = _caught_warnings(lambda: fn(*args, out=out, **kwargs))
    return {"same_object": result is out, "out": describe(out), "warnings": caught}


def _with_default_device(torch, where, thunk):
    torch.set_default_device(where)
    try:
        return thunk()
    finally:
        torch.set_default_device("cpu")


def everyday_cases(torch):
    """(label, thunk) — thunks return JSON-able values; errors are recorded by ``_errors``."""
    Variable = torch.autograd.Variable
    a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    m = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    v = torch.tensor([0.5, -1.0])
    ints = torch.tensor([1, 2, 3])
    return [
        ("device_cuda", lambda: _dev(torch.device("cuda"))),
        ("device_cuda1", lambda: _dev(torch.device("cuda:1"))),
        ("device_cuda_index", lambda: _dev(torch.device("cuda", 0))),
        ("device_cpu", lambda: _dev(torch.device("cpu"))),
        ("device_of_device", lambda: _dev(torch.device(torch.device("cuda:2")))),
        ("device_meta", lambda: _dev(torch.device("meta"))),
        ("device_equality", lambda: [torch.device("cpu") == torch.device("cpu"),
                                     torch.device("cuda:0") == torch.device("cuda"),
                                     torch.device("cuda:1") == torch.device("cuda", 1),
                                     torch.device("cuda") == "cuda", torch.ones(1).device == torch.device("cpu"),
                                     len({torch.device("cuda:1"), torch.device("cuda", 1)})]),
        ("tensor_device", lambda: [repr(torch.ones(1).device), torch.ones(1).is_cuda, torch.ones(1).get_device(),
                                   isinstance(torch.ones(1).device, torch.device)]),
        ("device_bad_type", lambda: torch.device("xyz")),
        ("device_bad_index", lambda: torch.device("cuda:-1")),
        ("device_int", lambda: torch.device(0)),
        ("to_cuda", lambda: torch.ones(2).to("cuda")),
        ("to_cuda_device", lambda: torch.ones(2).to(torch.device("cuda:0"))),
        ("to_cuda_kw", lambda: torch.ones(2).to(device="cuda", dtype=torch.float64)),
        ("tensor_cuda", lambda: torch.ones(2).cuda()),
        ("factory_cuda", lambda: torch.ones(2, device="cuda")),
        ("tensor_factory_cuda", lambda: torch.tensor([1.0], device="cuda")),
        ("module_cuda", lambda: torch.nn.Linear(2, 2).cuda()),
        ("module_to_cuda", lambda: torch.nn.Linear(2, 2).to("cuda")),
        ("to_mps", lambda: torch.ones(2).to("mps")),
        ("to_bad_string", lambda: torch.ones(2).to("gpu")),
        ("module_to_bad_string", lambda: torch.nn.Linear(2, 2).to("tpu:0")),
        ("to_cpu", lambda: describe(torch.ones(2).to("cpu", torch.float64))),
        ("module_to_cpu", lambda: type(torch.nn.Linear(2, 2).to("cpu")).__name__),
        ("cuda_queries", lambda: [torch.cuda.is_available(), torch.cuda.device_count()]),
        ("cuda_current_device", lambda: torch.cuda.current_device()),
        ("accelerator", lambda: [torch.accelerator.is_available(), torch.accelerator.current_accelerator(),
                                 torch.accelerator.device_count()]),
        ("mps_available", lambda: torch.backends.mps.is_available()),
        ("default_device", lambda: repr(torch.get_default_device())),
        ("set_default_cpu", lambda: _with_default_device(torch, "cpu", lambda: repr(torch.get_default_device()))),
        ("default_cuda_get", lambda: _with_default_device(torch, "cuda", torch.get_default_device)),
        ("default_cuda_factory", lambda: _with_default_device(torch, "cuda", lambda: torch.zeros(2))),
        ("device_context_cuda", lambda: _in_device(torch, "cuda", lambda: torch.ones(2))),
        ("device_context_cpu", lambda: _in_device(torch, "cpu", lambda: [repr(torch.get_default_device()),
                                                                          repr(torch.ones(1).device)])),
        ("device_context_restores", lambda: [_in_device(torch, "cpu", lambda: None),
                                             repr(torch.get_default_device())]),
        ("top_level_vmap", lambda: describe(torch.vmap(lambda r: r.sum())(torch.ones(3, 2)))),
        # out=
        ("out_add", lambda: _out_call(torch, torch.add, v, 1.5, out_shape=(2,))),
        ("out_add_resize", lambda: _out_call(torch, torch.add, v, v, out_shape=(5,))),
        ("out_add_empty", lambda: _out_call(torch, torch.add, v, v, out_shape=(0,))),
        ("out_mul_cast_up", lambda: _out_call(torch, torch.mul, ints, ints, out_shape=(3,))),
        ("out_add_to_long", lambda: _out_call(torch, torch.add, v, v, out_shape=(2,), out_dtype=torch.long)),
        ("out_matmul", lambda: _out_call(torch, torch.matmul, m, v, out_shape=(3,))),
        ("out_mm", lambda: _out_call(torch, torch.mm, m, m.t(), out_shape=(3, 3))),
        ("out_sum_dim", lambda: _out_call(torch, torch.sum, m, 0, out_shape=(2,))),
        ("out_sum_long", lambda: _out_call(torch, torch.sum, ints.reshape(1, 3), 1, out_shape=(1,),
                                           out_dtype=torch.long)),
        ("out_mean_keepdim", lambda: _out_call(torch, torch.mean, m, 1, True, out_shape=(3, 1))),
        ("out_neg", lambda: _out_call(torch, torch.neg, v, out_shape=(2,))),
        ("out_abs_resize_2d", lambda: _out_call(torch, torch.abs, m, out_shape=(2,))),
        ("out_cat", lambda: _out_call(torch, torch.cat, [v, v], out_shape=(4,))),
        ("out_sub", lambda: _out_call(torch, torch.sub, m, 1.0, out_shape=(3, 2))),
        ("out_div", lambda: _out_call(torch, torch.div, ints, 2, out_shape=(3,))),
        ("out_pow", lambda: _out_call(torch, torch.pow, v, 2, out_shape=(2,))),
        ("out_no_grad", lambda: _no_grad_out(torch, a)),
        ("out_add_requires_grad", lambda: torch.add(a, 1.0, out=torch.empty(3))),
        ("out_mul_requires_grad", lambda: torch.mul(a, a, out=torch.empty(3))),
        ("out_matmul_requires_grad", lambda: torch.matmul(a, a, out=torch.empty(()))),
        ("out_sum_requires_grad", lambda: torch.sum(a, 0, out=torch.empty(()))),
        ("out_mean_requires_grad", lambda: torch.mean(a, 0, out=torch.empty(()))),
        ("out_exp_requires_grad", lambda: torch.exp(a, out=torch.empty(3))),
        ("out_itself_requires_grad", lambda: torch.add(v, v, out=torch.empty(2, requires_grad=True))),
        # legacy constructors and Variable
        ("float_tensor_shape", lambda: [list(torch.FloatTensor(2, 3).shape), str(torch.FloatTensor(2, 3).dtype)]),
        ("float_tensor_data", lambda: describe(torch.FloatTensor([1, 2]))),
        ("long_tensor_data", lambda: describe(torch.LongTensor([1, 2]))),
        ("bool_tensor_data", lambda: describe(torch.BoolTensor([1, 0]))),
        ("double_tensor_size", lambda: [list(torch.DoubleTensor(2).shape), str(torch.DoubleTensor(2).dtype)]),
        ("int_tensor_data", lambda: describe(torch.IntTensor([3]))),
        ("empty_float_tensor", lambda: describe(torch.FloatTensor())),
        ("legacy_isinstance", lambda: [isinstance(torch.ones(2), torch.FloatTensor),
                                       isinstance(torch.ones(2).double(), torch.FloatTensor),
                                       isinstance(torch.ones(2).double(), torch.DoubleTensor),
                                       isinstance(torch.tensor([1]), torch.LongTensor),
                                       isinstance(torch.tensor([True]), torch.BoolTensor),
                                       isinstance(3, torch.FloatTensor)]),
        ("legacy_repr", lambda: [repr(torch.FloatTensor), repr(torch.LongTensor), torch.FloatTensor.__name__]),
        ("legacy_type_names", lambda: [torch.ones(1).type(), torch.tensor([1]).type(), torch.tensor([True]).type()]),
        ("type_conversion", lambda: [describe(torch.ones(2).type(torch.DoubleTensor)),
                                     describe(torch.ones(2).type("torch.LongTensor")),
                                     describe(torch.ones(2).type(torch.float64))]),
        ("float_tensor_from_double", lambda: torch.FloatTensor(torch.ones(2, dtype=torch.float64))),
        ("float_tensor_from_str", lambda: torch.FloatTensor("a")),
        ("variable", lambda: _variable(torch, Variable)),
        ("variable_volatile", lambda: _caught_warnings(lambda: describe(Variable(torch.ones(2), volatile=True)))),
        ("variable_list", lambda: Variable([1])),
        ("variable_empty", lambda: describe(Variable())),
        # in-place random fills
        ("fill_leaf_uniform", lambda: a.uniform_()),
        ("fill_leaf_normal", lambda: a.normal_()),
        ("fill_leaf_zero", lambda: a.zero_()),
        ("fill_leaf_fill", lambda: a.fill_(1.0)),
        ("bernoulli_p", lambda: torch.ones(3).bernoulli_(1.5)),
        ("random_range", lambda: torch.ones(3).random_(5, 2)),
        ("exponential_lambda", lambda: torch.ones(3).exponential_(-1)),
        ("uniform_range", lambda: torch.ones(3).uniform_(2, 1)),
        ("uniform_range_float", lambda: torch.ones(3).uniform_(2.5, 1.0)),
        ("normal_std_float", lambda: torch.ones(3).normal_(0, -0.5)),
        ("normal_std", lambda: torch.ones(3).normal_(0, -1)),
        ("fill_dtypes", lambda: [str(torch.ones(3).random_(0, 10).dtype), str(torch.ones(3).bernoulli_().dtype),
                                 str(torch.ones(3, dtype=torch.long).random_(4).dtype)]),
        ("fill_under_no_grad", lambda: _fill_no_grad(torch)),
        ("fill_nodes_on_history", lambda: _fill_nodes(torch)),
        ("multinomial_too_many", lambda: torch.multinomial(torch.tensor([0.2, 0.8]), 3)),
        ("multinomial_zero_sum", lambda: torch.multinomial(torch.tensor([0.0, 0.0]), 1)),
        ("multinomial_negative", lambda: torch.multinomial(torch.tensor([-1.0, 2.0]), 1)),
        ("multinomial_3d", lambda: torch.multinomial(torch.ones(2, 3, 4), 2)),
        ("multinomial_none", lambda: torch.multinomial(torch.ones(3), 0)),
        ("multinomial_shapes", lambda: [list(torch.multinomial(torch.ones(2, 3), 2).shape),
                                        str(torch.multinomial(torch.ones(3), 5, replacement=True).dtype),
                                        list(torch.ones(4).multinomial(4).shape),
                                        sorted(torch.multinomial(torch.ones(4), 4).tolist()),
                                        torch.multinomial(torch.tensor([0.0, 1.0, 0.0]), 3, True).tolist()]),
        ("bernoulli_out_of_range", lambda: torch.bernoulli(torch.full((3,), 1.5))),
        ("bernoulli_shapes", lambda: [str(torch.bernoulli(torch.full((3,), 0.5)).dtype),
                                      list(torch.bernoulli(torch.ones(3), 0.3).shape),
                                      torch.bernoulli(torch.tensor([0.0, 1.0, 1.0])).tolist(),
                                      str(torch.full((2,), 0.5, dtype=torch.float64).bernoulli().dtype)]),
        ("normal_shapes", lambda: [str(torch.normal(0.0, 1.0, size=(2, 3)).dtype),
                                   list(torch.normal(0.0, 1.0, size=(2, 3)).shape),
                                   list(torch.normal(torch.zeros(3), 1.0).shape),
                                   list(torch.normal(torch.zeros(3), torch.ones(3)).shape),
                                   list(torch.normal(2.0, torch.ones(2, 2)).shape),
                                   torch.normal(torch.tensor([1.0, 2.0]), 0.0).tolist()]),
        ("normal_negative_std", lambda: torch.normal(torch.zeros(3), -1.0)),
        ("normal_floats", lambda: torch.normal(0.0, 1.0)),
        ("poisson_dtype", lambda: [str(torch.poisson(torch.ones(3)).dtype), torch.poisson(torch.zeros(2)).tolist()]),
        ("fills_return_self", lambda: _fills_return_self(torch)),
        ("new_methods", lambda: _new_methods(torch)),
        ("new_tensor_from_tensor", lambda: _caught_warnings(lambda: describe(torch.ones(2).new_tensor(torch.ones(2))))),
        ("new_zeros_cuda", lambda: torch.ones(2).new_zeros(2, device="cuda")),
    ]


def _in_device(torch, where, thunk):
    with torch.device(where):
        return thunk()


def _no_grad_out(torch, a):
    with torch.no_grad():
        return _out_call(torch, torch.add, a, 1.0, out_shape=(3,))


def _variable(torch, Variable):
    t = torch.ones(2)
    v = Variable(t, requires_grad=True)
    return [describe(v), v.requires_grad, v.is_leaf, v is t, isinstance(torch.ones(1), Variable), type(v).__name__]


def _fill_no_grad(torch):
    p = torch.nn.Parameter(torch.zeros(4))
    with torch.no_grad():
        p.uniform_(-1, 1)
    return [p.requires_grad, p.is_leaf, float(p.detach().abs().max()) <= 1]


def _fill_nodes(torch):
    """The node each fill records on a tensor with history, and the (zero) gradient it passes."""
    fills = [lambda y: y.uniform_(), lambda y: y.normal_(), lambda y: y.bernoulli_(),
             lambda y: y.bernoulli_(torch.full((3,), 0.5)), lambda y: y.random_(0, 5), lambda y: y.random_(5),
             lambda y: y.random_(), lambda y: y.exponential_(), lambda y: y.geometric_(0.5),
             lambda y: y.log_normal_(), lambda y: y.cauchy_()]
    found = []
    for fill in fills:
        x = torch.ones(3, requires_grad=True)
        y = x * 2
        fill(y)
        y.sum().backward()
        found.append([type(y.grad_fn).__name__, y.grad_fn.name(), x.grad.tolist()])
    return found


def _new_methods(torch):
    x = torch.ones(2, dtype=torch.float64)
    y = torch.tensor([1, 2])
    return [describe(x.new_zeros(2, 3)), describe(x.new_zeros((1, 2))), describe(x.new_ones([1])),
            describe(x.new_full((2,), 3)), list(x.new_empty(0).shape), describe(x.new_tensor([1, 2])),
            describe(x.new_tensor([1, 2], dtype=torch.long)), x.new_zeros(2, requires_grad=True).requires_grad,
            describe(y.new_zeros(2)), describe(y.new_tensor([1.5])), repr(x.new_zeros(2, device="cpu").device)]


def _fills_return_self(torch):
    t = torch.zeros(5)
    results = [t.uniform_(0, 1), t.normal_(), t.bernoulli_(0.5), t.random_(0, 3), t.exponential_(2.0), t.zero_(),
               t.fill_(2.0)]
    return [r is t for r in results] + [t._version if hasattr(t, "_version") else None]


def record_everyday(torch) -> dict:
    return _errors_or_values(everyday_cases(torch))
