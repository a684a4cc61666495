"""Backward graph node types (``engine.autograd.graph.Node`` like ``torch.autograd.graph.Node``)."""

from .._graph import AccumulateGrad, Node, RemovableHandle, revive_freed  # noqa: F401
