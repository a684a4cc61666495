"""What a kernel's answers become on the app's side: plain dataclasses (no engine, no Qt)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RunError:
    """Why a run gave no result: ``kind`` is "syntax", "exception", "stopped", "timeout" or
    "kernel_died" (``exit_code`` says how the kernel ended)."""

    kind: str
    message: str
    lineno: int | None = None
    traceback: str = ""
    exit_code: int | None = None


@dataclass
class TensorInfo:
    name: str
    shape: tuple
    dtype: str
    requires_grad: bool
    grad_fn: str | None
    has_grad: bool


@dataclass
class RunResult:
    """What a run left in the kernel (the tensors stay there; these are their descriptions)."""

    output: str = ""
    error: RunError | None = None
    tensors: list[TensorInfo] = field(default_factory=list)
    default_root: str | None = None
    candidates: list[str] = field(default_factory=list)
    seconds: float = 0.0
    threads: list[str] = field(default_factory=list)
    backend: str = "engine"  # the backend the script ran on ("engine" or "torch")

    @property
    def ok(self) -> bool:
        return self.error is None

    def tensor(self, name: str) -> TensorInfo | None:
        return next((t for t in self.tensors if t.name == name), None)


class KernelRequestError(Exception):
    """A request the kernel refused or failed (``error`` is the kernel's report)."""

    def __init__(self, error: RunError) -> None:
        super().__init__(error.message)
        self.error = error
