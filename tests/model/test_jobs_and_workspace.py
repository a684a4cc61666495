"""The one job mechanism (progress, cancel, exactly one ending) and the Workspace running a script
in a kernel (the script's tensors never enter this process)."""

from __future__ import annotations

import threading
import time

import pytest

from gradviz.model.jobs import Job, JobCancelled
from gradviz.model.workspace import Workspace


def test_job_reports_progress_then_finishes_once():
    seen, ended = [], []

    def work(job):
        for i in range(3):
            job.report(i / 3, f"part {i}")
        return 42

    job = Job(work, "count")
    job.progressed.connect(lambda f, m: seen.append((round(f, 2), m)))
    job.finished.connect(ended.append)
    job.failed.connect(lambda e: ended.append(("failed", e)))
    job.start().wait(5)
    assert job.done and job.result == 42 and ended == [42]
    assert seen == [(0.0, "part 0"), (0.33, "part 1"), (0.67, "part 2")]
    assert job.seconds is not None and job.seconds >= 0


def test_cancelled_job_fails_with_job_cancelled_and_an_exception_is_reported():
    gate = threading.Event()

    def slow(job):
        gate.wait(5)
        job.report(0.5)
        return "never"

    job = Job(slow).start()
    job.cancel()
    gate.set()
    assert job.wait(5) and isinstance(job.error, JobCancelled) and job.result is None

    failures = []
    broken = Job(lambda job: 1 / 0)
    broken.failed.connect(failures.append)
    broken.start().wait(5)
    assert len(failures) == 1 and isinstance(failures[0], ZeroDivisionError)
    with pytest.raises(RuntimeError, match="already started"):
        broken.start()


def test_workspace_runs_in_a_kernel_and_keeps_the_last_good_result():
    ws = Workspace()
    try:
        finished, failed, printed = [], [], []
        ws.run_finished.connect(finished.append)
        ws.run_failed.connect(failed.append)
        ws.output_written.connect(printed.append)
        ws.run("import torch\nx = torch.ones(2, requires_grad=True)\ny = (x * 3).sum()\nprint('hi')\n")
        assert ws.wait(60) and finished, failed
        good = ws.result
        assert good.default_root == "y" and good.tensor("x").requires_grad
        assert "hi" in "".join(printed)
        ws.run("import os\nos._exit(3)\n")
        assert ws.wait(60) and failed
        assert failed[0].error.kind == "kernel_died" and "exit code 3" in failed[0].error.message
        assert ws.result is good  # a failed run keeps the last good graph's result
    finally:
        ws.close()


def test_wait_returns_once_the_jobs_thread_is_gone_not_just_done():
    """``done`` is set before the finished signal is emitted; a slot still running on the job's
    thread kept it alive after wait() returned, and a window's shutdown then found a thread left."""
    job = Job(lambda job: 42, "slow-slot")
    job.finished.connect(lambda result: time.sleep(0.3))  # runs on the job's thread, after done
    job.start()
    assert job.wait(5)
    assert not any(t.name == "gradviz-job-slow-slot" for t in threading.enumerate())
    assert job.result == 42
