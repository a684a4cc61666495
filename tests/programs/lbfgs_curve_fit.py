"""Curve fitting with optim.LBFGS and a closure, then a small model with LBFGS and a scheduler-free loop."""
import math
import numpy as np
import torch
import torch.nn as nn

x = torch.linspace(0, 2, 50, dtype=torch.float64)
y = 1.5 * torch.exp(-0.8 * x) + 0.3
params = torch.tensor([1.0, -0.1, 0.0], dtype=torch.float64, requires_grad=True)
optimizer = torch.optim.LBFGS([params], lr=1, max_iter=50, history_size=10)
print(optimizer)
calls = []


def closure():
    optimizer.zero_grad()
    pred = params[0] * torch.exp(params[1] * x) + params[2]
    loss = ((pred - y) ** 2).mean()
    loss.backward()
    calls.append(loss.item())
    return loss


for step in range(3):
    loss = optimizer.step(closure)
    print(step, f"{loss.item():.6e}", len(calls))
print([round(v, 4) for v in params.tolist()])
state = optimizer.state[params]
print(sorted(state.keys()), state['n_iter'], state['func_evals'])

rng = np.random.default_rng(12)
X = torch.tensor(rng.uniform(-1, 1, (64, 2)), dtype=torch.float64)
Y = torch.sin(math.pi * X[:, :1]) * X[:, 1:]
model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1)).double()
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(rng.uniform(-0.5, 0.5, tuple(p.shape)), dtype=torch.float64))
opt = torch.optim.LBFGS(model.parameters(), lr=0.5, max_iter=20)
loss_fn = nn.MSELoss()


def closure2():
    opt.zero_grad()
    loss = loss_fn(model(X), Y)
    loss.backward()
    return loss


for epoch in range(4):
    loss = opt.step(closure2)
    print(epoch, f"{loss.item():.5f}")
try:
    torch.optim.LBFGS([{'params': [params]}, {'params': list(model.parameters())}])
except ValueError as e:
    print(e)
