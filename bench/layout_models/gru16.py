"""A GRUCell unrolled over 16 time steps, a Linear head on the last state, cross-entropy."""
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)


class Unrolled(nn.Module):
    def __init__(self):
        super().__init__()
        self.cell = nn.GRUCell(6, 12)
        self.head = nn.Linear(12, 6)

    def forward(self, xs):
        h = torch.zeros(1, 12)
        for t in range(xs.shape[0]):
            h = self.cell(xs[t], h)
        return self.head(h)


model = Unrolled()
loss = F.cross_entropy(model(torch.randn(16, 1, 6)), torch.tensor([2]))
