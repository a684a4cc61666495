"""The training-loop boilerplate of most tutorials: a custom Dataset, a Subset split, DataLoader batches, BatchNorm1d/Dropout train-vs-eval, ReduceLROnPlateau,
and a checkpoint round trip through torch.save / torch.load."""
import io

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, Subset


class Spirals(Dataset):
    def __init__(self, n, seed):
        r = np.random.default_rng(seed)
        t = r.uniform(0.5, 3.0, n)
        k = r.integers(0, 2, n)
        x = np.stack([t * np.cos(t + np.pi * k), t * np.sin(t + np.pi * k)], 1) + r.normal(0, 0.1, (n, 2))
        self.x = torch.tensor(x, dtype=torch.float32)
        self.y = torch.tensor(k, dtype=torch.long)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


data = Spirals(200, 0)
# random_split(data, [160, 40], generator=...) would draw the permutation from torch's generator;
# numpy's keeps the split identical across libraries.
order = np.random.default_rng(0).permutation(len(data)).tolist()
train_set, val_set = Subset(data, order[:160]), Subset(data, order[160:])
print("split sizes:", len(train_set), len(val_set))
train_loader = DataLoader(train_set, batch_size=32, shuffle=False, drop_last=True)
val_loader = DataLoader(val_set, batch_size=64)
xb, yb = next(iter(train_loader))
print("batch:", xb.shape, yb.shape, yb.dtype, "batches per epoch:", len(train_loader))

model = nn.Sequential(nn.Linear(2, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.0), nn.Linear(32, 32),
                      nn.ReLU(), nn.Linear(32, 2))
g = np.random.default_rng(1)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(g.normal(0, 0.4, tuple(p.shape)), dtype=torch.float32))
opt = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.9, nesterov=True, weight_decay=1e-4)
plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=1)
loss_fn = nn.CrossEntropyLoss()


def evaluate():
    model.eval()
    total, correct = 0.0, 0
    with torch.no_grad():
        for x, y in val_loader:
            out = model(x)
            total += loss_fn(out, y).item() * len(y)
            correct += (out.argmax(1) == y).sum().item()
    return total / len(val_set), correct / len(val_set)


for epoch in range(8):
    model.train()
    for x, y in train_loader:
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    val_loss, acc = evaluate()
    plateau.step(val_loss)
    print(f"epoch {epoch}: train {loss.item():.4f} val {val_loss:.4f} acc {acc:.3f} lr {opt.param_groups[0]['lr']}")

buffer = io.BytesIO()
torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 8}, buffer)
buffer.seek(0)
checkpoint = torch.load(buffer)
print("checkpoint keys:", sorted(checkpoint), "epoch:", checkpoint["epoch"])
print("state_dict keys:", list(checkpoint["model"])[:6])
restored = nn.Sequential(nn.Linear(2, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.0), nn.Linear(32, 32),
                         nn.ReLU(), nn.Linear(32, 2))
print(restored.load_state_dict(checkpoint["model"]))
restored.eval()
model.eval()
with torch.no_grad():
    print("same predictions:", torch.equal(restored(data.x), model(data.x)))
print("momentum buffers:", len(checkpoint["optimizer"]["state"]), checkpoint["optimizer"]["param_groups"][0]["nesterov"])
print("running_var:", model[1].running_var[:4])
