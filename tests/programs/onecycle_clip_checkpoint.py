"""A training loop with OneCycleLR, gradient clipping and a state_dict checkpoint round trip."""
import io
import os
import tempfile
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset, random_split

rng = np.random.default_rng(9)
X = torch.tensor(rng.standard_normal((96, 5)), dtype=torch.float32)
w_true = torch.tensor([[1.5], [-2.0], [0.5], [0.0], [3.0]])
y = X @ w_true + 0.1 * torch.tensor(rng.standard_normal((96, 1)), dtype=torch.float32)
dataset = TensorDataset(X, y)
print(len(dataset), dataset[0][0].shape, dataset[0][1])
train_set, val_set = random_split(dataset, [80, 16], generator=torch.Generator().manual_seed(0))
print(len(train_set), len(val_set), type(train_set).__name__)
loader = DataLoader(dataset, batch_size=16, shuffle=False, drop_last=True)
print(len(loader))

model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 1))
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(rng.uniform(-0.5, 0.5, tuple(p.shape)), dtype=torch.float32))
optimizer = torch.optim.AdamW(model.parameters(), lr=0.01, weight_decay=0.01)
epochs = 4
scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.05, steps_per_epoch=len(loader), epochs=epochs)
loss_fn = nn.MSELoss()
lrs = []
for epoch in range(epochs):
    model.train()
    total = 0.0
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
        scheduler.step()
        lrs.append(scheduler.get_last_lr()[0])
        total += loss.item()
    print(f"epoch {epoch}: loss {total / len(loader):.4f} grad-norm {norm.item():.4f} lr {lrs[-1]:.6f}")
print([round(lr, 5) for lr in lrs[:6]])
print(optimizer)
print(sorted(scheduler.state_dict())[:5])

# Checkpoint round trip, to a file and to a buffer.
state = model.state_dict()
print(list(state.keys()), type(state).__name__)
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, 'model.pt')
    torch.save({'epoch': epochs, 'model_state_dict': state,
                'optimizer_state_dict': optimizer.state_dict()}, path)
    checkpoint = torch.load(path, weights_only=True)
restored = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 1))
print(restored.load_state_dict(checkpoint['model_state_dict']))
restored_opt = torch.optim.AdamW(restored.parameters(), lr=0.01)
restored_opt.load_state_dict(checkpoint['optimizer_state_dict'])
print(checkpoint['epoch'], restored_opt.param_groups[0]['weight_decay'], len(restored_opt.state))
restored.eval()
with torch.no_grad():
    same = all(torch.equal(a, b) for a, b in zip(model.parameters(), restored.parameters()))
    print(same, torch.equal(model(X), restored(X)))
buffer = io.BytesIO()
torch.save(model[0].weight, buffer)
buffer.seek(0)
w = torch.load(buffer)
print(w.shape, w.requires_grad, torch.equal(w, model[0].weight))
try:
    restored.load_state_dict({'0.weight': torch.zeros(8, 5)})
except RuntimeError as e:
    print(type(e).__name__, str(e).splitlines()[0])
print(restored.load_state_dict({'0.weight': torch.zeros(8, 5)}, strict=False))
