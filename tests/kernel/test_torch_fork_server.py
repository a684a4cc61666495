"""Torch kernels fork from a fork server of their own, preloaded with torch (gradviz.kernel.process):
the first torch kernel pays for `import torch`, the ones after it do not, and engine kernels still
come from the torch-free server."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradviz.kernel import KernelClient
from gradviz.kernel.process import KernelProcess

pytestmark = pytest.mark.xdist_group("torch")
pytest.importorskip("torch")  # the test extra installs torch; CI always runs this file


def _parent_pid(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])  # the field after the state letter


def _has_torch_loaded(pid: int) -> bool:
    return "libtorch" in Path(f"/proc/{pid}/maps").read_text()


def test_torch_kernels_fork_from_a_server_that_imported_torch_and_engine_kernels_do_not():
    kernels = [KernelProcess(kind) for kind in ("torch", "torch", "engine")]
    try:
        for kernel in kernels:
            kernel.wait_ready()
        torch_server = _parent_pid(kernels[0].pid)
        engine_server = _parent_pid(kernels[2].pid)
        assert _parent_pid(kernels[1].pid) == torch_server != engine_server
        assert _has_torch_loaded(torch_server) and _has_torch_loaded(kernels[1].pid)
        assert not _has_torch_loaded(engine_server) and not _has_torch_loaded(kernels[2].pid)
    finally:
        for kernel in kernels:
            kernel.close()


def test_each_torch_run_draws_its_own_random_numbers_and_engine_runs_stay_torch_free():
    script = "import torch, sys\nprint(torch.initial_seed(), torch.rand(3).tolist())\n"
    with KernelClient(prestart=True) as client:
        first = client.run(script, "a.py", "torch")
        second = client.run(script, "b.py", "torch")  # the spare the first run started: a torch kernel
        assert first.ok and second.ok, (first.error, second.error)
        assert first.output != second.output  # a fresh process seeds torch from the OS; so does a fork
        engine = client.run("import sys\nprint('torch' in sys.modules)\n", "c.py", "engine")
        assert engine.ok and engine.output == "False\n"  # after torch runs, the engine's kernel kind
        again = client.run(script, "d.py", "torch")
        assert again.ok and again.output not in (first.output, second.output)
