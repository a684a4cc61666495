"""``torch.memory_format`` and its four values. The engine keeps numpy's strides: ``clone`` (and
``empty_like``-style copies) preserve the input's layout like ``torch.preserve_format``;
``contiguous_format`` asks for a C-contiguous copy. The channels-last formats are accepted as names."""

from __future__ import annotations


class memory_format:  # noqa: N801 - PyTorch's class name
    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"torch.{self._name}"

    def __reduce__(self):
        return self._name


contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")


def numpy_order(fmt) -> str:
    """numpy's copy order for a PyTorch memory format (None means preserve, as PyTorch's default)."""
    return "C" if fmt is contiguous_format else "K"
