"""Metric learning with a siamese MLP: triplet margin loss on 2-D clusters, then the same
network scored with cosine-embedding and contrastive (pairwise distance) losses."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(17)
centers = np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, 2.5]])
labels = rng.integers(0, 3, 120)
points = torch.tensor(centers[labels] + rng.normal(0, 0.7, (120, 2)), dtype=torch.float32)
labels = torch.tensor(labels)

net = nn.Sequential(nn.Linear(2, 16), nn.SiLU(), nn.Linear(16, 16), nn.LayerNorm(16, bias=False), nn.Linear(16, 4, bias=False))
# (No bias after the last nonlinearity: distances cancel it, so its gradient is rounding noise that
# Adam would amplify.)
g = np.random.default_rng(3)
with torch.no_grad():
    for p in net.parameters():
        if p.dim() == 2:
            p.copy_(torch.tensor(g.normal(0, 0.5, tuple(p.shape)), dtype=torch.float32))
        elif p is not net[3].weight:
            p.zero_()
print(net)


def triplets(n):
    a = rng.integers(0, 120, n)
    pos = np.array([rng.choice(np.nonzero(labels.numpy() == labels[i].item())[0]) for i in a])
    neg = np.array([rng.choice(np.nonzero(labels.numpy() != labels[i].item())[0]) for i in a])
    return torch.tensor(a), torch.tensor(pos), torch.tensor(neg)


triplet = nn.TripletMarginLoss(margin=1.0, p=2)
opt = torch.optim.Adam(net.parameters(), lr=0.02)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=20)
for step in range(20):
    a, p, n = triplets(32)
    emb = net(points)
    loss = triplet(emb[a], emb[p], emb[n])
    opt.zero_grad()
    loss.backward()
    opt.step()
    sched.step()
    if step % 5 == 4:
        print(f"step {step + 1}: triplet loss {loss.item():.4f} lr {sched.get_last_lr()[0]:.5f}")

with torch.no_grad():
    emb = F.normalize(net(points), dim=1)
    centroids = torch.stack([emb[labels == k].mean(0) for k in range(3)])
    pred = torch.cdist(emb, centroids).argmin(1)
    print("nearest-centroid accuracy:", (pred == labels).float().mean().item())

a, p, n = triplets(16)
emb = net(points)
same = (labels[a] == labels[p]).float() * 2 - 1
cos_loss = F.cosine_embedding_loss(emb[a], emb[n], -torch.ones(16))
d = F.pairwise_distance(emb[a], emb[p])
contrastive = (d ** 2).mean()
print("cosine embedding loss:", round(cos_loss.item(), 4), cos_loss.grad_fn.name())
print("pairwise distance:", d.shape, d.grad_fn.name())
(cos_loss + contrastive).backward()
print("grad norms:", [round(q.grad.norm().item(), 4) for q in net.parameters()][:3])
