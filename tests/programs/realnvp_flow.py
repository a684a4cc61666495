"""A RealNVP normalizing flow on the two-moons toy data: affine coupling layers with masks,
exact log-likelihood through the change of variables, then sampling by inverting the flow."""
import math

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Normal

rng = np.random.default_rng(23)


def moons(n):
    t = rng.uniform(0, math.pi, n)
    upper = rng.random(n) < 0.5
    x = np.where(upper, np.cos(t), 1 - np.cos(t))
    y = np.where(upper, np.sin(t), 0.5 - np.sin(t))
    return torch.tensor(np.stack([x, y], 1) + rng.normal(0, 0.05, (n, 2)), dtype=torch.float32)


class Coupling(nn.Module):
    def __init__(self, mask):
        super().__init__()
        self.register_buffer("mask", mask)
        self.net = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 4))

    def forward(self, x):
        s, t = self.net(x * self.mask).chunk(2, dim=1)
        s = torch.tanh(s) * (1 - self.mask)
        t = t * (1 - self.mask)
        return x * torch.exp(s) + t, s.sum(1)

    def inverse(self, y):
        s, t = self.net(y * self.mask).chunk(2, dim=1)
        s = torch.tanh(s) * (1 - self.mask)
        t = t * (1 - self.mask)
        return (y - t) * torch.exp(-s)


class Flow(nn.Module):
    def __init__(self, n):
        super().__init__()
        masks = [torch.tensor([1.0, 0.0]) if i % 2 == 0 else torch.tensor([0.0, 1.0]) for i in range(n)]
        self.layers = nn.ModuleList(Coupling(m) for m in masks)
        self.base = Normal(torch.zeros(2), torch.ones(2))

    def log_prob(self, x):
        log_det = torch.zeros(x.shape[0])
        for layer in self.layers:
            x, ld = layer(x)
            log_det = log_det + ld
        return self.base.log_prob(x).sum(1) + log_det

    def sample_from(self, z):
        for layer in reversed(self.layers):
            z = layer.inverse(z)
        return z


flow = Flow(4)
g = np.random.default_rng(2)
with torch.no_grad():
    for _, p in flow.named_parameters():
        p.copy_(torch.tensor(g.normal(0, 0.1, tuple(p.shape)), dtype=torch.float32))
print(flow.layers[0])
print("parameters:", sum(p.numel() for p in flow.parameters()))

data = moons(256)
opt = torch.optim.Adam(flow.parameters(), lr=5e-3)
for step in range(60):
    batch = data[(step * 64) % 256:(step * 64) % 256 + 64]
    loss = -flow.log_prob(batch).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 15 == 14:
        print(f"step {step + 1}: nll {loss.item():.4f}")

with torch.no_grad():
    x = data[:5]
    z = x
    for layer in flow.layers:
        z, _ = layer(z)
    print("round trip error:", (flow.sample_from(z) - x).abs().max().item() < 1e-5)
    samples = flow.sample_from(torch.tensor(rng.normal(0, 1, (500, 2)), dtype=torch.float32))
    print("sample mean:", samples.mean(0).round(decimals=2), "std:", samples.std(0).round(decimals=2))
    print("mean log-likelihood:", round(flow.log_prob(data).mean().item(), 3))
