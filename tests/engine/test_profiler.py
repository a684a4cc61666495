"""engine.autograd.profiler: recorded names, nesting and self time, PyTorch's table layout, overhead."""

from __future__ import annotations

import json
import re
import time
import warnings

import pytest

import engine as torch
from engine._state import PROFILER
from engine.autograd import profiler, profiler_util


def tutorial_loop(n=1000):
    x = torch.randn(2, 3, requires_grad=True)
    y = torch.rand(2, 3, requires_grad=True)
    z = torch.ones(2, 3, requires_grad=True)
    for _ in range(n):
        z = (z / x) * y
    return z


def test_forward_ops_are_recorded_under_aten_names_with_counts():
    x = torch.rand(2, 3, requires_grad=True)
    y = torch.rand(2, 3, requires_grad=True)
    z = torch.ones(2, 3, requires_grad=True)
    with profiler.profile() as prof:
        for _ in range(10):
            z = (z / x) * y
    averages = {e.key: e for e in prof.key_averages()}
    assert set(averages) == {"aten::div", "aten::mul"}
    assert averages["aten::div"].count == 10 and averages["aten::mul"].count == 10
    assert PROFILER[0] is None  # the profile is switched off after the block


def test_table_layout_matches_pytorch():
    with profiler.profile() as prof:
        tutorial_loop(20)
    table = prof.key_averages().table(sort_by="self_cpu_time_total")
    lines = table.split("\n")
    # PyTorch's exact header for names up to 9 characters (recorded from torch 2.x).
    sep = "-------------  " + "------------  " * 6
    assert lines[0] == sep
    assert lines[1] == "         Name    Self CPU %      Self CPU   CPU total %     CPU total  CPU time avg    # of Calls  "
    assert lines[2] == sep and lines[5] == sep
    assert re.fullmatch(r"Self CPU time total: \d+\.\d{3}(us|ms|s)", lines[6])
    assert table.endswith("\n")
    row = re.compile(r" {4}aten::(mul|div) +\d+\.\d\d% +\d+\.\d{3}(us|ms) +\d+\.\d\d% +\d+\.\d{3}(us|ms) +\d+\.\d{3}us +20  ")
    assert row.fullmatch(lines[3]) and row.fullmatch(lines[4])
    # sort_by: the first row has the larger self CPU time.
    evts = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)
    assert lines[3].strip().startswith(evts[0].key)


def test_time_formatting_units():
    assert profiler_util._format_time(12.3456) == "12.346us"
    assert profiler_util._format_time(2129.0) == "2.129ms"
    assert profiler_util._format_time(3_500_000.0) == "3.500s"


def test_record_function_nests_and_self_time_excludes_children():
    x = torch.rand(50, 50)
    with profiler.profile() as prof:
        with profiler.record_function("outer"):
            time.sleep(0.002)
            with profiler.record_function("inner"):
                x = x * 2
                time.sleep(0.002)
    events = {e.name: e for e in prof.events()}
    outer, inner, mul = events["outer"], events["inner"], events["aten::mul"]
    assert inner.cpu_parent is outer and mul.cpu_parent is inner
    assert outer.cpu_children == [inner]
    assert outer.self_cpu_time_total == pytest.approx(outer.cpu_time_total - inner.cpu_time_total)
    assert outer.self_cpu_time_total >= 1500  # microseconds: the first sleep
    assert inner.cpu_time_total >= mul.cpu_time_total
    total = prof.total_average()
    assert total.key == "Total"
    assert total.self_cpu_time_total == pytest.approx(sum(e.self_cpu_time_total for e in prof.events()))


def test_record_function_as_decorator():
    @profiler.record_function("my_step")
    def step(a):
        return a + 1

    with profiler.profile() as prof:
        step(torch.ones(2))
        step(torch.ones(2))
    averages = {e.key: e.count for e in prof.key_averages()}
    assert averages["my_step"] == 2 and averages["aten::add"] == 2
    step(torch.ones(2))  # outside a profile it is a plain call


def test_backward_nodes_are_recorded_like_pytorch():
    x = torch.rand(3, requires_grad=True)
    with profiler.profile() as prof:
        (x * x).sum().backward()
    names = [e.name for e in prof.events()]
    for name in ["aten::mul", "aten::sum", "SumBackward0", "MulBackward0",
                 "autograd::engine::evaluate_function: MulBackward0", "torch::autograd::AccumulateGrad"]:
        assert name in names
    events = prof.events()
    node = next(e for e in events if e.name == "MulBackward0")
    assert node.cpu_parent.name == "autograd::engine::evaluate_function: MulBackward0"
    assert any(c.name == "aten::mul" for c in node.cpu_children)


def test_record_shapes_adds_the_input_shapes_column():
    with profiler.profile(record_shapes=True) as prof:
        torch.ones(2, 3) * torch.ones(2, 3)
        torch.ones(4) * torch.ones(4)
    grouped = prof.key_averages(group_by_input_shape=True)
    shapes = sorted(str(e.input_shapes) for e in grouped if e.key == "aten::mul")
    assert shapes == ["[[2, 3], [2, 3]]", "[[4], [4]]"]
    header = grouped.table().split("\n")[1]
    assert header.endswith("Input Shapes  ")
    assert "Input Shapes" not in prof.key_averages().table()


def test_use_cuda_warns_and_carries_on():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with profiler.profile(use_cuda=True) as prof:
            torch.ones(2) + 1
    assert any("CUDA is not available" in str(w.message) for w in caught)
    assert [e.key for e in prof.key_averages()] == ["aten::add"]


def test_chrome_trace_is_valid_trace_event_json(tmp_path):
    with profiler.profile() as prof:
        torch.ones(2) * 3
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    data = json.loads(path.read_text())
    events = data["traceEvents"]
    assert events and all(e["ph"] == "X" and {"name", "ts", "dur", "pid", "tid"} <= set(e) for e in events)
    assert events[0]["name"] == "aten::mul"


def test_str_of_profile_is_the_per_event_table():
    with profiler.profile() as prof:
        torch.ones(2) * 3
        torch.ones(2) * 3
    text = str(prof)
    assert text.count("aten::mul") == 2 and "Self CPU time total:" in text


def test_disabled_profile_records_nothing():
    with profiler.profile(enabled=False) as prof:
        torch.ones(2) * 3
    assert PROFILER[0] is None
    assert len(prof.events()) == 0


# The profiler's overhead (<= 2x the plain tutorial loop) is measured in bench/bench_engine.py,
# not asserted here: timings on a shared machine make flaky tests.
