"""The profiler's results: ``FunctionEvent``, ``FunctionEventAvg``, ``EventList`` and PyTorch's summary table."""

from __future__ import annotations

import json
from collections import namedtuple

Interval = namedtuple("Interval", ["start", "end"])


# ---- formatting (PyTorch's rules for the table) --------------------------------------------------
def _format_time(time_us: float) -> str:
    """'12.345us', '1.234ms' or '1.234s', like PyTorch's profiler."""
    if time_us >= 1_000_000.0:
        return f"{time_us / 1_000_000.0:.3f}s"
    if time_us >= 1000.0:
        return f"{time_us / 1000.0:.3f}ms"
    return f"{time_us:.3f}us"


def _format_time_share(time_us: float, total_us: float) -> str:
    if total_us == 0:
        return "NaN"
    return f"{time_us * 100.0 / total_us:.2f}%"


def _format_memory(nbytes: int) -> str:
    kb, mb, gb = 1024, 1024 * 1024, 1024 * 1024 * 1024
    if abs(nbytes) >= gb:
        return f"{nbytes / gb:.2f} Gb"
    if abs(nbytes) >= mb:
        return f"{nbytes / mb:.2f} Mb"
    if abs(nbytes) >= kb:
        return f"{nbytes / kb:.2f} Kb"
    return f"{nbytes} b"


class _FormattedTimes:
    """The ``*_str`` properties PyTorch's events expose (times are in microseconds)."""

    @property
    def cpu_time(self) -> float:
        return 0.0 if self.count == 0 else self.cpu_time_total / self.count

    @property
    def cpu_time_str(self) -> str:
        return _format_time(self.cpu_time)

    @property
    def cpu_time_total_str(self) -> str:
        return _format_time(self.cpu_time_total)

    @property
    def self_cpu_time_total_str(self) -> str:
        return _format_time(self.self_cpu_time_total)

    # No device: the CUDA/device columns are always zero (engine runs on the CPU only).
    device_time_total = 0.0
    self_device_time_total = 0.0
    cuda_time_total = 0.0
    self_cuda_time_total = 0.0
    device_memory_usage = 0
    self_device_memory_usage = 0

    @property
    def device_time(self) -> float:
        return 0.0

    cuda_time = device_time


# ---- events -----------------------------------------------------------------------------------
class FunctionEvent(_FormattedTimes):
    """One recorded range: an op's forward, a backward node, or a ``record_function`` block."""

    def __init__(self, id: int, name: str, thread: int, start_us: float, end_us: float,
                 input_shapes=None, stack=None, sequence_nr: int = -1) -> None:
        self.id = id
        self.name = name
        self.key = name
        self.thread = thread
        self.time_range = Interval(start_us, end_us)
        self.input_shapes = input_shapes if input_shapes is not None else []
        self.stack = stack if stack is not None else []
        self.cpu_children: list = []
        self.cpu_parent = None
        self.count = 1
        self.sequence_nr = sequence_nr
        self.cpu_memory_usage = 0
        self.self_cpu_memory_usage = 0
        self.is_async = False
        self.is_remote = False
        self.is_legacy = False
        self.node_id = -1
        self.overload_name = ""

    @property
    def cpu_time_total(self) -> float:
        return self.time_range.end - self.time_range.start

    @property
    def self_cpu_time_total(self) -> float:
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children)

    def __repr__(self) -> str:
        return (
            f"<FunctionEvent id={self.id} name={self.name} overload_name={self.overload_name} "
            f"device_type=DeviceType.CPU node_id={self.node_id} cpu_time={self.cpu_time_str} "
            f"start_us={self.time_range.start} end_us={self.time_range.end} "
            f"cpu_children={[c.id for c in self.cpu_children]} None_time=0.000us "
            f"name={self.name} thread={self.thread} input_shapes={self.input_shapes} "
            f"cpu_memory_usage={self.cpu_memory_usage} None_memory_usage=0 "
            f"is_async={self.is_async} is_remote={self.is_remote} seq_nr={self.sequence_nr} "
            f"is_legacy={self.is_legacy}>"
        )


class FunctionEventAvg(_FormattedTimes):
    """The sum of all events sharing a key (and input shapes when grouped by them)."""

    def __init__(self) -> None:
        self.key = None
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0
        self.input_shapes = None
        self.stack = None
        self.cpu_memory_usage = 0
        self.self_cpu_memory_usage = 0
        self.cpu_parent = None
        self.is_async = False
        self.is_remote = False
        self.is_legacy = False
        self.node_id = -1
        self.overload_name = ""

    def add(self, other) -> FunctionEventAvg:
        if self.key is None:
            self.key = other.key
            self.input_shapes = other.input_shapes
            self.stack = other.stack
            self.cpu_parent = other.cpu_parent
        self.count += other.count
        self.cpu_time_total += other.cpu_time_total
        self.self_cpu_time_total += other.self_cpu_time_total
        self.cpu_memory_usage += other.cpu_memory_usage
        self.self_cpu_memory_usage += other.self_cpu_memory_usage
        return self

    __iadd__ = add

    def __repr__(self) -> str:
        return (
            f"<FunctionEventAvg key={self.key} self_cpu_time={self.self_cpu_time_total_str} "
            f"cpu_time={self.cpu_time_str}  self_cuda_time=0.000us cuda_time=0.000us "
            f"input_shapes={self.input_shapes} cpu_memory_usage={self.cpu_memory_usage} cuda_memory_usage=0>"
        )


class EventList(list):
    """A list of events with PyTorch's summary helpers."""

    def __init__(self, *args, profile_memory: bool = False, **kwargs) -> None:
        super().__init__(*args)
        self._profile_memory = profile_memory

    def __str__(self) -> str:
        return self.table()

    def table(self, sort_by: str | None = None, row_limit: int = 100, max_src_column_width: int = 75,
              max_name_column_width: int = 55, max_shapes_column_width: int = 80, header: str | None = None,
              top_level_events_only: bool = False, time_unit: str | None = None) -> str:
        """PyTorch's text table, column for column (sort_by e.g. ``'self_cpu_time_total'``)."""
        return _build_table(self, sort_by, row_limit, max_name_column_width, max_shapes_column_width,
                            max_src_column_width, header, top_level_events_only, time_unit,
                            self._profile_memory)

    def key_averages(self, group_by_input_shapes: bool = False, group_by_stack_n: int = 0) -> EventList:
        """One :class:`FunctionEventAvg` per event name (and input shapes), in first-seen order."""
        groups: dict = {}
        for evt in self:
            key = evt.key
            if group_by_input_shapes:
                key = (key, str(evt.input_shapes))
            if group_by_stack_n:
                key = (key, tuple(evt.stack[:group_by_stack_n]))
            avg = groups.get(key)
            if avg is None:
                avg = groups[key] = FunctionEventAvg()
            avg.add(evt)
        for avg in groups.values():
            avg.stack = avg.stack[:group_by_stack_n] if avg.stack else []
            if not group_by_input_shapes:
                # PyTorch blanks the shapes of averages not grouped by them (no Input Shapes column).
                avg.input_shapes = ""
        return EventList(groups.values(), profile_memory=self._profile_memory)

    def total_average(self) -> FunctionEventAvg:
        total = FunctionEventAvg()
        for evt in self:
            total.add(evt)
        total.key = "Total"
        return total

    @property
    def self_cpu_time_total(self) -> float:
        return sum(e.self_cpu_time_total for e in self)

    def export_chrome_trace(self, path: str) -> None:
        """Write the events in the Trace Event Format (open in chrome://tracing or Perfetto)."""
        trace = []
        for evt in self:
            if not isinstance(evt, FunctionEvent):
                continue
            trace.append({
                "name": evt.name,
                "ph": "X",
                "ts": evt.time_range.start,
                "dur": evt.cpu_time_total,
                "pid": "CPU functions",
                "tid": evt.thread,
                "cat": "cpu_op",
                "args": {"Input Shapes": evt.input_shapes} if evt.input_shapes else {},
            })
        with open(path, "w") as f:
            json.dump({"traceEvents": trace, "displayTimeUnit": "ms"}, f)


def _build_table(events, sort_by, row_limit, max_name_width, max_shapes_width, max_src_width,
                 header, top_level_only, time_unit, profile_memory) -> str:
    """The layout of PyTorch's ``_build_table``: right-aligned columns, two spaces apart."""
    if len(events) == 0:
        return ""
    if sort_by is not None:
        attr = sort_by.replace("cuda", "device")
        events = sorted(events, key=lambda e: getattr(e, attr), reverse=True)
    has_shapes = any(e.input_shapes for e in events)
    has_stack = any(e.stack for e in events)

    name_width = max(len(e.key) for e in events) + 4
    if max_name_width is not None:
        name_width = min(name_width, max_name_width)
    shapes_width = max(len(str(e.input_shapes)) for e in events) + 4
    if max_shapes_width is not None:
        shapes_width = min(shapes_width, max_shapes_width)
    column_width = 12

    headers = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"]
    if profile_memory:
        headers += ["CPU Mem", "Self CPU Mem"]
    headers.append("# of Calls")
    widths = [name_width] + [column_width] * (len(headers) - 1)
    aligns = [">"] * len(headers)
    if has_shapes:
        headers.append("Input Shapes")
        widths.append(shapes_width)
        aligns.append(">")
    if has_stack:
        src_width = max(len(line) for e in events for line in (e.stack or [""])) + 4
        if max_src_width is not None:
            src_width = min(src_width, max_src_width)
        headers.append("Source Location")
        widths.append(src_width)
        aligns.append("<")

    row_format = "".join("{: " + a + str(w) + "}  " for a, w in zip(aligns, widths))
    separator = "".join("-" * w + "  " for w in widths)
    line_length = sum(w + 2 for w in widths) - 2

    total_self = sum(e.self_cpu_time_total for e in events)

    def fmt_time(us: float) -> str:
        if time_unit == "s":
            return f"{us / 1_000_000.0:.3f}s"
        if time_unit == "ms":
            return f"{us / 1000.0:.3f}ms"
        if time_unit == "us":
            return f"{us:.3f}us"
        return _format_time(us)

    lines = []
    if header is not None:
        lines += ["=" * line_length, header]
    if top_level_only:
        lines += ["=" * line_length, "This report only display top-level ops statistics"]
    lines += [separator, row_format.format(*headers), separator]
    shown = 0
    for evt in events:
        if shown == row_limit:
            break
        if top_level_only and evt.cpu_parent is not None:
            continue
        shown += 1
        name = evt.key
        if max_name_width is not None and len(name) >= max_name_width - 3:
            name = name[: max_name_width - 3] + "..."
        row = [
            name,
            _format_time_share(evt.self_cpu_time_total, total_self),
            fmt_time(evt.self_cpu_time_total),
            _format_time_share(evt.cpu_time_total, total_self),
            fmt_time(evt.cpu_time_total),
            fmt_time(evt.cpu_time),
        ]
        if profile_memory:
            row += [_format_memory(evt.cpu_memory_usage), _format_memory(evt.self_cpu_memory_usage)]
        row.append(evt.count)
        if has_shapes:
            row.append(str(evt.input_shapes)[:shapes_width])
        if has_stack:
            row.append(evt.stack[0] if evt.stack else "")
        lines.append(row_format.format(*row))
    lines.append(separator)
    lines.append(f"Self CPU time total: {_format_time(total_self)}")
    # PyTorch ends every line, the last one included, with a newline.
    return "\n".join(lines) + "\n"
