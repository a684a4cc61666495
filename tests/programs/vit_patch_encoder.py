"""A ViT-style classifier: Conv2d patch embedding, class token, TransformerEncoder (pre-norm)."""
import math
import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

rng = np.random.default_rng(21)


class PatchEmbedding(nn.Module):
    def __init__(self, in_channels=3, patch_size=4, emb_size=16, img_size=8):
        super().__init__()
        self.patch_size = patch_size
        self.projection = nn.Conv2d(in_channels, emb_size, kernel_size=patch_size, stride=patch_size)
        self.cls_token = nn.Parameter(torch.randn(1, 1, emb_size))
        self.positions = nn.Parameter(torch.randn((img_size // patch_size) ** 2 + 1, emb_size))

    def forward(self, x):
        b = x.shape[0]
        x = self.projection(x).flatten(2).transpose(1, 2)
        cls_tokens = self.cls_token.expand(b, -1, -1)
        x = torch.cat([cls_tokens, x], dim=1)
        x += self.positions
        return x


class ViT(nn.Module):
    def __init__(self, emb_size=16, depth=2, n_classes=5):
        super().__init__()
        self.embed = PatchEmbedding(emb_size=emb_size)
        layer = nn.TransformerEncoderLayer(d_model=emb_size, nhead=4, dim_feedforward=32, dropout=0.0,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=depth, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(emb_size)
        self.head = nn.Linear(emb_size, n_classes)

    def forward(self, x):
        x = self.encoder(self.embed(x))
        return self.head(self.norm(x[:, 0]))


model = ViT()
with torch.no_grad():
    for name, p in model.named_parameters():
        p.copy_(torch.tensor(rng.normal(0, 1 / math.sqrt(p.shape[-1]), tuple(p.shape)), dtype=torch.float32))
print(model)
print(sum(p.numel() for p in model.parameters() if p.requires_grad))
print([n for n, _ in model.named_parameters()][:8])

images = torch.tensor(rng.standard_normal((4, 3, 8, 8)), dtype=torch.float32)
labels = torch.tensor([0, 3, 1, 4])
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
for step in range(3):
    logits = model(images)
    loss = F.cross_entropy(logits, labels, label_smoothing=0.1)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    acc = (logits.argmax(dim=1) == labels).float().mean()
    print(f"step {step}: loss={loss.item():.4f} acc={acc.item():.2f}")

model.eval()
with torch.no_grad():
    probs = model(images).softmax(dim=-1)
print(probs.shape, probs.sum(dim=1))
print(torch.round(probs[0], decimals=3))
print(model.embed.projection.weight.grad.shape, model.embed.cls_token.grad.abs().sum() > 0)
print(logits.grad_fn)
