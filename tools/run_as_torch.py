"""Run a PyTorch program unchanged with ``engine`` standing in for ``torch``.

``python tools/run_as_torch.py program.py [args...]`` (with ``PYTHONPATH=.`` inside a checkout).

``python tools/run_as_torch.py --serve`` imports engine once, then runs each program named on its
stdin (one JSON line: ``{"script": path}``) in a fork of that pristine, never-used process, and
answers one JSON line ``{"returncode", "stdout", "stderr"}`` per program: the same run as a fresh
``run_as_torch.py program.py`` (the fork has the server's environment, working directory and
``sys.path``; nothing ran before it), without paying the engine's import each time.

``import torch``, ``import torch.nn as nn``, ``from torch.utils.data import DataLoader`` and the
like resolve to ``engine``, ``engine.nn``, ``engine.utils.data``: an import hook maps every module
name ``torch[.x.y]`` to the *same* module object as ``engine[.x.y]`` (never a second copy, so
``isinstance`` checks and registries stay single). Real torch is never imported.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import io
import json
import os
import runpy
import sys
import tempfile
import traceback


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


def _run_in_this_fork(script: str, out_fd: int, err_fd: int) -> None:
    """The forked child: become what a fresh interpreter running ``script`` would be, run it, exit."""
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(out_fd, 1)
    os.dup2(err_fd, 2)
    code = 0
    try:
        main([script])
    except SystemExit as exc:  # what the interpreter makes of sys.exit(...)
        if exc.code is None:
            code = 0
        elif isinstance(exc.code, int):
            code = exc.code
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except BaseException:  # noqa: BLE001 - an uncaught exception: the traceback and exit status 1
        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


def _decoded(file) -> str:
    file.seek(0)
    text = io.TextIOWrapper(file, encoding="utf-8", errors="replace", newline=None)
    try:
        return text.read()
    finally:
        text.detach()  # the file is the caller's to close


def serve() -> None:
    install()
    answers = sys.stdout
    for line in sys.stdin:
        script = json.loads(line)["script"]
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                _run_in_this_fork(script, out.fileno(), err.fileno())
            status = os.waitpid(pid, 0)[1]
            code = os.waitstatus_to_exitcode(status)
            answer = {"returncode": code, "stdout": _decoded(out), "stderr": _decoded(err)}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        serve()
    else:
        main(sys.argv[1:])
