"""Which backend runs a script: "engine" (always there) or "torch" (real PyTorch, when installed).

The app's side: nothing here imports torch (asking whether torch imports is done in a throwaway
kernel process). A script selects its backend with a first-line directive::

    # gradviz: backend=torch

An explicit choice (``KernelClient.run(..., backend=...)``, ``gradviz export --backend``) wins over
the directive; without either a script runs on the engine.
"""

from __future__ import annotations

import importlib.util
import re

BACKENDS = ("engine", "torch")
DEFAULT_BACKEND = "engine"

_DIRECTIVE = re.compile(r"^\s*#\s*gradviz:\s*backend\s*=\s*([A-Za-z_]+)\s*$")


def directive_backend(code: str) -> str | None:
    """The backend the script's first line asks for (``# gradviz: backend=torch``), or None.

    A ``#!`` line may come first. An unknown name raises ValueError (a typo must not silently run
    the script on the other backend).
    """
    lines = code.splitlines()[:2]
    if lines and lines[0].startswith("#!"):
        lines = lines[1:]
    if not lines:
        return None
    match = _DIRECTIVE.match(lines[0])
    if match is None:
        return None
    name = match.group(1).lower()
    if name == "pytorch":
        name = "torch"
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {match.group(1)!r} in the first line's directive; "
                         f"the backends are {', '.join(BACKENDS)}")
    return name


def choose_backend(code: str, requested: str | None = None) -> str:
    """``requested`` when given, else the script's directive, else the engine."""
    if requested is not None:
        if requested not in BACKENDS:
            raise ValueError(f"unknown backend {requested!r}; the backends are {', '.join(BACKENDS)}")
        return requested
    return directive_backend(code) or DEFAULT_BACKEND


_TORCH_CHECK: tuple[bool, str] | None = None
NOT_INSTALLED = "PyTorch is not installed in this Python (pip install gradviz[torch])"


def torch_installed() -> tuple[bool, str]:
    """The cheap check: is there a ``torch`` package to import (found, not imported)?"""
    try:
        found = importlib.util.find_spec("torch") is not None
    except (ImportError, ValueError) as exc:
        return False, f"PyTorch cannot be found: {exc}"
    return (True, "") if found else (False, NOT_INSTALLED)


def torch_availability(refresh: bool = False) -> tuple[bool, str]:
    """``(True, "torch 2.x.y")`` when ``import torch`` works in the kernel's interpreter, else
    ``(False, reason)``. The import is tried in a throwaway kernel process (never in this one) and
    the answer is cached for the process; a missing package is told without starting anything."""
    global _TORCH_CHECK
    if _TORCH_CHECK is not None and not refresh:
        return _TORCH_CHECK
    installed, reason = torch_installed()
    if not installed:
        _TORCH_CHECK = (False, reason)
        return _TORCH_CHECK
    from . import protocol
    from .process import KernelProcess

    kernel = KernelProcess("torch")  # the first torch kernel: the torch runs after it start at once
    try:
        kernel.wait_ready()
        protocol.send(kernel.writer, {"id": 1, "op": "torch_available", "args": {}})
        if not kernel.reader.poll(120.0):
            _TORCH_CHECK = (False, "import torch did not finish within 120 s")
        else:
            reply = protocol.receive(kernel.reader)
            result = reply.get("result") or {}
            _TORCH_CHECK = (bool(result.get("available")), str(result.get("reason", reply.get("error"))))
    except (RuntimeError, EOFError, OSError) as exc:
        _TORCH_CHECK = (False, f"the kernel could not try import torch: {exc}")
    finally:
        kernel.close()
    return _TORCH_CHECK
