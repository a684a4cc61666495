"""Backward graph node types (``engine.autograd.graph.Node`` like ``torch.autograd.graph.Node``)."""

from .._graph import AccumulateGrad, Node, RemovableHandle  # noqa: F401
