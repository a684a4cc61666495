"""Sequence classification with nn.TransformerEncoder and a key padding mask.

Tokens are embedded, given sinusoidal positions, encoded by two pre-norm encoder layers
(batch_first, GELU) that ignore padded positions, mean-pooled over real tokens and classified.
AdamW with warmup (LambdaLR) and gradient clipping; dropout is 0 so the run is deterministic.
"""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(5)
VOCAB, PAD, D_MODEL = 10, 0, 16


def batch(n):
    lengths = rng.integers(3, 9, n)
    tokens = np.zeros((n, 8), dtype=np.int64)
    labels = np.zeros(n, dtype=np.int64)
    for i, length in enumerate(lengths):
        seq = rng.integers(1, VOCAB, length)
        tokens[i, :length] = seq
        labels[i] = int(seq[0] == seq[-1]) if length > 3 else int(seq.sum() % 2)
    return torch.tensor(tokens), torch.tensor(labels)


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, max_len=32):
        super().__init__()
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(1, max_len, d_model)
        pe[0, :, 0::2] = torch.sin(position * div_term)
        pe[0, :, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe)

    def forward(self, x):
        return x + self.pe[:, : x.size(1)]


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, D_MODEL, padding_idx=PAD)
        self.pos = PositionalEncoding(D_MODEL)
        layer = nn.TransformerEncoderLayer(D_MODEL, nhead=4, dim_feedforward=32, dropout=0.0,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(D_MODEL)
        self.out = nn.Linear(D_MODEL, 2)

    def forward(self, tokens):
        pad_mask = tokens == PAD
        h = self.encoder(self.pos(self.embed(tokens) * math.sqrt(D_MODEL)), src_key_padding_mask=pad_mask)
        keep = (~pad_mask).unsqueeze(-1).float()
        pooled = (self.norm(h) * keep).sum(1) / keep.sum(1)
        return self.out(pooled)


model = Encoder()
g = np.random.default_rng(1)
with torch.no_grad():
    for name, p in model.named_parameters():
        if p.dim() > 1:
            p.copy_(torch.tensor(g.normal(0, 0.2, tuple(p.shape)), dtype=torch.float32))
        elif "norm" not in name:
            p.zero_()
print(model.encoder.layers[0])
print("parameters:", sum(p.numel() for p in model.parameters() if p.requires_grad))

tokens, labels = batch(4)
print("tokens:\n", tokens)
logits = model(tokens)
print("logits:", logits)
print("grad_fn:", logits.grad_fn.name(), "<-", logits.grad_fn.next_functions[0][0].name())

optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
warmup = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / 5))
train = [batch(16) for _ in range(4)]
for epoch in range(5):
    losses = []
    for tokens, labels in train:
        loss = F.cross_entropy(model(tokens), labels)
        optimizer.zero_grad()
        loss.backward()
        norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
        warmup.step()
        losses.append(loss.item())
    print(f"epoch {epoch}: mean loss {sum(losses) / len(losses):.4f}, grad norm {norm.item():.4f}, "
          f"lr {optimizer.param_groups[0]['lr']:.5f}")

model.eval()
with torch.no_grad():
    tokens, labels = batch(32)
    pred = model(tokens).argmax(-1)
    print("eval accuracy:", (pred == labels).float().mean().item())
    # Padding must not matter: appending more PAD tokens leaves the logits unchanged.
    longer = torch.cat([tokens, torch.zeros(32, 3, dtype=torch.long)], dim=1)
    print("padding invariant:", torch.allclose(model(tokens), model(longer), atol=1e-5))
