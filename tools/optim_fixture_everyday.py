"""Fixture cases for the everyday API: devices, out=, legacy constructors and Variable, random
fills and samplers, Tensor.new_*, process-wide switches; see record_optim_fixtures.py."""

from __future__ import annotations

from optim_fixture_common import _caught_warnings, _errors_or_values, describe

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
        ("num_threads_zero", lambda: torch.set_num_threads(0)),
        ("num_threads_float", lambda: torch.set_num_threads(2.5)),
        ("interop_threads_zero", lambda: torch.set_num_interop_threads(0)),
        ("num_threads_round_trip", lambda: _threads_round_trip(torch)),
        ("matmul_precision", lambda: _matmul_precision(torch)),
        ("deterministic", lambda: _deterministic(torch)),
        ("typename", lambda: [torch.typename(torch.ones(1)), torch.typename(torch.nn.Linear(1, 1)),
                              torch.typename(3), torch.typename(torch.tensor([1]))]),
        ("version_cuda", lambda: torch.version.cuda),
        ("random_namespace", lambda: _random_namespace(torch)),
        ("default_tensor_type", lambda: _caught_warnings(lambda: _default_tensor_type(torch))),
        ("default_tensor_type_long", lambda: _restore_dtype(torch, lambda: torch.set_default_tensor_type(
            torch.LongTensor))),
        ("is_nonzero", lambda: [torch.is_nonzero(torch.tensor([0.0])), torch.is_nonzero(torch.tensor(2))]),
        ("is_nonzero_many", lambda: torch.is_nonzero(torch.tensor([1.0, 2.0]))),
        ("is_nonzero_empty", lambda: torch.is_nonzero(torch.tensor([]))),
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


def _threads_round_trip(torch):
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    one = torch.get_num_threads()
    torch.set_num_threads(before)
    return [one, torch.get_num_threads() == before]


def _matmul_precision(torch):
    before = torch.get_float32_matmul_precision()
    torch.set_float32_matmul_precision("high")
    high = torch.get_float32_matmul_precision()
    _, caught = _caught_warnings(lambda: torch.set_float32_matmul_precision("fast"))
    after_bad = torch.get_float32_matmul_precision()
    torch.set_float32_matmul_precision(before)
    return [before, high, after_bad, caught]


def _deterministic(torch):
    torch.use_deterministic_algorithms(True)
    on = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(False)
    return [on, torch.are_deterministic_algorithms_enabled()]


def _random_namespace(torch):
    torch.random.manual_seed(3)
    seed = torch.random.initial_seed()
    with torch.random.fork_rng():
        inside = torch.rand(2).tolist()
    return [seed, torch.rand(2).tolist() == inside]


def _restore_dtype(torch, thunk):
    before = torch.get_default_dtype()
    try:
        return thunk()
    finally:
        torch.set_default_dtype(before)


def _default_tensor_type(torch):
    def change():
        torch.set_default_tensor_type(torch.DoubleTensor)
        double = [str(torch.get_default_dtype()), str(torch.ones(1).dtype)]
        torch.set_default_tensor_type("torch.FloatTensor")
        return double + [str(torch.get_default_dtype())]

    return _restore_dtype(torch, change)


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
