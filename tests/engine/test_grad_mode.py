"""Grad modes: context managers, decorators (functions and generators), function form, thread-locality."""

from __future__ import annotations

import threading

import pytest

import engine as torch


def _leaf():
    return torch.tensor([1.0, 2.0], requires_grad=True)


def test_no_grad_context_restores_previous_mode() -> None:
    x = _leaf()
    with torch.no_grad():
        assert not torch.is_grad_enabled()
        y = x * 2
        with torch.enable_grad():
            z = x * 2
        assert not torch.is_grad_enabled()
    assert torch.is_grad_enabled()
    assert y.grad_fn is None and not y.requires_grad
    assert z.grad_fn.name() == "MulBackward0"


def test_mode_is_restored_when_the_block_raises() -> None:
    with pytest.raises(ValueError):
        with torch.no_grad():
            raise ValueError("boom")
    assert torch.is_grad_enabled()


def test_decorators_make_a_fresh_context_per_call() -> None:
    x = _leaf()

    @torch.no_grad()
    def doubled(t):
        return t * 2

    @torch.inference_mode()
    def tripled(t):
        assert torch.is_inference_mode_enabled()
        return t * 3

    @torch.set_grad_enabled(False)
    def quadrupled(t):
        return t * 4

    assert torch.is_grad_enabled()  # set_grad_enabled used as a decorator leaves the mode alone
    for fn in (doubled, tripled, quadrupled):
        out = fn(x)
        assert out.grad_fn is None and not out.requires_grad
        assert torch.is_grad_enabled()
    assert doubled.__name__ == "doubled"


def test_bare_inference_mode_decorator() -> None:
    @torch.inference_mode
    def f(t):
        return t * 2

    assert not f(_leaf()).requires_grad


def test_generator_decorator_applies_the_mode_inside_each_resume() -> None:
    x = _leaf()

    @torch.no_grad()
    def gen():
        yield torch.is_grad_enabled(), x * 2
        yield torch.is_grad_enabled(), x * 3

    modes = []
    for inside, value in gen():
        modes.append((inside, value.requires_grad, torch.is_grad_enabled()))
    assert modes == [(False, False, True), (False, False, True)]


def test_set_grad_enabled_as_a_function_call() -> None:
    x = _leaf()
    torch.set_grad_enabled(False)
    try:
        assert not torch.is_grad_enabled()
        assert not (x * 2).requires_grad
    finally:
        torch.set_grad_enabled(True)
    assert (x * 2).requires_grad


def test_factories_with_requires_grad_inside_no_grad_still_make_grad_leaves() -> None:
    with torch.no_grad():
        w = torch.ones(2, requires_grad=True)
        v = w * 2
    assert w.requires_grad and w.is_leaf
    assert not v.requires_grad


def test_grad_mode_is_thread_local() -> None:
    """A worker thread that turns grad off must not change the main thread's mode (and vice versa)."""
    x = _leaf()
    inside_worker = threading.Event()
    main_checked = threading.Event()
    seen = {}

    def worker() -> None:
        seen["worker_start"] = torch.is_grad_enabled()
        with torch.no_grad():
            inside_worker.set()
            main_checked.wait(5)
            seen["worker_result_requires_grad"] = (x * 2).requires_grad
        seen["worker_end"] = torch.is_grad_enabled()

    with torch.no_grad():
        thread = threading.Thread(target=worker)
        thread.start()
        assert inside_worker.wait(5)
        # The main thread is in no_grad; the worker started in the default (enabled) mode.
        assert not torch.is_grad_enabled()
    assert torch.is_grad_enabled()  # the worker's no_grad did not leak here
    assert (x * 2).requires_grad
    main_checked.set()
    thread.join(5)
    assert seen == {"worker_start": True, "worker_result_requires_grad": False, "worker_end": True}


def test_backward_in_a_thread_does_not_change_the_callers_mode() -> None:
    x = _leaf()
    results = {}

    def worker() -> None:
        (x * x).sum().backward()
        results["mode"] = torch.is_grad_enabled()

    with torch.no_grad():
        t = threading.Thread(target=worker)
        t.start()
        t.join(5)
        assert not torch.is_grad_enabled()
    assert results == {"mode": True}
    assert x.grad.tolist() == [2.0, 4.0]


def test_backward_runs_rules_without_grad_unless_create_graph() -> None:
    x = _leaf()
    modes = []
    y = x * x
    y.grad_fn.register_prehook(lambda grads: modes.append(torch.is_grad_enabled()))
    y.sum().backward(retain_graph=True)
    with pytest.warns(UserWarning, match="reference cycle"):
        y.sum().backward(create_graph=True)
    assert modes == [False, True]


def test_anomaly_mode_reports_nan_with_pytorch_message() -> None:
    x = torch.tensor([0.0], requires_grad=True)
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        with torch.autograd.detect_anomaly():
            y = torch.sqrt(x) * 0
            with pytest.warns(UserWarning, match="Error detected in SqrtBackward0"):
                with pytest.raises(RuntimeError, match=r"Function 'SqrtBackward0' returned nan values in its 0th output\."):
                    y.sum().backward()
    assert not torch.is_anomaly_enabled()


def test_decorating_a_class_is_deprecated_and_constructs_it_in_the_mode() -> None:
    x = _leaf()
    with pytest.warns(FutureWarning, match="Decorating classes is deprecated"):

        @torch.no_grad()
        class Scaled:
            def __init__(self, t):
                self.value = t * 2

    assert not Scaled(x).value.requires_grad
    assert torch.is_grad_enabled()
