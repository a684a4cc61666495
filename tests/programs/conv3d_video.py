"""A small 3-D CNN that tells moving blobs from still ones in synthetic video clips.

Clips are (channels, frames, height, width); the network is Conv3d -> BatchNorm3d -> ReLU ->
MaxPool3d -> Conv3d -> AdaptiveAvgPool3d -> Linear, trained with SGD + momentum and a StepLR
schedule, then evaluated in eval mode (running statistics).
"""
import numpy as np
import torch
from torch import nn

rng = np.random.default_rng(3)


def clip(moving):
    frames = np.zeros((1, 6, 8, 8), dtype=np.float32)
    r, c = rng.integers(1, 5, 2)
    dr, dc = (rng.choice([-1, 1]), rng.choice([-1, 1])) if moving else (0, 0)
    for t in range(6):
        rr, cc = int(np.clip(r + dr * t // 2, 0, 6)), int(np.clip(c + dc * t // 2, 0, 6))
        frames[0, t, rr:rr + 2, cc:cc + 2] = 1.0
    return frames + rng.normal(0, 0.1, frames.shape).astype(np.float32)


labels = rng.integers(0, 2, 40)
videos = torch.tensor(np.stack([clip(bool(y)) for y in labels]))
targets = torch.tensor(labels)
print("videos:", videos.shape, videos.dtype)


class VideoNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv3d(1, 4, kernel_size=3, padding=1),
            nn.BatchNorm3d(4),
            nn.ReLU(),
            nn.MaxPool3d(2),
            nn.Conv3d(4, 6, kernel_size=(3, 3, 3), padding=(1, 1, 1)),
            nn.ReLU(),
            nn.AvgPool3d(kernel_size=(1, 2, 2)),
            nn.AdaptiveAvgPool3d((1, 1, 1)),
        )
        self.classifier = nn.Linear(6, 2)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


model = VideoNet()
g = np.random.default_rng(11)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(g.normal(0, 0.3, tuple(p.shape)), dtype=torch.float32))
print(model)

x = videos[:2]
for layer in model.features:
    x = layer(x)
    print(f"{type(layer).__name__:>18} -> {tuple(x.shape)}")

out = model(videos[:4])
fn, names = out.grad_fn, []
while fn is not None:
    names.append(fn.name())
    nxt = [f for f, _ in fn.next_functions if f is not None and "AccumulateGrad" not in f.name()]
    fn = nxt[0] if nxt else None
print(" <- ".join(names))

opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=4, gamma=0.5)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(8):
    model.train()
    for i in range(0, 40, 10):
        loss = loss_fn(model(videos[i:i + 10]), targets[i:i + 10])
        opt.zero_grad()
        loss.backward()
        opt.step()
    sched.step()
    model.eval()
    with torch.no_grad():
        acc = (model(videos).argmax(1) == targets).float().mean().item()
    print(f"epoch {epoch} lr {sched.get_last_lr()[0]:.4f} last loss {loss.item():.4f} acc {acc:.3f}")

bn = model.features[1]
print("running_mean:", bn.running_mean)
print("num_batches_tracked:", bn.num_batches_tracked.item())
print("conv1 weight grad norm:", round(model.features[0].weight.grad.norm().item(), 4))
