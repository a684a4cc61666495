"""A tabular MLP: TensorDataset/DataLoader, StepLR, early stopping on validation, state_dict round trip through io.BytesIO."""
import copy
import io
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(4)
X = rng.standard_normal((96, 6)).astype(np.float32)
w_true = rng.standard_normal(6).astype(np.float32)
y = ((X @ w_true + 0.3 * rng.standard_normal(96)) > 0).astype(np.int64)
X_train, X_val = torch.from_numpy(X[:64]), torch.from_numpy(X[64:])
y_train, y_val = torch.from_numpy(y[:64]), torch.from_numpy(y[64:])
mean, std = X_train.mean(dim=0), X_train.std(dim=0)
X_train, X_val = (X_train - mean) / std, (X_val - mean) / std

train_ds = TensorDataset(X_train, y_train)
val_ds = TensorDataset(X_val, y_val)
train_loader = DataLoader(train_ds, batch_size=16, shuffle=False)
val_loader = DataLoader(val_ds, batch_size=32)
print(len(train_ds), len(train_loader), len(val_loader))


class TabularMLP(nn.Module):
    def __init__(self, n_features, hidden=(16, 8), n_classes=2, p=0.0):
        super().__init__()
        layers, d = [], n_features
        for h in hidden:
            layers += [nn.Linear(d, h), nn.BatchNorm1d(h), nn.ReLU(), nn.Dropout(p)]
            d = h
        layers.append(nn.Linear(d, n_classes))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


model = TabularMLP(6)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy(rng.normal(0, 0.4, tuple(p.shape)).astype(np.float32)))
print(model)
print(list(model.state_dict().keys()))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
loss_fn = nn.CrossEntropyLoss()


def evaluate(m):
    m.eval()
    correct, total, loss = 0, 0, 0.0
    with torch.no_grad():
        for xb, yb in val_loader:
            out = m(xb)
            loss += loss_fn(out, yb).item() * len(yb)
            correct += (out.argmax(1) == yb).sum().item()
            total += len(yb)
    return loss / total, correct / total


best_loss, best_state = float("inf"), None
for epoch in range(5):
    model.train()
    running = 0.0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        running += loss.item()
    scheduler.step()
    val_loss, val_acc = evaluate(model)
    print(f"epoch {epoch}: train {running / len(train_loader):.4f} val {val_loss:.4f} acc {val_acc:.3f} lr {scheduler.get_last_lr()[0]:.4f}")
    if val_loss < best_loss:
        best_loss, best_state = val_loss, copy.deepcopy(model.state_dict())

buffer = io.BytesIO()
torch.save({"model": best_state, "optimizer": optimizer.state_dict(), "epoch": epoch}, buffer)
buffer.seek(0)
checkpoint = torch.load(buffer, weights_only=True)
restored = TabularMLP(6)
print(restored.load_state_dict(checkpoint["model"]))
print(checkpoint["epoch"], checkpoint["optimizer"]["param_groups"][0]["lr"], sorted(checkpoint["optimizer"]["param_groups"][0]))
print(evaluate(restored) == (best_loss, evaluate(restored)[1]))
print(restored.net[1].running_var[:3], restored.net[1].num_batches_tracked)
print(len(checkpoint["optimizer"]["state"]), checkpoint["optimizer"]["state"][0]["momentum_buffer"].shape)
