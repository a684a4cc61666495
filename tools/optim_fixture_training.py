"""Fixture cases for optimizers, learning-rate schedules and gradient clipping (see
record_optim_fixtures.py). Builders take the ``torch`` namespace: torch when recording, engine in
the tests."""

from __future__ import annotations

import math
import warnings

from optim_fixture_common import _errors, _plain, _plain_group

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
