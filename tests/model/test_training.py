"""The Training panel's vocabulary is Qt-free and engine-free; the training itself runs in the kernel.

What this file asserted about the in-process trainer (one SGD step equals ``optimizer.step()``,
Adam and momentum match a hand-written loop, gradients pile up without ``zero_grad``, losses fall
with progress reported, Stop ends a long run, CrossEntropy with class targets, the tutorial's
TinyModel) is now asserted through the kernel, on both backends: ``tests/kernel/test_kernel_jobs.py``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from gradviz.model import training

MODULE = Path(training.__file__)


def test_the_model_module_imports_neither_engine_nor_torch():
    tree = ast.parse(MODULE.read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    # (The package's __init__ still imports the in-process Session, which needs engine; that goes
    # when the app runs on the Workspace alone.)
    assert not imported & {"engine", "torch", "PySide6"}


@pytest.mark.parametrize("loss", training.LOSSES)
def test_every_offered_loss_and_optimizer_is_one_the_kernel_builds(loss):
    import engine
    from gradviz.kernel.training_ops import make_loss, make_optimizer

    assert callable(make_loss(engine, loss))
    params = [engine.zeros(2, requires_grad=True)]
    for name in training.OPTIMIZERS:
        assert type(make_optimizer(engine, name, params, 0.1)).__name__ == name
    with pytest.raises(ValueError, match="unknown loss"):
        make_loss(engine, "hinge")


def test_the_tutorial_setup_defines_tinymodel_and_its_batch():
    tree = ast.parse(training.TUTORIAL_TRAINING)
    names = {t.id for node in ast.walk(tree) if isinstance(node, ast.Assign) for t in node.targets
             if isinstance(t, ast.Name)}
    assert {"some_input", "ideal_output", "model"} <= names
    assert any(isinstance(n, ast.ClassDef) and n.name == "TinyModel" for n in tree.body)
