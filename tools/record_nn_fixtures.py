"""Record PyTorch's nn/optim behaviour into tests/fixtures/nn_cases.json (needs torch; tests do not).

Run from the repository root:  python tools/record_nn_fixtures.py

The model builders below take the ``nn`` namespace as an argument so that the engine tests build
exactly the same models from ``engine.nn`` (they import this file's builders, never torch).
"""

from __future__ import annotations

import json
import math
import os
from collections import OrderedDict

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "nn_cases.json")


# ---- models shared with the tests ---------------------------------------------------------------


def tiny_model(nn):
    """The "Building Models" tutorial's TinyModel (with its Softmax)."""

    class TinyModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear1 = nn.Linear(100, 200)
            self.activation = nn.ReLU()
            self.linear2 = nn.Linear(200, 10)
            self.softmax = nn.Softmax(dim=1)

        def forward(self, x):
            x = self.linear1(x)
            x = self.activation(x)
            x = self.linear2(x)
            return self.softmax(x)

    return TinyModel()


def autograd_tiny_model(nn):
    """The autograd tutorial's TinyModel (Linear(1000, 100), ReLU, Linear(100, 10))."""

    class TinyModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer1 = nn.Linear(1000, 100)
            self.relu = nn.ReLU()
            self.layer2 = nn.Linear(100, 10)

        def forward(self, x):
            return self.layer2(self.relu(self.layer1(x)))

    return TinyModel()


def sequential_mlp(nn):
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.25), nn.Linear(8, 2), nn.LogSoftmax(dim=1))


def named_sequential(nn):
    return nn.Sequential(
        OrderedDict([("flat", nn.Flatten()), ("fc", nn.Linear(6, 3, bias=False)), ("act", nn.LeakyReLU(0.2))])
    )


def nested(nn):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Sequential(nn.Linear(4, 4), nn.Sigmoid()))
            self.blocks = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)] + [nn.Identity()])
            self.heads = nn.ModuleDict({"a": nn.Linear(4, 1), "b": nn.Linear(4, 2)})
            self.register_buffer("scale", self.heads["a"].weight.detach().clone())
            self.register_buffer("cache", self.heads["a"].bias.detach().clone(), persistent=False)
            self.loss = nn.CrossEntropyLoss()

        def forward(self, x):
            x = self.encoder(x)
            for block in self.blocks:
                x = block(x)
            return self.heads["b"](x)

    return Net()


def misc_layers(nn):
    return nn.Sequential(
        nn.Softmax(), nn.ReLU(inplace=True), nn.LeakyReLU(), nn.Dropout(p=0.1, inplace=True), nn.Flatten(0, 2),
        nn.MSELoss(), nn.L1Loss(reduction="sum"), nn.NLLLoss(), nn.BCELoss(), nn.BCEWithLogitsLoss(), nn.Identity(),
    )


MODELS = {
    "tiny_model": tiny_model,
    "autograd_tiny_model": autograd_tiny_model,
    "sequential_mlp": sequential_mlp,
    "named_sequential": named_sequential,
    "nested": nested,
    "misc_layers": misc_layers,
}


def optim_net(nn):
    """The small network every optimizer fixture trains."""
    return nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2))


OPTIMIZER_SETTINGS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "maximize": True}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.02, "betas": (0.8, 0.95), "eps": 1e-6, "weight_decay": 0.05}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "maximize": True}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.02, "weight_decay": 0.1, "amsgrad": True}),
]
OPTIMIZER_STEPS = 5


# ---- recording ------------------------------------------------------------------------------------


def _structure(fn):
    """A grad_fn graph as nested ``[name, [children...]]`` (None for an empty edge)."""
    if fn is None:
        return None
    return [fn.name(), [_structure(child) for child, _ in fn.next_functions]]


def _tolist(t):
    return t.detach().double().tolist()


def main() -> None:
    import torch
    import torch.nn.functional as F

    nn = torch.nn
    torch.manual_seed(0)
    out: dict = {"torch_version": torch.__version__}

    # Reprs, parameter names/shapes, state_dict keys.
    models = {}
    for name, build in MODELS.items():
        m = build(nn)
        models[name] = {
            "repr": repr(m),
            "parameters": [[n, list(p.shape)] for n, p in m.named_parameters()],
            "state_dict_keys": list(m.state_dict().keys()),
            "modules": [n for n, _ in m.named_modules()],
        }
    out["models"] = models
    out["parameter_repr"] = repr(nn.Parameter(torch.tensor([1.0, -2.5])))

    # Linear graphs on inputs of each rank.
    linear_graphs = []
    for bias in (True, False):
        for shape in ([3], [4, 3], [2, 4, 3], [5, 2, 4, 3]):
            for requires_grad in (False, True):
                layer = nn.Linear(3, 2, bias=bias)
                x = torch.randn(*shape, requires_grad=requires_grad)
                y = layer(x)
                linear_graphs.append(
                    {"bias": bias, "shape": shape, "requires_grad": requires_grad, "out_shape": list(y.shape),
                     "graph": _structure(y.grad_fn)}
                )
    out["linear_graphs"] = linear_graphs

    # Linear values (weights given) and init bounds.
    layer = nn.Linear(5, 3)
    x = torch.randn(2, 5)
    out["linear_values"] = {
        "weight": _tolist(layer.weight), "bias": _tolist(layer.bias), "x": _tolist(x), "y": _tolist(layer(x)),
    }
    out["linear_init"] = [
        {"in": i, "out": o, "bound": 1 / math.sqrt(i),
         "max_abs_weight": nn.Linear(i, o).weight.abs().max().item()}
        for i, o in ((1000, 100), (100, 10), (3, 2))
    ]
    out["gains"] = {
        k: nn.init.calculate_gain(k, p) for k, p in
        (("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", None), ("selu", None))
    }
    out["gains"]["leaky_relu_0.2"] = nn.init.calculate_gain("leaky_relu", 0.2)

    # Losses: values, gradients and graphs.
    g = torch.Generator().manual_seed(3)
    x = torch.randn(4, 3, generator=g, dtype=torch.float64)
    t = torch.randn(4, 3, generator=g, dtype=torch.float64)
    p = torch.rand(4, 3, generator=g, dtype=torch.float64) * 0.8 + 0.1
    q = torch.rand(4, 3, generator=g, dtype=torch.float64)
    cls = torch.tensor([0, 2, 1, 2])
    w = torch.tensor([0.5, 1.0, 2.0], dtype=torch.float64)
    probs = torch.softmax(torch.randn(4, 3, generator=g, dtype=torch.float64), 1)
    x3 = torch.randn(2, 3, 2, generator=g, dtype=torch.float64)
    cls3 = torch.tensor([[0, 2], [1, -100]])
    data = {"x": x, "t": t, "p": p, "q": q, "cls": cls, "w": w, "probs": probs, "x3": x3, "cls3": cls3}
    out["loss_data"] = {k: v.tolist() for k, v in data.items()}
    loss_cases = []
    specs = []
    for red in ("mean", "sum", "none"):
        specs += [
            ("mse_loss", ["x", "t"], {"reduction": red}, ["x", "t"]),
            ("l1_loss", ["x", "t"], {"reduction": red}, ["x", "t"]),
            ("cross_entropy", ["x", "cls"], {"reduction": red}, ["x"]),
            ("cross_entropy", ["x", "probs"], {"reduction": red}, ["x"]),
            ("nll_loss", ["x", "cls"], {"reduction": red}, ["x"]),
            ("nll_loss", ["x3", "cls3"], {"reduction": red}, ["x3"]),
            ("binary_cross_entropy", ["p", "q"], {"reduction": red}, ["p", "q"]),
            ("binary_cross_entropy_with_logits", ["x", "q"], {"reduction": red}, ["x", "q"]),
        ]
    specs += [
        ("cross_entropy", ["x", "cls"], {"weight": "w"}, ["x"]),
        ("cross_entropy", ["x", "cls"], {"ignore_index": 2}, ["x"]),
        ("nll_loss", ["x", "cls"], {"weight": "w", "reduction": "sum"}, ["x"]),
        ("binary_cross_entropy", ["p", "q"], {"weight": "w"}, ["p"]),
        ("binary_cross_entropy_with_logits", ["x", "q"], {"weight": "w", "pos_weight": "w"}, ["x", "q"]),
        ("binary_cross_entropy_with_logits", ["x", "q"], {"pos_weight": "w", "reduction": "none"}, ["x"]),
    ]
    for fname, args, kwargs, grads in specs:
        tensors = {k: data[k].clone().requires_grad_(k in grads) for k in args}
        kw = {k: (data[v] if isinstance(v, str) and v in data else v) for k, v in kwargs.items()}
        loss = getattr(F, fname)(*[tensors[k] for k in args], **kw)
        seed_grad = torch.ones_like(loss) if loss.dim() else None
        loss.backward(seed_grad)
        loss_cases.append({
            "fn": fname, "args": args, "kwargs": kwargs, "grads_of": grads,
            "value": loss.detach().tolist(), "graph": _structure(loss.grad_fn),
            "grads": {k: tensors[k].grad.tolist() for k in grads},
        })
    out["loss_cases"] = loss_cases

    # Loss modules' graphs with float32 and error messages worth matching.
    errors = {}
    lin = nn.Linear(2, 3)
    for label, sd in (
        ("missing_unexpected", {"weight": torch.ones(3, 2), "foo": torch.ones(1)}),
        ("size_mismatch", {"weight": torch.ones(2, 2), "bias": torch.ones(3)}),
    ):
        try:
            lin.load_state_dict(sd)
        except RuntimeError as e:
            errors[label] = str(e)
    errors["non_strict_result"] = repr(lin.load_state_dict({"weight": torch.ones(3, 2), "foo": torch.ones(1)}, strict=False))
    errors["all_matched"] = repr(lin.load_state_dict(lin.state_dict()))
    for label, call in (
        ("getattr", lambda: nn.Linear(2, 2).nonexistent),
        ("assign_tensor_to_param", lambda: setattr(nn.Linear(2, 2), "weight", torch.ones(2, 2))),
        ("sgd_lr", lambda: torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=-1)),
        ("sgd_nesterov", lambda: torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1, nesterov=True)),
        ("adam_beta", lambda: torch.optim.Adam(nn.Linear(2, 2).parameters(), betas=(1.0, 0.9))),
        ("empty_params", lambda: torch.optim.SGD([], lr=0.1)),
        ("dropout_p", lambda: nn.Dropout(1.5)),
        ("bce_size", lambda: F.binary_cross_entropy(torch.rand(3), torch.rand(2))),
        ("reduction", lambda: F.mse_loss(torch.rand(3), torch.rand(3), reduction="avg")),
    ):
        try:
            call()
        except Exception as e:  # noqa: BLE001 - recording whatever PyTorch raises
            errors[label] = [type(e).__name__, str(e)]
    out["errors"] = errors

    # Optimizers: same start, same data, several steps.
    net = optim_net(nn).double()
    initial = {k: v.tolist() for k, v in net.state_dict().items()}
    inputs = torch.randn(6, 4, generator=g, dtype=torch.float64).float()
    targets = torch.randn(6, 2, generator=g, dtype=torch.float64).float()
    out["optim_data"] = {"initial": initial, "inputs": inputs.tolist(), "targets": targets.tolist()}
    runs = []
    for cls_name, kwargs in OPTIMIZER_SETTINGS:
        model = optim_net(nn)
        model.load_state_dict({k: torch.tensor(v) for k, v in initial.items()})
        opt = getattr(torch.optim, cls_name)(model.parameters(), **kwargs)
        losses, snapshots = [], []
        for _ in range(OPTIMIZER_STEPS):
            opt.zero_grad()
            loss = F.mse_loss(model(inputs), targets)
            loss.backward()
            opt.step()
            losses.append(loss.item())
            snapshots.append({k: v.tolist() for k, v in model.state_dict().items()})
        sd = opt.state_dict()
        runs.append({
            "optimizer": cls_name, "kwargs": kwargs, "losses": losses, "weights": snapshots,
            "repr": repr(opt),
            "param_groups": [{k: v for k, v in grp.items()} for grp in sd["param_groups"]],
            "state_keys": {str(k): sorted(v.keys()) for k, v in sd["state"].items()},
        })
    out["optim_runs"] = runs

    os.makedirs(os.path.dirname(FIXTURE), exist_ok=True)
    with open(FIXTURE, "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")
    print(f"wrote {FIXTURE}: {len(models)} models, {len(linear_graphs)} linear graphs, "
          f"{len(loss_cases)} loss cases, {len(runs)} optimizer runs")


if __name__ == "__main__":
    main()
