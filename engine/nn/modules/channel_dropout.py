"""``nn.Dropout1d`` / ``nn.Dropout2d``: zero whole channels while training (identity in eval mode)."""

from __future__ import annotations

from ..._tensor import Tensor
from .. import _norm_functional as NF
from .dropout import Dropout


class Dropout1d(Dropout):
    def forward(self, input: Tensor) -> Tensor:
        return NF.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(Dropout):
    def forward(self, input: Tensor) -> Tensor:
        return NF.dropout2d(input, self.p, self.training, self.inplace)
