"""The functional forms of the sequence layers: ``layer_norm``, ``scaled_dot_product_attention``,
``multi_head_attention_forward`` (``engine.nn.functional`` re-exports them)."""

from __future__ import annotations

from ..ops.layer_norm import layer_norm

__all__ = ["layer_norm"]
