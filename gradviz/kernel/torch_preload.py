"""What the torch kernels' fork server imports before it forks them (see :data:`.process.PRELOADS`):
torch, and the kernel's modules that read it (a torch run would otherwise import them first).

torch is imported here, guarded: a torch that fails to import must not take the fork server down
(multiprocessing's server ignores only ImportError); the kernel then tries ``import torch`` itself
and reports that failure as the run's, or as the availability check's reason.
"""

import importlib

try:
    import torch  # noqa: F401 - imported for the forks: each torch kernel starts with it loaded

    for name in ("torch_run", "torch_documents", "torch_gradient_vector"):
        importlib.import_module(f"gradviz.kernel.{name}")  # by name: only kernels import these
except Exception:  # noqa: BLE001 - any failure is the kernel's to report, not the server's
    pass
