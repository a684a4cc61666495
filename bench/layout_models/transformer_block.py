"""One nn.TransformerEncoderLayer (self-attention, LayerNorms, feed-forward) and a Linear head."""
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)


class OneBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = nn.TransformerEncoderLayer(16, nhead=4, dim_feedforward=32, dropout=0.0, batch_first=True)
        self.head = nn.Linear(16, 5)

    def forward(self, x):
        return self.head(self.block(x))


model = OneBlock()
out = model(torch.randn(2, 5, 16))
loss = F.cross_entropy(out.reshape(10, 5), torch.tensor([0, 1, 2, 3, 4, 4, 3, 2, 1, 0]))
