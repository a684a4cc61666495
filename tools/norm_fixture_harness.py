"""The case harness behind ``tools/record_norm_fixtures.py`` (imports numpy only, never torch).

A case is a function ``(lib, ctx) -> Tensor`` written against PyTorch's API, so the same code runs
on ``torch`` (recording) and on ``engine`` (``tests/engine/test_norm_parity.py``). ``ctx`` makes the
inputs from a seeded numpy generator (the same numbers on both sides) and registers modules; on the
torch side their parameters and buffers are first set to random values and that initial
``state_dict`` is recorded, so the engine side loads the *same weights*. :func:`run_case` then
back-propagates ``(out * fixed random projection).sum()`` and collects the output, the grad_fn graph
(node names, nested), the gradients of every input and parameter, every module's buffers afterwards
(running stats) and repr, or the error raised (type and message).
"""

from __future__ import annotations

import warnings

import numpy as np

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


# ---- signatures -------------------------------------------------------------------------------------

SIGNATURES = [
    *(f"nn.{name}" for name in (
        "BatchNorm1d", "BatchNorm2d", "GroupNorm", "Embedding", "Embedding.from_pretrained", "Dropout1d", "Dropout2d",
        "GELU", "SiLU", "Mish", "Hardswish", "Hardsigmoid", "ELU", "SELU", "CELU", "Softplus", "Softsign", "PReLU",
        "Threshold", "LogSigmoid", "Softmin", "Softmax2d", "GLU", "Hardtanh", "ReLU6", "Softshrink", "Hardshrink", "Tanhshrink", "SmoothL1Loss", "HuberLoss",
        "KLDivLoss", "MarginRankingLoss", "CosineEmbeddingLoss", "TripletMarginLoss", "PoissonNLLLoss",
        "GaussianNLLLoss",
    )),
    *(f"nn.functional.{name}" for name in (
        "batch_norm", "group_norm", "embedding", "dropout1d", "dropout2d", "normalize", "mish", "hardswish",
        "hardsigmoid", "tanhshrink", "elu", "selu", "celu", "softsign", "threshold", "softmin", "glu", "smooth_l1_loss",
        "huber_loss", "kl_div", "margin_ranking_loss", "cosine_embedding_loss", "triplet_margin_loss",
        "poisson_nll_loss", "gaussian_nll_loss", "cross_entropy",
    )),
]


def signature(lib, dotted: str) -> list:
    """``[name, kind, repr(default) or None]`` per parameter of ``lib.<dotted>`` (annotations ignored)."""
    import inspect

    obj = lib
    for part in dotted.split("."):
        obj = getattr(obj, part)
    params = inspect.signature(obj).parameters.values()
    return [
        [p.name, p.kind.name, None if p.default is inspect.Parameter.empty else repr(p.default)] for p in params
    ]
