"""The autograd profiler: ``profile``, ``record_function`` and PyTorch's summary table.

While a :class:`profile` is active it sits in ``engine._state.PROFILER[0]``; the op choke point
(``Op.apply``) calls ``_op_start(name, inputs)`` / ``_op_end(token)`` around every forward, and the
backward engine calls them around every node it runs. Recording is two clock reads and two list
operations per event; everything else (nesting, self time, averages) is worked out when the
results are asked for, so profiling a loop of tiny ops stays cheap. When no profile is active the
cost is one global read in the choke point.

Events nest by time on each thread: an event's *self* time is its total time minus the total
time of the events directly inside it, as in PyTorch (``record_function("outer")`` around two
``aten::mul`` calls has self time = outer's time without the muls).
"""

from __future__ import annotations

import functools
import sys
import threading
import time
import warnings

from .._state import PROFILER
from .profiler_util import EventList, FunctionEvent, FunctionEventAvg

__all__ = ["profile", "record_function", "FunctionEvent", "FunctionEventAvg", "EventList"]

_clock = time.perf_counter_ns
_thread_id = threading.get_ident


# ---- the profiler -----------------------------------------------------------------------------
class profile:  # noqa: N801 - PyTorch's spelling
    """Record every op, backward node and ``record_function`` range run inside the ``with`` block.

    ``use_cuda=True`` only warns (engine has no CUDA); ``record_shapes`` adds the Input Shapes
    column; ``with_stack`` records the user's source line; ``profile_memory`` adds the memory
    columns (engine reports the bytes of each op's output as CPU memory).
    """

    def __init__(self, enabled: bool = True, *, use_cuda: bool = False, use_device=None,
                 record_shapes: bool = False, with_flops: bool = False, profile_memory: bool = False,
                 with_stack: bool = False, with_modules: bool = False, use_kineto: bool = False,
                 use_cpu: bool = True, experimental_config=None, acc_events: bool = False,
                 custom_trace_id_callback=None) -> None:
        self.enabled = enabled
        self.record_shapes = record_shapes
        self.with_stack = with_stack
        self.profile_memory = profile_memory
        self.use_cuda = use_cuda
        if use_cuda:
            warnings.warn(
                "The attribute `use_cuda` will be deprecated soon, please use ``use_device = 'cuda'`` instead.",
                FutureWarning,
                stacklevel=2,
            )
        if use_cuda or (use_device is not None and use_device != "cpu"):
            warnings.warn("CUDA is not available, disabling CUDA profiling", stacklevel=2)
        self.use_device = None
        self.entered = False
        self._raw: list = []  # [name, start_ns, end_ns, thread, shapes, stack]
        self._stacks: dict = {}
        self._function_events: EventList | None = None
        self._previous = None

    # ---- context ------------------------------------------------------------------------------
    def __enter__(self) -> profile:
        if not self.enabled:
            return self
        if self.entered:
            raise RuntimeError("Profiler context manager is not reentrant")
        self.entered = True
        self._previous = PROFILER[0]
        self._raw = []
        self._function_events = None
        PROFILER[0] = self
        return self

    def __exit__(self, *exc) -> None:
        if not self.enabled:
            return
        PROFILER[0] = self._previous
        self._previous = None
        self.entered = False

    # ---- recording (hot path) -----------------------------------------------------------------
    def _op_start(self, name: str, inputs=()) -> list:
        shapes = [list(t._data.shape) for t in inputs] if self.record_shapes and inputs else None
        stack = _user_stack() if self.with_stack else None
        event = [name, 0, 0, _thread_id(), shapes, stack]
        self._raw.append(event)
        event[1] = _clock()
        return event

    def _op_end(self, token: list) -> None:
        token[2] = _clock()

    # ---- results ------------------------------------------------------------------------------
    def _check_finish(self) -> None:
        if self.entered:
            raise RuntimeError("Profiler didn't finish running")

    @property
    def function_events(self) -> EventList:
        self._check_finish()
        if self._function_events is None:
            self._function_events = self._build_events()
        return self._function_events

    def events(self) -> EventList:
        return self.function_events

    def _build_events(self) -> EventList:
        """Turn the raw ranges into FunctionEvents and nest them by time, thread by thread."""
        if not self._raw:
            return EventList(profile_memory=self.profile_memory)
        origin = min(r[1] for r in self._raw)
        events = []
        for i, (name, start, end, thread, shapes, stack) in enumerate(self._raw):
            if end == 0:  # still open when the profile ended (an exception): close it now
                end = start
            events.append(FunctionEvent(i + 1, name, thread, (start - origin) / 1000.0, (end - origin) / 1000.0,
                                        shapes, stack))
        # Parents start earlier (or at the same time and end later); a stack per thread finds them.
        ordered = sorted(events, key=lambda e: (e.thread, e.time_range.start, -e.time_range.end, e.id))
        open_stack: list = []
        thread = None
        for evt in ordered:
            if evt.thread != thread:
                open_stack = []
                thread = evt.thread
            # Pop the ranges that do not contain this one.
            while open_stack and not (
                open_stack[-1].time_range.start <= evt.time_range.start
                and evt.time_range.end <= open_stack[-1].time_range.end
            ):
                open_stack.pop()
            if open_stack:
                evt.cpu_parent = open_stack[-1]
                open_stack[-1].cpu_children.append(evt)
            open_stack.append(evt)
        return EventList(events, profile_memory=self.profile_memory)

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0) -> EventList:
        return self.function_events.key_averages(group_by_input_shape, group_by_stack_n)

    def table(self, sort_by: str | None = None, row_limit: int = 100, **kwargs) -> str:
        return self.function_events.table(sort_by=sort_by, row_limit=row_limit, **kwargs)

    def total_average(self) -> FunctionEventAvg:
        return self.function_events.total_average()

    @property
    def self_cpu_time_total(self) -> float:
        return self.function_events.self_cpu_time_total

    def export_chrome_trace(self, path: str) -> None:
        self.function_events.export_chrome_trace(path)

    def __str__(self) -> str:
        return str(self.function_events)

    def __repr__(self) -> str:
        if self._function_events is None and (self.entered or not self._raw):
            return "<unfinished torch.autograd.profile>"
        return repr(self.function_events)


def _user_stack() -> list:
    """``['file.py(12): fn', ...]`` for the frames outside engine, innermost first (PyTorch's form)."""
    engine_dir = __file__.rsplit("/", 2)[0]
    frames = []
    f = sys._getframe(2)
    while f is not None:
        if not f.f_code.co_filename.startswith(engine_dir):
            frames.append(f"{f.f_code.co_filename}({f.f_lineno}): {f.f_code.co_name}")
        f = f.f_back
    return frames


class record_function:  # noqa: N801 - PyTorch's spelling
    """Label a block (``with record_function('name'):``) or a function (as a decorator) in the profile."""

    def __init__(self, name: str, args: str | None = None) -> None:
        self.name = name
        self.args = args
        self._token = None
        self._profiler = None

    def __enter__(self) -> record_function:
        prof = PROFILER[0]
        if prof is not None:
            self._profiler = prof
            self._token = prof._op_start(self.name, ())
        return self

    def __exit__(self, *exc) -> None:
        if self._profiler is not None:
            self._profiler._op_end(self._token)
            self._profiler = None
            self._token = None

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with record_function(self.name, self.args):
                return func(*args, **kwargs)

        return wrapper
