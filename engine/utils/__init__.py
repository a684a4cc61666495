"""``torch.utils``: the data-loading utilities (``engine.utils.data``)."""

from . import data

__all__ = ["data"]
