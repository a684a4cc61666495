"""Skip-gram word2vec with negative sampling on a toy corpus, then nearest neighbours by
cosine similarity -- the embedding tutorial pattern (two nn.Embedding tables, bmm scores,
logsigmoid loss, topk over similarities)."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

corpus = ("the king rules the kingdom . the queen rules the kingdom . "
          "a man walks the dog . a woman walks the dog . "
          "the king and the queen walk . the man and the woman walk .").split()
vocab = sorted(set(corpus))
idx = {w: i for i, w in enumerate(vocab)}
ids = [idx[w] for w in corpus]
rng = np.random.default_rng(13)

pairs = [(ids[i], ids[j]) for i in range(len(ids)) for j in range(max(0, i - 2), min(len(ids), i + 3)) if i != j]
counts = np.bincount(ids, minlength=len(vocab)).astype(np.float64)
noise = counts ** 0.75 / (counts ** 0.75).sum()
print("vocabulary:", len(vocab), "pairs:", len(pairs))


class SkipGram(nn.Module):
    def __init__(self, n, dim):
        super().__init__()
        self.center = nn.Embedding(n, dim)
        self.context = nn.Embedding(n, dim)

    def forward(self, center, context, negatives):
        c = self.center(center).unsqueeze(2)                      # (B, D, 1)
        pos = torch.bmm(self.context(context).unsqueeze(1), c)    # (B, 1, 1)
        neg = torch.bmm(self.context(negatives), c)               # (B, K, 1)
        return -(F.logsigmoid(pos).sum() + F.logsigmoid(-neg).sum()) / center.size(0)


model = SkipGram(len(vocab), 8)
g = np.random.default_rng(0)
with torch.no_grad():
    model.center.weight.copy_(torch.tensor(g.uniform(-0.5, 0.5, (len(vocab), 8)), dtype=torch.float32))
    model.context.weight.zero_()
opt = torch.optim.SGD(model.parameters(), lr=0.5)
pairs = np.array(pairs)
for epoch in range(30):
    order = rng.permutation(len(pairs))
    total = 0.0
    for start in range(0, len(pairs), 32):
        batch = pairs[order[start:start + 32]]
        negs = rng.choice(len(vocab), size=(len(batch), 4), p=noise)
        loss = model(torch.tensor(batch[:, 0]), torch.tensor(batch[:, 1]), torch.tensor(negs))
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(batch)
    if epoch % 10 == 9:
        print(f"epoch {epoch + 1}: loss {total / len(pairs):.4f}")

emb = F.normalize(model.center.weight.detach(), dim=1)
sims = emb @ emb.t()
for word in ("king", "man", "walks"):
    values, nearest = sims[idx[word]].topk(3)
    print(word, "->", [vocab[i] for i in nearest.tolist()], values.round(decimals=3).tolist())
print("cosine(king, queen):", round(F.cosine_similarity(emb[idx["king"]], emb[idx["queen"]], dim=0).item(), 4))
print("embedding grad is dense:", model.center.weight.grad.layout)
