"""Issue 13's residual MLP: Linear -> 3 x (x + tanh(Linear(x))) -> Linear, cross-entropy (40 nodes)."""
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(16, 16)

    def forward(self, x):
        return x + torch.tanh(self.linear(x))


class ResidualMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(8, 16)
        self.blocks = nn.Sequential(*(Block() for _ in range(3)))
        self.out = nn.Linear(16, 4)

    def forward(self, x):
        return self.out(self.blocks(self.inp(x)))


model = ResidualMLP()
loss = F.cross_entropy(model(torch.randn(5, 8)), torch.tensor([0, 1, 2, 3, 0]))
