"""Univariate forecasting: differencing, sliding windows with Tensor.unfold, a Conv1d forecaster, roll-based lag features."""
import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(9)
t = np.arange(80, dtype=np.float32)
series = torch.tensor(np.sin(t / 6) * 3 + t * 0.05 + rng.normal(0, 0.2, 80), dtype=torch.float32)
print(series[:5])
diffed = torch.diff(series)
print(diffed.shape, torch.diff(series[:6], n=2))
print(torch.allclose(series[0] + torch.cumsum(diffed, 0), series[1:], atol=1e-5))
std, mean = torch.std_mean(diffed)
print(round(std.item(), 4), round(mean.item(), 4))
z = (diffed - mean) / std

window, horizon = 12, 1
windows = z.unfold(0, window + horizon, 1)
print(windows.shape, windows.stride(), windows.is_contiguous())
X, y = windows[:, :window].unsqueeze(1), windows[:, window:]
lagged = torch.roll(z, shifts=1, dims=0)
print(lagged[:3], z[-1:], torch.roll(torch.arange(6).view(2, 3), 1, 1))


class Forecaster(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(1, 4, kernel_size=3, padding=1)
        self.pool = nn.AdaptiveAvgPool1d(4)
        self.fc = nn.Linear(16, horizon)

    def forward(self, x):
        x = torch.relu(self.conv(x))
        return self.fc(self.pool(x).flatten(1))


model = Forecaster()
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(rng.normal(0, 0.3, tuple(p.shape)), dtype=torch.float32))
opt = torch.optim.RMSprop(model.parameters(), lr=0.01)
for epoch in range(4):
    opt.zero_grad()
    pred = model(X)
    loss = nn.functional.mse_loss(pred, y)
    loss.backward()
    opt.step()
    print(f"epoch {epoch} mse {loss.item():.5f}")

xs = torch.linspace(0, 1, 7, requires_grad=True)
wins = xs.unfold(0, 3, 2)
(wins * torch.tensor([1., 2., 3.])).sum().backward()
print(wins.grad_fn, xs.grad)
r = torch.roll(xs, 2)
print(r.grad_fn, torch.diff(xs).grad_fn)
sm = torch.std_mean(xs * 2, dim=0, keepdim=True)
print(sm[0].grad_fn, sm[1].grad_fn is sm[0].grad_fn)
print(torch.var_mean(torch.tensor([[1., 2.], [3., 5.]]), dim=1, correction=0))
