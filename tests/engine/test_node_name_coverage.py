"""Every node name the engine can create occurs in a fixture recorded from PyTorch 2.13.

The engine's node names are (a) the ``node_name`` of every registered ``Op``, (b) the variant names
passed to ``Op.apply(..., node_name=...)`` (``SqueezeBackward1``, ``FillBackward2``; made lazily by
``engine._op._variant``, so they are found as string constants in the engine's source), and (c) the
other ``Node`` classes (``AccumulateGrad``, the engine's own custom Functions' ``<Name>Backward``).
A class the user can never see sets ``internal = True`` with a comment saying why.

The recorded names are every node-name-shaped word in the committed fixtures under ``tests/fixtures``
(the JSON cases and the recorded program outputs): all of them were written by PyTorch itself through
the ``tools/record_*.py`` scripts, so a name found there is one PyTorch 2.13 produced on the CPU.
"""

import ast
import pathlib
import re

import engine
from engine._graph import Node
from engine._op import Op
from engine.autograd.function import BackwardCFunction, Function

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
ENGINE_SRC = pathlib.Path(engine.__file__).resolve().parent

# The shapes of PyTorch's node names: derivatives.yaml's ``XxxBackwardN``, the C++ nodes
# ``CopyBackwards``/``CopySlices``/``AccumulateGrad``/``NotImplemented`` (non-differentiable outputs of
# ops that require grad), and custom Functions' ``<Name>Backward``.
_WORD = r"[A-Z][A-Za-z0-9]*"
NODE_NAME = re.compile(rf"(?<![\w])({_WORD}Backward[0-9]*s?|AccumulateGrad|CopySlices|NotImplemented)(?![\w])")
EXACT_VARIANT = re.compile(rf"^{_WORD}Backward[0-9]+$")


def recorded_names() -> set[str]:
    names: set[str] = set()
    for path in FIXTURES.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".txt"):
            names.update(NODE_NAME.findall(path.read_text(encoding="utf-8", errors="replace")))
    return names


def _variant_names() -> dict[str, str]:
    """Node-name string constants in the engine's code outside class-body ``node_name = ...``
    declarations (those are the registry's): the names given to ``apply(..., node_name=...)``."""
    found: dict[str, str] = {}
    for path in ENGINE_SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        declared = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):  # f"{name}Backward0": the pieces are not names
                declared.update(id(v) for v in node.values)
            if isinstance(node, ast.ClassDef):
                for stmt in node.body:
                    if (isinstance(stmt, ast.Assign) and any(getattr(t, "id", None) == "node_name" for t in stmt.targets)):
                        declared.add(id(stmt.value))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in declared
                    and EXACT_VARIANT.match(node.value)):
                found.setdefault(node.value, f"{path.relative_to(ENGINE_SRC.parent)}:{node.lineno}")
    return found


def _node_classes():
    stack, seen = [Node], []
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.append(sub)
                stack.append(sub)
    return seen


def engine_names() -> dict[str, str]:
    """node name -> where the engine makes it."""
    names: dict[str, str] = {}
    for key, cls in Op.registry.items():
        if not cls.__dict__.get("internal", False):
            names.setdefault(cls.node_name, key)
    for name, where in _variant_names().items():
        names.setdefault(name, where)
    for cls in _node_classes():
        if issubclass(cls, Op) or cls.__dict__.get("internal", False) or cls is BackwardCFunction:
            continue
        if issubclass(cls, BackwardCFunction):
            # A custom Function's node: only the engine's own Functions are the engine's names.
            # The base class Function's own node is never made (only subclasses are applied).
            if cls._forward_cls is Function or not cls._forward_cls.__module__.startswith("engine"):
                continue
        names.setdefault(cls.__dict__.get("node_name", cls.node_name), f"{cls.__module__}.{cls.__qualname__}")
    return names


def test_the_fixture_scan_finds_names_of_every_shape():
    recorded = recorded_names()
    # One of each shape, so a broken pattern cannot make the coverage test pass vacuously.
    for name in ("MulBackward0", "AccumulateGrad", "CopySlices", "CopyBackwards", "NotImplemented"):
        assert name in recorded
    assert len(recorded) > 200


def test_the_engine_side_collects_registry_variants_and_other_nodes():
    names = engine_names()
    assert "MulBackward0" in names and "AccumulateGrad" in names
    assert "SqueezeBackward1" in names and "FillBackward2" in names  # variants via apply(node_name=)
    assert "GraphRoot" not in names  # internal = True


def test_every_engine_node_name_occurs_in_a_pytorch_fixture():
    recorded = recorded_names()
    missing = {name: where for name, where in engine_names().items() if name not in recorded}
    assert not missing, (
        f"{len(missing)} node names the engine creates occur in no recorded PyTorch fixture "
        "(add a case to tools/record_node_names.py, or fix the name):\n"
        + "\n".join(f"  {name}  ({where})" for name, where in sorted(missing.items())))
