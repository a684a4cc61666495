"""The functional forms of the sequence layers: ``layer_norm``, ``scaled_dot_product_attention``,
``multi_head_attention_forward`` (``engine.nn.functional`` re-exports them)."""

from __future__ import annotations

from ..ops.attention import scaled_dot_product_attention
from ..ops.layer_norm import layer_norm
from ._functional_mha import multi_head_attention_forward

__all__ = ["layer_norm", "multi_head_attention_forward", "scaled_dot_product_attention"]
