"""A Kim-style text CNN: embeddings, parallel Conv1d filters of widths 2/3/4, max-over-time
pooling, dropout in eval only, trained on a toy keyword task; then the most activating n-grams."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(31)
VOCAB, LEN = 20, 12


def example():
    x = rng.integers(2, VOCAB, LEN)
    label = int(rng.random() < 0.5)
    if label:
        pos = rng.integers(0, LEN - 1)
        x[pos], x[pos + 1] = 0, 1  # the bigram "0 1" marks the positive class
    return x, label


xs, ys = zip(*[example() for _ in range(96)])
X, Y = torch.tensor(np.stack(xs)), torch.tensor(ys)


class TextCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, 8)
        self.convs = nn.ModuleList(nn.Conv1d(8, 6, k) for k in (2, 3, 4))
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(18, 2)

    def forward(self, x):
        e = self.emb(x).transpose(1, 2)                  # (B, 8, L)
        feats = [F.relu(conv(e)) for conv in self.convs]
        pooled = [F.max_pool1d(f, f.size(2)).squeeze(2) for f in feats]
        return self.fc(self.drop(torch.cat(pooled, 1))), feats


model = TextCNN()
g = np.random.default_rng(4)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(g.normal(0, 0.3, tuple(p.shape)), dtype=torch.float32))
print(model)
model.eval()  # dropout off: the run does not depend on the random number generator
logits, feats = model(X[:2])
print([tuple(f.shape) for f in feats], logits.grad_fn.name())

opt = torch.optim.Adagrad(model.parameters(), lr=0.1)
for epoch in range(10):
    perm = rng.permutation(96)
    for i in range(0, 96, 16):
        idx = torch.tensor(perm[i:i + 16])
        logits, _ = model(X[idx])
        loss = F.cross_entropy(logits, Y[idx], label_smoothing=0.1)
        opt.zero_grad()
        loss.backward()
        opt.step()
    if epoch % 3 == 2:
        with torch.no_grad():
            acc = (model(X)[0].argmax(1) == Y).float().mean().item()
        print(f"epoch {epoch}: loss {loss.item():.4f} accuracy {acc:.3f}")

with torch.no_grad():
    _, feats = model(X)
    f2 = feats[0]                                       # width-2 filters: (B, 6, L-1)
    best = f2.amax(dim=(0, 2)).argmax().item()
    scores, where = f2[:, best].max(1)
    top = scores.topk(3).indices
    grams = [X[i, where[i]:where[i] + 2].tolist() for i in top.tolist()]
    print("filter", best, "fires on", grams)
