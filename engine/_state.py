"""Per-thread autograd state read by the op choke point (grad mode, module path, recording switches).

PyTorch keeps grad mode thread-local; so do we, because the app runs user code on a worker thread
while the GUI thread may evaluate tensors of its own.
"""

from __future__ import annotations

import itertools
import threading


class _State(threading.local):
    grad_enabled = True
    inference = False
    # Dotted path of the nn.Module whose forward is running ('' outside modules), e.g. 'layer1'.
    module_path = ""
    # When True every node records the user's source file and line (the app switches it on).
    record_source = False
    anomaly = False
    anomaly_check_nan = True
    # >0 inside forward_ad.dual_level(): ops then propagate tangents.
    fw_level = 0
    # The app sets this in its script thread: backward still frees saved tensors as far as the user
    # can tell (a second backward raises PyTorch's error), but keeps them aside so the stepper can
    # replay that backward node by node afterwards (engine.autograd.graph.revive_freed).
    keep_freed = False


STATE = _State()

# The active profiler (or None). Global, not per thread: a profile covers the process like PyTorch's.
PROFILER: list = [None]

# Node creation order; the backward ready queue runs the most recently created node first like PyTorch.
SEQUENCE = itertools.count()
