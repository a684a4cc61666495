"""Session: runs scripts off the calling thread with torch bound to engine, reports results and errors."""

import threading
import time

import pytest

import engine
from gradviz.kernel.session import RunError, RunFailed, RunResult, Session


@pytest.fixture
def session():
    s = Session()
    yield s
    s.stop()
    assert s.wait(5), "the worker thread outlived the test"


def test_result_lists_tensors_and_default_root(session):
    result = session.run_sync(
        "x = torch.ones(2, requires_grad=True)\n"
        "y = x * 3\n"
        "n = 4\n"
        "loss = y.sum()\n"
        "print('loss is', loss.item())\n"
    )
    assert isinstance(result, RunResult)
    assert list(result.tensors) == ["x", "y", "loss"]
    assert result.default_root == "loss"
    assert result.output == "loss is 6.0\n"
    assert result.namespace["n"] == 4


def test_order_follows_last_assignment(session):
    result = session.run_sync(
        "a = torch.ones(2, requires_grad=True)\n"
        "b = a * 2\n"
        "a = a + 1\n"
    )
    assert list(result.tensors) == ["b", "a"]
    assert result.default_root == "a"


def test_import_torch_gives_engine_without_touching_sys_modules(session):
    import sys

    had_torch = sys.modules.get("torch")
    result = session.run_sync(
        "import torch\nimport torch.nn as nn\nfrom torch import autograd\nm = torch\nag = autograd\n"
    )
    assert result.namespace["m"] is engine
    assert result.namespace["ag"] is engine.autograd
    assert result.namespace["nn"].__name__ == "engine.nn"
    assert sys.modules.get("torch") is had_torch


def test_math_and_np_are_available(session):
    result = session.run_sync("v = math.pi + float(np.sqrt(4.0))\n")
    assert result.namespace["v"] == pytest.approx(3.141592653589793 + 2)


def test_nodes_record_their_source_line(session):
    result = session.run_sync("x = torch.ones(2, requires_grad=True)\n\ny = x.exp()\n", filename="<script>")
    assert result.tensors["y"].grad_fn.source == ("<script>", 3)
    # Recording is switched on only inside the worker thread.
    from engine._state import STATE

    assert STATE.record_source is False


def test_syntax_error_reports_line(session):
    with pytest.raises(RunFailed) as info:
        session.run_sync("x = 1\ny = (2 +\n")
    error = info.value.error
    assert error.kind == "syntax"
    assert error.lineno == 2
    assert error.message.startswith("SyntaxError")


def test_exception_traceback_is_restricted_to_user_code(session):
    code = (
        "def f(t):\n"
        "    return t @ torch.ones(3, 3)\n"
        "x = torch.ones(2, 2)\n"
        "print('before')\n"
        "f(x)\n"
    )
    with pytest.raises(RunFailed) as info:
        session.run_sync(code)
    error = info.value.error
    assert error.kind == "exception"
    assert error.lineno == 2
    assert error.message.startswith("RuntimeError")
    assert 'File "<editor>", line 5, in <module>' in error.traceback
    assert "return t @ torch.ones(3, 3)" in error.traceback
    assert "engine/" not in error.traceback and "session.py" not in error.traceback
    assert error.output == "before\n"


def test_name_error_message(session):
    with pytest.raises(RunFailed) as info:
        session.run_sync("y = undefined_name + 1\n")
    assert info.value.error.message == "NameError: name 'undefined_name' is not defined"
    assert info.value.error.lineno == 1


def test_run_returns_at_once_and_signals_from_worker(session):
    events = []
    session.started.connect(lambda: events.append("started"))
    session.finished.connect(lambda r: events.append(("finished", threading.current_thread().name)))
    session.run("import time\ntime.sleep(0.3)\nx = torch.ones(1)\n")
    assert session.is_running
    assert session.wait(5)
    assert events[0] == "started"
    assert events[1] == ("finished", "gradviz-session")


def test_output_is_streamed(session):
    chunks = []
    session.output_written.connect(chunks.append)
    session.run_sync("for i in range(3):\n    print(i)\n")
    assert "".join(chunks) == "0\n1\n2\n"


@pytest.mark.parametrize(
    "code",
    ["while True:\n    pass\n", "while True:\n    try:\n        pass\n    except Exception:\n        pass\n"],
)
def test_stop_ends_an_endless_loop_within_a_second(session, code):
    failures = []
    session.failed.connect(failures.append)
    session.run(code)
    time.sleep(0.2)
    assert session.is_running
    began = time.monotonic()
    session.stop()
    assert session.wait(1.0), "stop() did not end the loop within a second"
    assert time.monotonic() - began < 1.0
    assert isinstance(failures[0], RunError)
    assert failures[0].kind == "stopped"
    assert failures[0].lineno in (1, 2, 3, 4, 5)


def test_second_run_while_running_is_refused(session):
    session.run("while True:\n    pass\n")
    with pytest.raises(RuntimeError):
        session.run("x = 1\n")
    session.stop()
    assert session.wait(2)


def test_print_from_other_threads_is_not_captured(session, capsys):
    session.run("import time\nfor i in range(20):\n    time.sleep(0.01)\n")
    print("from the test thread")
    session.wait(5)
    assert "from the test thread" in capsys.readouterr().out
