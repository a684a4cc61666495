"""Inside the kernel: a script run under the backend's autograd profiler, answered as plain data.

Under the engine the profiler is ``engine.autograd.profiler.profile``, under PyTorch
``torch.autograd.profiler.profile``; both give ``function_events`` and ``key_averages()`` with the
same names, so one function turns either into rows, timeline events, the table text PyTorch prints
and a Chrome trace.

When the script opens its own ``with torch.autograd.profiler.profile() as prf:`` (the tutorial
does), that inner profile takes the events of its block -- under PyTorch the outer one then records
nothing, as nested profilers do there -- and the answer carries it too, under its variable name.
"""

from __future__ import annotations

import os
import tempfile

WHOLE_SCRIPT = "whole script"
TABLE_SORT = "self_cpu_time_total"  # the tutorial's sort_by


def _depth(event) -> int:
    depth, parent = 0, event.cpu_parent
    while parent is not None:
        depth += 1
        parent = parent.cpu_parent
    return depth


def _shapes(value) -> list:
    try:
        return [list(s) for s in (value or [])]
    except TypeError:
        return []


def _chrome_trace(prof) -> str:
    fd, path = tempfile.mkstemp(prefix="gradviz-trace-", suffix=".json")
    os.close(fd)
    try:
        prof.export_chrome_trace(path)
        with open(path, encoding="utf-8") as trace:
            return trace.read()
    finally:
        os.unlink(path)


def describe(prof) -> dict:
    """Rows of ``key_averages()`` (times in microseconds, with PyTorch's formatted strings), the
    timeline events, ``key_averages().table(sort_by="self_cpu_time_total")`` and a Chrome trace."""
    events = prof.function_events
    averages = prof.key_averages()
    rows = [{
        "name": str(a.key),
        "calls": int(a.count),
        "self_cpu_us": float(a.self_cpu_time_total),
        "cpu_total_us": float(a.cpu_time_total),
        "cpu_avg_us": float(a.cpu_time),
        "self_cpu_str": a.self_cpu_time_total_str,
        "cpu_total_str": a.cpu_time_total_str,
        "cpu_avg_str": a.cpu_time_str,
        "input_shapes": _shapes(getattr(a, "input_shapes", None)),
    } for a in averages]
    timeline = [{
        "name": e.name,
        "start_us": float(e.time_range.start),
        "duration_us": float(e.time_range.end - e.time_range.start),
        "thread": int(e.thread),
        "depth": _depth(e),
        "input_shapes": _shapes(getattr(e, "input_shapes", None)),
    } for e in events]
    table = averages.table(sort_by=TABLE_SORT) if len(averages) else ""
    return {"rows": rows, "events": timeline, "table": table,
            "trace": _chrome_trace(prof) if len(events) else '{"traceEvents": []}'}


def scripts_profiles(lib, namespace: dict) -> dict:
    """The finished profiles the script made itself, by variable name."""
    profile_type = lib.autograd.profiler.profile
    found = {}
    for name, value in namespace.items():
        if name.startswith("_") or not isinstance(value, profile_type):
            continue
        if getattr(value, "entered", False) and getattr(value, "function_events", None) is None:
            continue  # still open (the engine's entered flag) or never finished
        try:
            if value.function_events is None:
                continue
        except (AssertionError, RuntimeError):  # torch: a profile that never ran
            continue
        found[name] = value
    return found


def profile_run(lib, run) -> tuple[dict, dict | None]:
    """Call ``run()`` (the kernel's script run, returning ``(report, namespace)``) under a
    profiler; returns the run's report and ``{label: description}`` (None when the run failed)."""
    prof = lib.autograd.profiler.profile()
    with prof:
        report, namespace = run()
    if not (isinstance(report, dict) and report.get("ok")):
        return report, None
    profiles = {WHOLE_SCRIPT: describe(prof)}
    for name, value in scripts_profiles(lib, namespace or {}).items():
        profiles[name] = describe(value)
    return report, profiles
