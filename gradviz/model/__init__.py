"""Qt-free state of the app: the session that runs user code, the graph model and its layouts.

Nothing here imports Qt; model objects emit psygnal signals the Qt layer bridges to the GUI thread.
"""

from .graph_model import GraphModel, tensor_names
from .layout import LAYOUTS, compute_layout, count_crossings
from .session import RunError, RunFailed, RunResult, Session

__all__ = [
    "GraphModel",
    "LAYOUTS",
    "RunError",
    "RunFailed",
    "RunResult",
    "Session",
    "compute_layout",
    "count_crossings",
    "tensor_names",
]
