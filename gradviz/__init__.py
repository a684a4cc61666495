"""gradviz: a desktop app that shows engine's live grad_fn graph.

Layers: ``gradviz.model`` (Qt-free state) below ``gradviz.qt`` (widgets) below ``gradviz.cli``.
"""

__version__ = "0.1.0"
