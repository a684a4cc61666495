"""Time-series forecasting with a GRU: sliding windows over noisy sine waves, a 2-layer GRU
encoder with a linear head predicting the next 3 values, Huber loss, gradient clipping by value,
evaluation with torch.inference_mode, and an autoregressive rollout."""
import math

import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(51)
t = np.arange(340) * 0.1
series = np.sin(t) + 0.5 * np.sin(0.3 * t) + rng.normal(0, 0.05, t.shape)
W, H = 20, 3
windows = np.stack([series[i:i + W] for i in range(len(series) - W - H)])
targets = np.stack([series[i + W:i + W + H] for i in range(len(series) - W - H)])
X = torch.tensor(windows, dtype=torch.float32).unsqueeze(-1)
Y = torch.tensor(targets, dtype=torch.float32)
X_train, Y_train, X_test, Y_test = X[:200], Y[:200], X[300:], Y[300:]
print("train:", tuple(X_train.shape), "test:", tuple(X_test.shape))


class Forecaster(nn.Module):
    def __init__(self, hidden=16):
        super().__init__()
        self.gru = nn.GRU(1, hidden, num_layers=2, batch_first=True)
        self.head = nn.Linear(hidden, H)

    def forward(self, x, h=None):
        out, h = self.gru(x, h)
        return self.head(out[:, -1]), h


model = Forecaster()
g = np.random.default_rng(5)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(g.uniform(-0.25, 0.25, tuple(p.shape)), dtype=torch.float32))
print(model)

loss_fn = nn.HuberLoss(delta=0.5)
opt = torch.optim.RMSprop(model.parameters(), lr=0.005, alpha=0.9)
for epoch in range(4):
    perm = torch.tensor(rng.permutation(200))
    for i in range(0, 200, 50):
        idx = perm[i:i + 50]
        pred, _ = model(X_train[idx])
        loss = loss_fn(pred, Y_train[idx])
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_value_(model.parameters(), 0.5)
        opt.step()
    with torch.inference_mode():
        test_pred, _ = model(X_test)
        mse = ((test_pred - Y_test) ** 2).mean().item()
    print(f"epoch {epoch}: train {loss.item():.4f} test rmse {math.sqrt(mse):.4f}")

print("inference tensors need no grad:", test_pred.requires_grad)
with torch.no_grad():
    window = X_test[:1]
    rollout = []
    for _ in range(4):
        pred, _ = model(window)
        rollout.extend(pred[0].tolist())
        window = torch.cat([window[:, H:], pred.unsqueeze(-1)], dim=1)
    print("rollout:", [round(v, 3) for v in rollout])
    print("truth:  ", [round(v, 3) for v in series[320:332].tolist()])
