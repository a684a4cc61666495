"""Layering: engine and gradviz.model load no Qt; engine loads no networkx either."""

import subprocess
import sys
import textwrap


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


def test_engine_loads_no_qt_and_no_networkx():
    modules = loaded_after("import engine")
    assert "engine" in modules
    assert forbidden(modules, ("PySide6", "pyqtgraph", "gradviz", "networkx", "torch")) == set()


def test_model_loads_no_qt():
    modules = loaded_after("import engine, gradviz.model")
    assert "gradviz.model.session" in modules and "networkx" in modules
    assert forbidden(modules, ("PySide6", "pyqtgraph", "gradviz.qt", "torch")) == set()
