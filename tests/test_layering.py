"""Layering: engine loads no Qt or networkx; no gradviz.model module loads Qt; the kernel's client
side (what the app imports) loads neither Qt nor engine. Every module is listed from the package
folders, so a new module is checked without editing this file."""

import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import gradviz.kernel
import gradviz.model

# The app's side of the kernel. The other gradviz.kernel modules run inside the kernel process and
# are the only gradviz code meant to touch tensors.
KERNEL_CLIENT_MODULES = ("gradviz.kernel", "gradviz.kernel.client", "gradviz.kernel.messages",
                         "gradviz.kernel.process", "gradviz.kernel.protocol", "gradviz.kernel.replica",
                         "gradviz.kernel.backends")
KERNEL_SIDE_MODULES = ("gradviz.kernel.worker", "gradviz.kernel.execution", "gradviz.kernel.stepping",
                       "gradviz.kernel.documents", "gradviz.kernel.session", "gradviz.kernel.engine_stepping",
                       "gradviz.kernel.engine_documents", "gradviz.kernel.step_messages",
                       "gradviz.kernel.graph_builder", "gradviz.kernel.gradient_vector",
                       # the torch backend (issue 12): imported in a torch kernel only
                       "gradviz.kernel.torch_run", "gradviz.kernel.torch_graph",
                       "gradviz.kernel.torch_stepping", "gradviz.kernel.torch_documents",
                       "gradviz.kernel.torch_step_state", "gradviz.kernel.torch_gradient_vector",
                       "gradviz.kernel.torch_preload",  # the torch kernels' fork server
                       # the analysis panels' requests: training, profiler, Jacobians
                       "gradviz.kernel.job_ops", "gradviz.kernel.training_ops",
                       "gradviz.kernel.profiling_ops", "gradviz.kernel.jacobian_ops")
QT = ("PySide6", "pyqtgraph", "superqt", "gradviz.qt")


def loaded_after(statement: str) -> set[str]:
    script = textwrap.dedent(
        f"""
        import sys
        {statement}
        print("\\n".join(sorted(sys.modules)))
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def forbidden(modules: set[str], prefixes: tuple[str, ...]) -> set[str]:
    return {m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes)}


def _modules_of(package) -> list[str]:
    folder = Path(package.__file__).parent
    return sorted(f"{package.__name__}.{info.name}" for info in pkgutil.iter_modules([str(folder)]))


MODEL_MODULES = _modules_of(gradviz.model)


def test_every_module_is_covered():
    # Guards the listing itself: the model has at least the 8 modules of issue 11's count, and every
    # kernel module is on one side or the other.
    assert len(MODEL_MODULES) >= 8 and "gradviz.model.workspace" in MODEL_MODULES
    kernel_modules = set(_modules_of(gradviz.kernel))
    assert kernel_modules == set(KERNEL_CLIENT_MODULES[1:]) | set(KERNEL_SIDE_MODULES), kernel_modules


def test_engine_loads_no_qt_and_no_networkx():
    modules = loaded_after("import engine")
    assert "engine" in modules
    assert forbidden(modules, ("PySide6", "pyqtgraph", "gradviz", "networkx", "torch")) == set()


def test_no_model_module_loads_qt():
    # One interpreter importing every module: a Qt import planted in any of them loads Qt here.
    modules = loaded_after("import " + ", ".join(MODEL_MODULES))
    assert set(MODEL_MODULES) <= modules
    assert forbidden(modules, (*QT, "torch")) == set()


# None left: gradviz.model.training is the Qt-free, engine-free vocabulary; training runs in the
# kernel (gradviz.kernel.training_ops).
MODEL_STILL_ON_ENGINE: tuple[str, ...] = ()


def test_no_model_module_loads_the_engine():
    engine_free = [m for m in MODEL_MODULES if m not in MODEL_STILL_ON_ENGINE]
    modules = loaded_after("import " + ", ".join(engine_free))
    assert set(engine_free) <= modules
    assert forbidden(modules, ("engine", "torch", *KERNEL_SIDE_MODULES)) == set()


def test_kernel_client_loads_no_engine_and_no_qt():
    modules = loaded_after("import " + ", ".join(KERNEL_CLIENT_MODULES))
    assert set(KERNEL_CLIENT_MODULES) <= modules
    assert forbidden(modules, (*QT, "engine", "torch", *KERNEL_SIDE_MODULES)) == set()


def test_the_check_fails_on_a_planted_qt_import(tmp_path):
    """A model module that imports Qt is caught (what the old 3-module check missed)."""
    planted = tmp_path / "gradviz_planted"
    planted.mkdir()
    (planted / "__init__.py").write_text("")
    (planted / "stepper.py").write_text("import PySide6.QtCore\n")
    script = f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import gradviz_planted.stepper"
    assert {"PySide6", "PySide6.QtCore"} <= forbidden(loaded_after(script), QT)
