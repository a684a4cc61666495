"""Run a PyTorch program unchanged with ``engine`` standing in for ``torch``.

``python tools/run_as_torch.py program.py [args...]`` (with ``PYTHONPATH=.`` inside a checkout).

``import torch``, ``import torch.nn as nn``, ``from torch.utils.data import DataLoader`` and the
like resolve to ``engine``, ``engine.nn``, ``engine.utils.data``: an import hook maps every module
name ``torch[.x.y]`` to the *same* module object as ``engine[.x.y]`` (never a second copy, so
``isinstance`` checks and registries stay single). Real torch is never imported.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import runpy
import sys


class _TorchAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``torch.x`` as the already-importable ``engine.x`` and hands back that module."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "torch" and not fullname.startswith("torch."):
            return None
        target_name = "engine" + fullname[len("torch"):]
        try:
            importlib.import_module(target_name)
        except ImportError:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        return sys.modules["engine" + spec.name[len("torch"):]]

    def exec_module(self, module):
        # The module is engine's own, already executed; running it again would duplicate state.
        pass


def install() -> None:
    """Make ``import torch...`` resolve to engine (idempotent)."""
    if not any(isinstance(f, _TorchAlias) for f in sys.meta_path):
        sys.meta_path.insert(0, _TorchAlias())
    import engine

    sys.modules["torch"] = engine
    # Submodules engine already imported are reachable as attributes; alias them eagerly so
    # `torch.nn.functional` set up by `import torch` alone behaves like PyTorch's.
    for name, module in list(sys.modules.items()):
        if name.startswith("engine."):
            sys.modules.setdefault("torch" + name[len("engine"):], module)


def main(argv: list[str]) -> None:
    install()
    sys.argv = argv
    runpy.run_path(argv[0], run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
