"""no_grad, enable_grad, set_grad_enabled, inference_mode: context managers and decorators."""

from __future__ import annotations

import functools
import inspect
import warnings

from .._state import STATE


class _GradModeContext:
    """Base: a context manager that is also a decorator (a fresh context per call, like PyTorch)."""

    def __call__(self, func):
        if inspect.isclass(func):
            # PyTorch still accepts a class (deprecated): the result constructs it inside the mode.
            warnings.warn(
                "Decorating classes is deprecated and will be disabled in future versions. You should only "
                "decorate functions or methods. To preserve the current behavior of class decoration, you can "
                "directly decorate the `__init__` method and nothing else.",
                FutureWarning,
                stacklevel=2,
            )
            cls = func

            def func(*args, **kwargs):
                return cls(*args, **kwargs)

        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def gen_wrapper(*args, **kwargs):
                gen = func(*args, **kwargs)
                try:
                    with self.clone():
                        response = gen.send(None)
                    while True:
                        try:
                            request = yield response
                        except GeneratorExit:
                            with self.clone():
                                gen.close()
                            raise
                        except BaseException as e:  # forward throw() into the generator
                            with self.clone():
                                response = gen.throw(e)
                        else:
                            with self.clone():
                                response = gen.send(request)
                except StopIteration as e:
                    return e.value

            return gen_wrapper

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)

        return wrapper

    def clone(self):
        return self.__class__()

    def __enter__(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def __exit__(self, *exc) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class no_grad(_GradModeContext):  # noqa: N801 - PyTorch's spelling
    """Ops inside create no graph: results have ``requires_grad=False``."""

    def __init__(self) -> None:
        self.prev = False

    def __enter__(self) -> None:
        self.prev = STATE.grad_enabled
        STATE.grad_enabled = False

    def __exit__(self, *exc) -> None:
        STATE.grad_enabled = self.prev


class enable_grad(_GradModeContext):  # noqa: N801
    """Turn graph building back on inside a ``no_grad`` region."""

    def __init__(self) -> None:
        self.prev = False

    def __enter__(self) -> None:
        self.prev = STATE.grad_enabled
        STATE.grad_enabled = True

    def __exit__(self, *exc) -> None:
        STATE.grad_enabled = self.prev


class set_grad_enabled(_GradModeContext):  # noqa: N801
    """``set_grad_enabled(False)`` switches grad mode at once (a function call) or for a ``with`` block."""

    def __init__(self, mode: bool) -> None:
        self.prev = STATE.grad_enabled
        self.mode = bool(mode)
        STATE.grad_enabled = self.mode

    def __call__(self, func):
        STATE.grad_enabled = self.prev
        return super().__call__(func)

    def __enter__(self) -> None:
        STATE.grad_enabled = self.mode

    def __exit__(self, *exc) -> None:
        STATE.grad_enabled = self.prev

    def clone(self):
        return self.__class__(self.mode)


class inference_mode(_GradModeContext):  # noqa: N801
    """Like no_grad (the engine has no separate inference tensors)."""

    def __init__(self, mode: bool = True) -> None:
        self.mode = mode
        self.prev = False
        self.prev_inference = False

    def __new__(cls, mode=True):
        if isinstance(mode, bool):
            return super().__new__(cls)
        # Used bare as a decorator: @inference_mode
        return cls()(mode)

    def __enter__(self) -> None:
        self.prev = STATE.grad_enabled
        self.prev_inference = STATE.inference
        if self.mode:
            STATE.grad_enabled = False
        STATE.inference = self.mode

    def __exit__(self, *exc) -> None:
        STATE.grad_enabled = self.prev
        STATE.inference = self.prev_inference

    def clone(self):
        return self.__class__(self.mode)


def is_grad_enabled() -> bool:
    return STATE.grad_enabled


def is_inference_mode_enabled() -> bool:
    return STATE.inference


class detect_anomaly:  # noqa: N801
    """Record forward tracebacks and raise when backward produces NaN (context manager)."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> None:
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
            "enabled for debugging.",
            UserWarning,
            stacklevel=2,
        )
        self.prev = STATE.anomaly
        self.prev_check = STATE.anomaly_check_nan
        STATE.anomaly = True
        STATE.anomaly_check_nan = self.check_nan

    def __exit__(self, *exc) -> None:
        STATE.anomaly = self.prev
        STATE.anomaly_check_nan = self.prev_check

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__(self.check_nan):
                return func(*args, **kwargs)

        return wrapper


class set_detect_anomaly:  # noqa: N801
    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = STATE.anomaly
        self.prev_check = STATE.anomaly_check_nan
        STATE.anomaly = mode
        STATE.anomaly_check_nan = check_nan

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc) -> None:
        STATE.anomaly = self.prev
        STATE.anomaly_check_nan = self.prev_check


def is_anomaly_enabled() -> bool:
    return STATE.anomaly
