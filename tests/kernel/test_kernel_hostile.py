"""Hostile scripts at the KernelClient level: the app side survives, Stop takes at most a second,
nothing carries over from one run to the next, and the next run works."""

from __future__ import annotations

import os
import threading
import time

import pytest

from gradviz.kernel import KernelClient


@pytest.fixture(scope="module")
def client():
    # One client for the module: it keeps a spare kernel warm, so each run still gets a fresh
    # process without waiting for Python and the engine to start.
    with KernelClient(prestart=True) as c:
        c.warm_up()
        yield c


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A killed child stays a zombie until reaped; the client reaps it in kill().
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split()[2] == "Z"


def _run_in_background(client, code: str):
    """Start ``client.run(code)`` on a thread; returns (thread, box for the result, printed text)."""
    box: list = []
    printed: list[str] = []
    thread = threading.Thread(target=lambda: box.append(client.run(code, "hostile.py", on_output=printed.append)))
    thread.start()
    return thread, box, printed


def _wait_for(predicate, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "timed out waiting"
        time.sleep(0.01)


def test_a_plain_run_reports_output_and_tensors(client):
    result = client.run("import torch\nprint('hi')\nw = torch.ones(2, 3, requires_grad=True)\nloss = (w * 2).sum()\n",
                        "plain.py")
    assert result.ok and result.output == "hi\n"
    assert [(t.name, t.shape, t.dtype, t.grad_fn) for t in result.tensors] == [
        ("w", (2, 3), "torch.float32", None), ("loss", (), "torch.float32", "SumBackward0")]
    assert result.default_root == "loss" and result.candidates == ["w", "loss"]


def test_os_exit_ends_only_the_kernel(client):
    result = client.run("print('before')\nimport os\nos._exit(3)\n", "quits.py")
    assert result.error.kind == "kernel_died" and result.error.exit_code == 3
    assert result.error.message == "the script ended the kernel (exit code 3)"
    assert result.output == "before\n"  # printed before the exit, not lost
    assert client.run("x = 1\n").ok


def test_sys_exit_reports_its_code_and_line(client):
    result = client.run("import sys\nprint('bye')\nsys.exit(2)\n", "exits.py")
    assert result.error.kind == "kernel_died" and result.error.exit_code == 2
    assert "exit code 2" in result.error.message and result.error.lineno == 3
    assert result.output == "bye\n"
    assert client.run("x = 1\n").ok


def test_a_segfault_ends_only_the_kernel_and_names_the_line(client):
    result = client.run("import ctypes\n\nctypes.string_at(0)\n", "crash.py")
    assert result.error.kind == "kernel_died"
    assert result.error.exit_code == -11 and "SIGSEGV" in result.error.message
    assert "the script ended the kernel (exit code -11" in result.error.message
    assert result.error.lineno == 3  # from faulthandler's report in the kernel's log
    assert client.run("x = 1\n").ok


def test_sleep_then_stop_takes_at_most_a_second(client):
    thread, box, printed = _run_in_background(client, "print('sleeping')\nimport time\ntime.sleep(60)\n")
    _wait_for(lambda: printed)  # the script is inside sleep now
    pid = client.kernel_pid
    started = time.monotonic()
    report = client.stop()
    thread.join(5)
    elapsed = time.monotonic() - started
    assert elapsed <= 1.0, elapsed
    assert report["interrupted"] and box[0].error.kind == "stopped"
    assert box[0].error.lineno == 3  # the KeyboardInterrupt landed in time.sleep, line 3
    assert _gone(pid)
    assert client.run("x = 1\n").ok


def test_a_script_that_ignores_the_interrupt_is_killed_within_a_second(client):
    code = "print('go')\nwhile True:\n    try:\n        while True:\n            pass\n    except KeyboardInterrupt:\n        pass\n"
    thread, box, printed = _run_in_background(client, code)
    _wait_for(lambda: printed)
    started = time.monotonic()
    report = client.stop()
    thread.join(5)
    assert time.monotonic() - started <= 1.0
    assert report["killed"] and box[0].error.kind == "stopped"
    assert client.run("x = 1\n").ok


def test_threads_the_script_started_end_with_stop(client):
    code = (
        "import threading, time\n"
        "def spin():\n    while True:\n        time.sleep(0.01)\n"
        "threading.Thread(target=spin, name='spinner').start()\n"
    )
    result = client.run(code, "threads.py")
    assert result.ok and result.threads == ["spinner"]  # the run finished; its thread did not
    pid = client.kernel_pid
    started = time.monotonic()
    report = client.stop()
    assert time.monotonic() - started <= 1.0 and report["killed"]
    assert _gone(pid)
    assert client.run("import threading\nn = threading.active_count()\nprint(n)\n").output == "1\n"


def test_a_busy_script_with_a_thread_is_stopped(client):
    code = ("import threading\nthreading.Thread(target=lambda: [None for _ in iter(int, 1)]).start()\n"
            "print('busy')\nwhile True:\n    pass\n")
    thread, box, printed = _run_in_background(client, code)
    _wait_for(lambda: printed)
    started = time.monotonic()
    client.stop()
    thread.join(5)
    assert time.monotonic() - started <= 1.0 and box[0].error.kind == "stopped"


def test_nothing_carries_over_to_the_next_run(client):
    polluting = (
        "import torch, sys, io\n"
        "torch.set_default_dtype(torch.float64)\n"
        "torch.manual_seed(123)\n"
        "torch.set_grad_enabled(False)\n"
        "sys.stdout = io.StringIO()\n"
    )
    assert client.run(polluting, "pollute.py").ok
    probe = (
        "import torch, sys\n"
        "print(torch.ones(1).dtype, torch.get_default_dtype(), torch.is_grad_enabled(), type(sys.stdout).__name__)\n"
        "print(torch.randn(3).tolist())\n"
    )
    after = client.run(probe, "probe.py").output.splitlines()
    assert after[0] == "torch.float32 torch.float32 True OutputStream"
    untouched = client.run(probe, "probe.py").output.splitlines()
    assert after[1] == untouched[1]  # the RNG starts where a fresh process starts, not at seed 123
    seeded = client.run("import torch\ntorch.manual_seed(123)\nprint(torch.randn(3).tolist())\n").output
    assert seeded.strip() != after[1]


def test_input_raises_eof_instead_of_hanging(client):
    started = time.monotonic()
    result = client.run("x = 1\nname = input('name? ')\n", "asks.py")
    assert time.monotonic() - started < 10
    assert result.error.kind == "exception" and result.error.message.startswith("EOFError")
    assert result.error.lineno == 2


def test_an_exception_reports_its_line_and_a_traceback_of_the_script(client):
    result = client.run("import torch\na = torch.ones(2)\nb = a * undefined_name\n", "bad.py")
    assert result.error.kind == "exception"
    assert result.error.message == "NameError: name 'undefined_name' is not defined"
    assert result.error.lineno == 3
    assert 'File "bad.py", line 3' in result.error.traceback and "gradviz" not in result.error.traceback


def test_a_syntax_error_reports_its_line(client):
    result = client.run("import torch\nx = (1,\n", "syntax.py")
    assert result.error.kind == "syntax" and result.error.message.startswith("SyntaxError")
    assert result.error.lineno == 2


def test_the_run_timeout_stops_the_script(client):
    client.warm_up()  # the time limit counts from the script's start, not the kernel's
    started = time.monotonic()
    result = client.run("while True:\n    pass\n", "forever.py", timeout=0.5)
    assert time.monotonic() - started < 2.0
    assert result.error.kind == "timeout" and result.error.message == "stopped after 0.5 s"
    assert client.run("x = 1\n").ok


def test_output_arrives_while_the_script_runs(client):
    thread, box, printed = _run_in_background(client, "print('first', flush=True)\nimport time\ntime.sleep(60)\n")
    # print() writes "first" and "\n" separately: wait for both (they may arrive in two messages).
    _wait_for(lambda: "".join(printed) == "first\n")
    assert "".join(printed) == "first\n" and not box  # streamed before the run ended
    client.stop()
    thread.join(5)


def test_requests_after_the_kernel_died_say_so(client):
    client.run("import os\nos._exit(0)\n")
    from gradviz.kernel import KernelRequestError

    with pytest.raises(KernelRequestError, match="the kernel has ended"):
        client.graph("x")


def test_a_kernel_killed_from_outside_is_reported_like_an_out_of_memory_kill(client):
    import signal

    thread, box, printed = _run_in_background(client, "print('big')\nimport time\ntime.sleep(60)\n")
    _wait_for(lambda: printed)
    os.kill(client.kernel_pid, signal.SIGKILL)  # what the kernel's OOM killer does
    thread.join(5)
    error = box[0].error
    assert error.kind == "kernel_died" and error.exit_code == -9
    assert error.message == "the script ended the kernel (exit code -9, killed by SIGKILL - out of memory?)"
    assert client.run("x = 1\n").ok


def test_stop_during_a_long_continue_pauses_it_and_keeps_the_graph(client):
    code = (
        "import torch, time\n"
        "x = torch.ones(2, requires_grad=True)\n"
        "y = x\n"
        "for _ in range(400):\n"
        "    y = y * 1.0\n"
        "    y.register_hook(lambda g: time.sleep(0.005))  # a slow hook: Continue takes seconds\n"
        "loss = y.sum()\n"
    )
    assert client.run(code, "slow_hooks.py").ok
    client.step_start("loss")
    pid = client.kernel_pid
    box: list = []
    thread = threading.Thread(target=lambda: box.append(client.continue_()))
    thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    report = client.stop()
    thread.join(5)
    assert time.monotonic() - started <= 1.0 and not report["killed"]
    moved = box[0]
    assert moved["pause_reason"] == "stopped by the user" and not moved["at_end"]
    assert 0 < len(moved["steps"]) < 802
    assert client.kernel_pid == pid  # the same kernel, graph and position kept
    assert client.step()["position"] == moved["position"] + 1


def test_a_long_c_call_is_stopped_within_a_second(client):
    # One LAPACK call of several seconds: SIGINT waits for it to return, so the kill must do it.
    code = "import numpy as np\nx = np.random.rand(2500, 2500)\nprint('go')\nu = np.linalg.svd(x)\n"
    thread, box, printed = _run_in_background(client, code)
    _wait_for(lambda: printed)
    started = time.monotonic()
    client.stop()
    thread.join(5)
    assert time.monotonic() - started <= 1.0 and box[0].error.kind == "stopped"
    assert client.run("x = 1\n").ok


def test_an_unknown_backend_is_refused(client):
    result = client.run("x = 1\n", backend="jax")
    assert result.error.kind == "request" and "unknown backend 'jax'" in result.error.message


def test_a_print_loop_is_gathered_not_sent_line_by_line(client):
    chunks: list[str] = []
    result = client.run("for i in range(20000):\n    print(i)\n", "loop.py", on_output=chunks.append)
    expected = "".join(f"{i}\n" for i in range(20000))
    assert result.output == expected and "".join(chunks) == expected  # nothing lost, in order
    assert len(chunks) < 2000  # gathered (one message per print would be 40,000)
