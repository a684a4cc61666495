"""Fixture cases for torch.utils.data and torch.func; see record_optim_fixtures.py. Builders take
the ``torch`` namespace."""

from __future__ import annotations

from optim_fixture_common import _errors, describe

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
        ("vmap_all_none", lambda: F.vmap(lambda t: t, in_dims=(None,))(x)),
        ("vmap_dim_range", lambda: F.vmap(lambda t: t, in_dims=(2,))(x)),
        ("vmap_non_tensor_in", lambda: F.vmap(lambda t: t, in_dims=(0,))(3.0)),
        ("vmap_in_dims_structure", lambda: F.vmap(lambda t: t, in_dims=(0, 1))(x)),
        ("vmap_out_dims_structure", lambda: F.vmap(lambda t: t, out_dims=(0, 1))(x)),
        ("vmap_nested_in_dims_structure", lambda: F.vmap(lambda p, q: p, in_dims=(0, None, 1))(x, (x, x))),
    ]


def record_func(torch) -> dict:
    out = {}
    for label, thunk in func_cases(torch):
        out[label] = describe(thunk())
    out["errors"] = _errors(torch, func_errors(torch))
    lin, params = _linear_model(torch)
    out["functional_call_restores"] = lin.weight.tolist()
    return out
