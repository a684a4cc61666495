"""Record PyTorch's optimizers, schedulers, clip_grad, torch.func, DataLoader and everyday-API
behaviour into tests/fixtures/optim_cases.json (needs torch; the tests do not).

Run from the repository root:  python tools/record_optim_fixtures.py

Every case builder takes the ``torch`` namespace as its argument, so the engine tests build
exactly the same cases from ``engine`` (they import this file's builders, never torch).
"""

from __future__ import annotations

import json
import math
import os
import warnings

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "optim_cases.json")
STEPS = 6


# ---- optimizers ---------------------------------------------------------------------------------


def optim_net(torch):
    """The small network every optimizer case trains."""
    nn = torch.nn
    return nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2))


def two_groups(model, **second):
    """Parameter groups: the first layer with the defaults, the last with its own settings."""
    return [{"params": model[0].parameters()}, {"params": model[2].parameters(), **second}]


# (optimizer, kwargs, groups) — groups None means model.parameters(), else kwargs for the 2nd group.
OPTIMIZER_SETTINGS = [
    ("SGD", {"lr": 0.1}, None),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01}, None),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.1, "maximize": True}, None),
    ("SGD", {"lr": 0.05, "momentum": 0.9}, {"lr": 0.2, "momentum": 0.5}),
    ("RMSprop", {}, None),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.8, "weight_decay": 0.05}, None),
    ("RMSprop", {"lr": 0.005, "centered": True, "momentum": 0.5, "maximize": True}, None),
    ("RMSprop", {"lr": 0.01, "centered": True, "eps": 1e-4}, {"alpha": 0.7}),
    ("Adagrad", {}, None),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.02, "initial_accumulator_value": 0.3}, None),
    ("Adagrad", {"lr": 0.05, "eps": 1e-3, "maximize": True}, {"lr": 0.2}),
    ("Adadelta", {}, None),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-4, "weight_decay": 0.05}, None),
    ("Adadelta", {"maximize": True}, {"rho": 0.5}),
    ("Adamax", {}, None),
    ("Adamax", {"lr": 0.01, "betas": (0.8, 0.9), "eps": 1e-5, "weight_decay": 0.1}, None),
    ("Adamax", {"lr": 0.02, "maximize": True}, {"lr": 0.005}),
    ("NAdam", {}, None),
    ("NAdam", {"lr": 0.01, "betas": (0.85, 0.95), "weight_decay": 0.05, "momentum_decay": 0.01}, None),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True}, None),
    ("NAdam", {"lr": 0.005}, {"lr": 0.02, "betas": (0.5, 0.9)}),
    ("RAdam", {}, None),
    ("RAdam", {"lr": 0.01, "betas": (0.9, 0.9), "weight_decay": 0.05}, None),  # beta2 0.9 rectifies from step 6
    ("RAdam", {"lr": 0.01, "betas": (0.8, 0.6), "weight_decay": 0.1, "decoupled_weight_decay": True,
               "maximize": True}, None),
    ("RAdam", {"lr": 0.02, "betas": (0.9, 0.5)}, {"lr": 0.005}),
    ("Adam", {"lr": 0.01, "amsgrad": True}, {"lr": 0.05}),
]


def make_optimizer(torch, model, name, kwargs, second_group):
    kwargs = dict(kwargs)
    if "betas" in kwargs:
        kwargs["betas"] = tuple(kwargs["betas"])
    if second_group is not None and "betas" in second_group:
        second_group = {**second_group, "betas": tuple(second_group["betas"])}  # JSON turned it into a list
    params = model.parameters() if second_group is None else two_groups(model, **second_group)
    return getattr(torch.optim, name)(params, **kwargs)


def train(torch, model, opt, x, y, steps):
    """``steps`` rounds of zero_grad / MSE loss / backward / step; returns losses and weights."""
    losses, weights = [], []
    for _ in range(steps):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        weights.append({k: v.tolist() for k, v in model.state_dict().items()})
    return losses, weights


def _plain(value):
    """A state-dict entry as JSON: tensors as lists, tuples as lists."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


# ---- schedulers ---------------------------------------------------------------------------------


def _half_at_five(epoch):
    return 0.5 if epoch >= 5 else 1.0


def scheduler_cases(torch):
    """(label, builder(opt) -> scheduler). Each runs on SGD(lr=0.1, momentum=0.9), two groups."""
    S = torch.optim.lr_scheduler
    return [
        ("StepLR", lambda o: S.StepLR(o, step_size=3, gamma=0.5)),
        ("MultiStepLR", lambda o: S.MultiStepLR(o, milestones=[2, 5, 5, 11], gamma=0.3)),
        ("ExponentialLR", lambda o: S.ExponentialLR(o, gamma=0.9)),
        ("CosineAnnealingLR", lambda o: S.CosineAnnealingLR(o, T_max=7, eta_min=0.001)),
        ("LambdaLR", lambda o: S.LambdaLR(o, lr_lambda=lambda e: 0.95**e)),
        ("LambdaLR-list", lambda o: S.LambdaLR(o, lr_lambda=[lambda e: 1 / (e + 1), _half_at_five])),
        ("MultiplicativeLR", lambda o: S.MultiplicativeLR(o, lr_lambda=lambda e: 0.9)),
        ("LinearLR", lambda o: S.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=8)),
        ("LinearLR-down", lambda o: S.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=5)),
        ("ConstantLR", lambda o: S.ConstantLR(o, factor=0.5, total_iters=4)),
        ("PolynomialLR", lambda o: S.PolynomialLR(o, total_iters=10, power=2.0)),
        ("CosineAnnealingWarmRestarts", lambda o: S.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.01)),
        ("OneCycleLR", lambda o: S.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=20)),
        ("OneCycleLR-linear-3phase", lambda o: S.OneCycleLR(o, max_lr=0.8, epochs=4, steps_per_epoch=5,
                                                             anneal_strategy="linear", three_phase=True)),
        ("SequentialLR", lambda o: S.SequentialLR(
            o, [S.LinearLR(o, start_factor=0.1, total_iters=4), S.ExponentialLR(o, gamma=0.8)], milestones=[4])),
        ("SequentialLR-three", lambda o: S.SequentialLR(
            o, [S.ConstantLR(o, factor=0.5, total_iters=3), S.StepLR(o, 2, 0.5), S.CosineAnnealingLR(o, 5)],
            milestones=[3, 9])),
        ("CyclicLR", lambda o: S.CyclicLR(o, base_lr=0.01, max_lr=[0.1, 0.2], step_size_up=4, step_size_down=3)),
        ("CyclicLR-triangular2", lambda o: S.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=3,
                                                      mode="triangular2", base_momentum=0.7, max_momentum=0.95)),
        ("CyclicLR-exp_range", lambda o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=2, mode="exp_range",
                                                    gamma=0.9, cycle_momentum=False)),
        ("ChainedScheduler", lambda o: S.ChainedScheduler(
            [S.ConstantLR(o, factor=0.2, total_iters=3), S.ExponentialLR(o, gamma=0.9)])),
    ]


PLATEAU_METRICS = [1.0, 0.9, 0.9, 0.95, 0.91, 0.92, 0.93, 0.5, 0.5, 0.5, 0.5, 0.5, 0.499, 0.6, 0.7, 0.8, 0.2,
                   0.2, 0.2, 0.2]


def plateau_cases(torch):
    S = torch.optim.lr_scheduler
    return [
        ("min-rel", lambda o: S.ReduceLROnPlateau(o, patience=2)),
        ("min-abs-cooldown", lambda o: S.ReduceLROnPlateau(o, factor=0.5, patience=1, threshold=0.05,
                                                           threshold_mode="abs", cooldown=2, min_lr=[0.02, 0.01])),
        ("max-rel", lambda o: S.ReduceLROnPlateau(o, mode="max", factor=0.2, patience=0, min_lr=1e-3)),
    ]


def scheduler_optimizer(torch, adam=False):
    a = torch.nn.Parameter(torch.ones(2))
    b = torch.nn.Parameter(torch.ones(3))
    groups = [{"params": [a]}, {"params": [b], "lr": 0.05}]
    if adam:
        return torch.optim.Adam(groups, lr=0.1)
    return torch.optim.SGD(groups, lr=0.1, momentum=0.9)


def _state_keys(sched):
    return sorted(sched.state_dict())


def run_scheduler(torch, builder, steps=20, metrics=None, adam=False):
    """lr (and momentum) after construction and after each step, with optimizer.step() first."""
    opt = scheduler_optimizer(torch, adam)
    sched = builder(opt)
    lrs = [list(sched.get_last_lr())]
    momenta = [[_momentum(g) for g in opt.param_groups]]
    for i in range(steps):
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[i])
        lrs.append(list(sched.get_last_lr()))
        momenta.append([_momentum(g) for g in opt.param_groups])
    return sched, lrs, momenta


def _momentum(group):
    return group["betas"][0] if "betas" in group else group.get("momentum")


# ---- clip_grad ------------------------------------------------------------------------------------


def clip_params(torch):
    """Three parameters with fixed gradients (one without a gradient)."""
    ps = [torch.nn.Parameter(torch.zeros(3)), torch.nn.Parameter(torch.zeros(2, 2)), torch.nn.Parameter(torch.zeros(1))]
    ps[0].grad = torch.tensor([0.5, -2.0, 1.5])
    ps[1].grad = torch.tensor([[3.0, -0.25], [0.0, 1.0]])
    return ps


CLIP_NORM_CASES = [(1.0, 2.0), (10.0, 2.0), (0.5, 1.0), (1.0, math.inf), (2.0, 3.0), (0.1, 0.5)]


def record(torch) -> dict:
    out: dict = {}
    g = torch.Generator().manual_seed(0)

    net = optim_net(torch)
    initial = {k: v.tolist() for k, v in net.state_dict().items()}
    x = torch.randn(6, 4, generator=g)
    y = torch.randn(6, 2, generator=g)
    out["optim_data"] = {"initial": initial, "inputs": x.tolist(), "targets": y.tolist()}
    runs = []
    for name, kwargs, second in OPTIMIZER_SETTINGS:
        model = optim_net(torch)
        model.load_state_dict({k: torch.tensor(v) for k, v in initial.items()})
        opt = make_optimizer(torch, model, name, kwargs, second)
        losses, weights = train(torch, model, opt, x, y, STEPS)
        sd = opt.state_dict()
        runs.append({
            "optimizer": name, "kwargs": kwargs, "second_group": second, "losses": losses, "weights": weights,
            "repr": repr(opt),
            "param_groups": [_plain_group(grp) for grp in sd["param_groups"]],
            "state": {str(k): {n: _plain(v) for n, v in s.items()} for k, s in sd["state"].items()},
        })
    out["optim_runs"] = runs
    # a float64 model through every optimizer's default settings
    runs64 = []
    for name in ["SGD", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam"]:
        model = optim_net(torch).double()
        model.load_state_dict({k: torch.tensor(v, dtype=torch.float64) for k, v in initial.items()})
        opt = getattr(torch.optim, name)(model.parameters(), **({"lr": 0.1} if name == "SGD" else {}))
        losses, weights = train(torch, model, opt, x.double(), y.double(), 4)
        runs64.append({"optimizer": name, "losses": losses, "weights": weights})
    out["optim_runs_float64"] = runs64
    out["optim_errors"] = _errors(torch, [
        ("rmsprop_alpha", lambda: torch.optim.RMSprop([torch.nn.Parameter(torch.ones(1))], alpha=-1)),
        ("adagrad_lr_decay", lambda: torch.optim.Adagrad([torch.nn.Parameter(torch.ones(1))], lr_decay=-1)),
        ("adadelta_rho", lambda: torch.optim.Adadelta([torch.nn.Parameter(torch.ones(1))], rho=1.5)),
        ("adamax_beta", lambda: torch.optim.Adamax([torch.nn.Parameter(torch.ones(1))], betas=(0.9, 1.0))),
        ("nadam_momentum_decay", lambda: torch.optim.NAdam([torch.nn.Parameter(torch.ones(1))], momentum_decay=-1)),
        ("radam_eps", lambda: torch.optim.RAdam([torch.nn.Parameter(torch.ones(1))], eps=-1)),
        ("duplicate_group", lambda: _duplicate_group(torch)),
        ("load_groups", lambda: _load_mismatch(torch)),
    ])

    # schedulers
    sched_runs = []
    for label, builder in scheduler_cases(torch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sched, lrs, momenta = run_scheduler(torch, builder)
        sched_runs.append({"label": label, "lrs": lrs, "momenta": momenta, "last_epoch": getattr(sched, "last_epoch", None),
                           "state_keys": _state_keys(sched)})
    out["scheduler_runs"] = sched_runs
    out["onecycle_adam"] = run_scheduler(
        torch, lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.3, total_steps=12), steps=12, adam=True)[1:]
    out["cyclic_adam"] = run_scheduler(
        torch, lambda o: torch.optim.lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up=3), steps=12, adam=True)[1:]
    out["plateau_metrics"] = PLATEAU_METRICS
    out["plateau_runs"] = []
    for label, builder in plateau_cases(torch):
        sched, lrs, _ = run_scheduler(torch, builder, metrics=PLATEAU_METRICS)
        out["plateau_runs"].append({"label": label, "lrs": lrs, "state_keys": _state_keys(sched),
                                    "best": sched.best, "num_bad_epochs": sched.num_bad_epochs})
    out["scheduler_warnings"] = _scheduler_warnings(torch)
    S = torch.optim.lr_scheduler
    out["scheduler_errors"] = _errors(torch, [
        ("not_optimizer", lambda: S.StepLR(object(), 2)),
        ("linear_start", lambda: S.LinearLR(scheduler_optimizer(torch), start_factor=0)),
        ("constant_factor", lambda: S.ConstantLR(scheduler_optimizer(torch), factor=2)),
        ("plateau_factor", lambda: S.ReduceLROnPlateau(scheduler_optimizer(torch), factor=1.0)),
        ("plateau_mode", lambda: S.ReduceLROnPlateau(scheduler_optimizer(torch), mode="avg")),
        ("onecycle_total", lambda: S.OneCycleLR(scheduler_optimizer(torch), max_lr=1.0)),
        ("onecycle_overrun", lambda: _overrun(torch)),
        ("sequential_milestones", lambda: _sequential_bad(torch)),
        ("resume_without_initial_lr", lambda: S.StepLR(scheduler_optimizer(torch), 2, last_epoch=3)),
        ("warm_restarts_t0", lambda: S.CosineAnnealingWarmRestarts(scheduler_optimizer(torch), T_0=0)),
    ])

    # clip_grad
    clip = []
    for max_norm, norm_type in CLIP_NORM_CASES:
        ps = clip_params(torch)
        total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type=norm_type)
        clip.append({"max_norm": max_norm, "norm_type": "inf" if norm_type == math.inf else norm_type,
                     "total": total.item(), "dtype": str(total.dtype),
                     "grads": [None if p.grad is None else p.grad.tolist() for p in ps]})
    out["clip_grad_norm"] = clip
    ps = clip_params(torch)
    torch.nn.utils.clip_grad_value_(ps, 0.75)
    out["clip_grad_value"] = [None if p.grad is None else p.grad.tolist() for p in ps]
    ps = clip_params(torch)
    ps[0].grad[1] = float("nan")
    out["clip_errors"] = _errors(torch, [
        ("nonfinite", lambda: torch.nn.utils.clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)),
        ("vector_type", lambda: torch.nn.utils.vector_to_parameters([1.0], ps)),
    ])
    ps = clip_params(torch)
    vec = torch.nn.utils.parameters_to_vector(ps)
    out["parameters_to_vector"] = {"shape": list(vec.shape), "grad_fn": type(vec.grad_fn).__name__}
    return out


def _plain_group(group):
    return {k: _plain(v) for k, v in group.items()}


def _errors(torch, cases):
    found = {}
    for label, call in cases:
        try:
            call()
        except Exception as e:  # noqa: BLE001 - recording whatever PyTorch raises
            found[label] = [type(e).__name__, str(e)]
        else:
            found[label] = None
    return found


def _duplicate_group(torch):
    p = torch.nn.Parameter(torch.ones(1))
    opt = torch.optim.SGD([p], lr=0.1)
    opt.add_param_group({"params": [p]})


def _load_mismatch(torch):
    opt = torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=0.1)
    opt.load_state_dict(scheduler_optimizer(torch).state_dict())


def _overrun(torch):
    opt = scheduler_optimizer(torch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=3)
    for _ in range(4):
        opt.step()
        sched.step()


def _sequential_bad(torch):
    o = scheduler_optimizer(torch)
    S = torch.optim.lr_scheduler
    S.SequentialLR(o, [S.StepLR(o, 2), S.StepLR(o, 3)], milestones=[2, 4])


def _scheduler_warnings(torch):
    """The messages PyTorch warns with when a schedule is stepped before its optimizer."""
    opt = scheduler_optimizer(torch)
    sched = torch.optim.lr_scheduler.StepLR(opt, 2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sched.step()
        sched.get_lr()
        opt.step()
        sched.step(5)
    return [[w.category.__name__, str(w.message)] for w in caught]


# ---- torch.utils.data ----------------------------------------------------------------------------


def describe(value):
    """A batch as JSON: tensors by dtype, shape and values; containers element by element."""
    if hasattr(value, "tolist") and hasattr(value, "dtype"):
        return {"tensor": str(value.dtype), "shape": list(value.shape), "values": value.tolist()}
    if isinstance(value, dict):
        return {"dict": {k: describe(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return {type(value).__name__: [describe(v) for v in value]}
    return value


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


def _caught_warnings(thunk):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = thunk()
    # PyTorch appends the C++ source location to some messages; compare up to it.
    return value, [[w.category.__name__, str(w.message).split(" (Triggered internally")[0]] for w in caught]


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


def _fills_return_self(torch):
    t = torch.zeros(5)
    results = [t.uniform_(0, 1), t.normal_(), t.bernoulli_(0.5), t.random_(0, 3), t.exponential_(2.0), t.zero_(),
               t.fill_(2.0)]
    return [r is t for r in results] + [t._version if hasattr(t, "_version") else None]


def record_everyday(torch) -> dict:
    return _errors_or_values(everyday_cases(torch))


def _errors_or_values(cases):
    found = {}
    for label, call in cases:
        try:
            value = call()
        except Exception as e:  # noqa: BLE001 - recording whatever PyTorch raises
            found[label] = {"error": [type(e).__name__, str(e)]}
        else:
            found[label] = {"value": json.loads(json.dumps(value, default=repr))}
    return found


def main() -> None:
    import torch

    torch.manual_seed(0)
    out = record(torch)
    out["data"] = record_data(torch)
    out["func"] = record_func(torch)
    out["everyday"] = record_everyday(torch)
    os.makedirs(os.path.dirname(FIXTURE), exist_ok=True)
    with open(FIXTURE, "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")
    print(f"wrote {FIXTURE}: {len(out['optim_runs'])} optimizer runs, {len(out['scheduler_runs'])} schedules")


if __name__ == "__main__":
    main()
