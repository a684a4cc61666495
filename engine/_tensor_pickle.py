"""Where pickles written before ``rebuild_tensor`` moved into ``_tensor`` find it by name."""

from ._tensor import rebuild_tensor  # noqa: F401
