"""The public surface generated from Op class attributes (``_api.expose``) and the pointwise bases.

An op class declaring ``function``/``method``/``inplace``/``aliases``/``promote`` must become
``engine.<name>``, ``Tensor.<name>``, ``<name>_`` and the aliases, with PyTorch's dtype behaviour;
the checks below define throwaway ops and look at the engine's own generated names.
"""

from __future__ import annotations

import numpy as np
import pytest

import engine
from engine import _api
from engine._op import Op
from engine.ops._pointwise import BinaryPointwise, Pointwise


@pytest.fixture
def scratch_names():
    """Names a test op registers, removed again afterwards (defining an op class registers it)."""
    names: list[str] = []
    yield names
    for name in names:
        _api.FUNCTIONS.pop(name, None)
        _api.METHODS.pop(name, None)
    for key in [k for k, cls in Op.registry.items() if cls.__module__ == __name__]:
        del Op.registry[key]


def test_a_unary_class_makes_function_method_inplace_and_aliases(scratch_names):
    scratch_names += ["cube_t", "cube_t_", "cubed_t", "cubed_t_"]

    class Cube(Pointwise):
        """Elementwise cube."""

        node_name = "CubeTBackward0"
        function, method, inplace, aliases = "cube_t", True, True, ("cubed_t",)
        saves = ("self",)

        def forward(self, x):
            return x * x * x

        def d_input(self, x, r):
            return x * x * 3

    for name in ("cube_t", "cubed_t"):
        fn = _api.FUNCTIONS[name]
        assert fn.__name__ == name and "CubeTBackward0" in fn.__doc__ and "cube" in fn.__doc__
        assert _api.METHODS[name] is fn and _api.METHODS[name + "_"] is _api.FUNCTIONS[name + "_"]
    x = engine.tensor([1.0, -2.0], requires_grad=True)
    y = _api.FUNCTIONS["cube_t"](x)
    assert type(y.grad_fn).__name__ == "CubeTBackward0" and isinstance(y.grad_fn, Cube)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 12.0])  # vjp from d_input
    # promote = "float" (the Pointwise default): an int tensor computes in the default float, and the
    # in-place form on it fails naming the float result type, as PyTorch's sin_ does.
    out = _api.FUNCTIONS["cube_t"](engine.tensor([2, 3]))
    assert out.dtype == engine.float32 and out.tolist() == [8.0, 27.0]
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        _api.METHODS["cube_t_"](engine.tensor([2, 3]))
    z = engine.tensor([1.0, 2.0], dtype=engine.float64)
    assert _api.METHODS["cubed_t_"](z) is z and z.tolist() == [1.0, 8.0]


def test_subclasses_do_not_re_register_the_parents_names(scratch_names):
    from engine.ops.unary_trig import Sin

    before = _api.FUNCTIONS["sin"]

    class LoudSin(Sin):
        node_name = "LoudSinBackward0"

    assert _api.FUNCTIONS["sin"] is before


def test_binary_promotion_numbers_and_method_only_inplace(scratch_names):
    scratch_names += ["plus_t", "plus_t_"]

    class Plus(BinaryPointwise):
        node_name = "PlusTBackward0"
        function, method, inplace = "plus_t", True, "method"
        promote = "binary"

        def forward(self, a, b):
            assert a.dtype == b.dtype  # the base casts both to out_dtype first
            return a + b

        def d_self(self, a, b, r):
            return engine.ones_like(a)

        def d_other(self, a, b, r):
            return engine.ones_like(b)

    plus = _api.FUNCTIONS["plus_t"]
    assert "plus_t_" not in _api.FUNCTIONS and "plus_t_" in _api.METHODS
    assert plus(engine.tensor([1, 2]), engine.tensor([0.5, 0.5])).dtype == engine.float32
    assert plus(engine.tensor([1, 2]), 3).dtype == engine.int64  # a number wrapped as PyTorch does
    assert plus(engine.tensor([1.0], dtype=engine.float16), 2.5).dtype == engine.float16
    a = engine.tensor([[1.0, 2.0]], requires_grad=True)
    b = engine.tensor([[1.0], [2.0], [3.0]], requires_grad=True)
    plus(a, b).sum().backward()
    assert a.grad.tolist() == [[3.0, 3.0]] and b.grad.tolist() == [[2.0], [2.0], [2.0]]  # un-broadcast


def test_every_generated_name_is_the_one_the_engine_exports():
    """A later hand-written registration must not silently replace a generated function."""
    declared = {cls.__dict__["function"]: cls for cls in Op.registry.values() if cls.__dict__.get("function")}
    assert {"sin", "exp", "relu", "abs", "floor", "atan2", "hypot", "neg", "reciprocal"} <= set(declared)
    for name, cls in declared.items():
        fn = _api.FUNCTIONS[name]
        assert fn.__name__ == name and cls.node_name in fn.__doc__, name
        assert getattr(engine, name).__name__ == name  # (engine's out= layer may wrap it, keeping the name)
        if cls.method and cls.numbers:
            assert _api.METHODS[name] is fn, name
        for alias in cls.aliases:
            assert _api.FUNCTIONS[alias].__name__ == alias and cls.node_name in _api.FUNCTIONS[alias].__doc__


def test_division_form_rules_keep_pytorchs_second_order_node():
    # atan's rule is grad / (1 + x²): the create_graph gradient's node is DivBackward0, as in PyTorch.
    x = engine.tensor([0.5, 1.5], dtype=engine.float64, requires_grad=True)
    (g,) = engine.autograd.grad(engine.atan(x).sum(), x, create_graph=True)
    assert type(g.grad_fn).__name__ == "DivBackward0"
    np.testing.assert_allclose(g.detach().numpy(), 1 / (1 + x.detach().numpy() ** 2))
