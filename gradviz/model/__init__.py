"""Qt-free, engine-free state of the app: the Workspace (script, run, graph, layout, backward, all
through the kernel), jobs, the graph model and its layouts, export.

Nothing here imports Qt or the engine; model objects emit psygnal signals the Qt layer delivers on
the GUI thread. Code that touches tensors lives in :mod:`gradviz.kernel`.
"""

from .graph_model import GraphModel
from .layout import LAYOUTS, compute_layout, count_crossings

__all__ = [
    "GraphModel",
    "LAYOUTS",
    "compute_layout",
    "count_crossings",
]
