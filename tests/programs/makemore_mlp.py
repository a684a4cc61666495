"""makemore style: a bigram count model and a character MLP (embedding table C, tanh layer)."""
import numpy as np
import torch
import torch.nn.functional as F

words = ['emma', 'olivia', 'ava', 'isabella', 'sophia', 'charlotte', 'mia', 'amelia', 'harper', 'evelyn',
         'abigail', 'emily', 'elizabeth', 'mila', 'ella', 'avery', 'sofia', 'camila', 'aria', 'scarlett']
print(len(words), min(len(w) for w in words), max(len(w) for w in words))
chars = sorted(list(set(''.join(words))))
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi['.'] = 0
itos = {i: s for s, i in stoi.items()}
V = len(stoi)
print(V, itos[1], itos[V - 1])

# Bigram counts.
N = torch.zeros((V, V), dtype=torch.int32)
for w in words:
    chs = ['.'] + list(w) + ['.']
    for ch1, ch2 in zip(chs, chs[1:]):
        N[stoi[ch1], stoi[ch2]] += 1
print(N.dtype, N.sum().item(), N[0, :6], N.max())
P = (N + 1).float()
P /= P.sum(1, keepdims=True)
print(P.shape, P[0].sum().round(decimals=4), P.dtype)
log_likelihood = 0.0
n = 0
for w in words:
    chs = ['.'] + list(w) + ['.']
    for ch1, ch2 in zip(chs, chs[1:]):
        prob = P[stoi[ch1], stoi[ch2]]
        log_likelihood += torch.log(prob)
        n += 1
nll = -log_likelihood
print(f'{log_likelihood=:.4f}', f'{nll/n:.4f}', type(log_likelihood).__name__)

# The bigram as a one-layer net on one-hot inputs.
xs, ys = [], []
for w in words:
    chs = ['.'] + list(w) + ['.']
    for ch1, ch2 in zip(chs, chs[1:]):
        xs.append(stoi[ch1])
        ys.append(stoi[ch2])
xs = torch.tensor(xs)
ys = torch.tensor(ys)
num = xs.nelement()
print('number of examples: ', num, xs.dtype)
rng = np.random.default_rng(10)
W = torch.tensor(rng.standard_normal((V, V)), dtype=torch.float32, requires_grad=True)
xenc = F.one_hot(xs, num_classes=V).float()
print(xenc.shape, xenc.dtype, F.one_hot(torch.tensor([0, 2])))
for k in range(30):
    logits = xenc @ W  # predict log-counts
    counts = logits.exp()  # counts, equivalent to N
    probs = counts / counts.sum(1, keepdims=True)
    loss = -probs[torch.arange(num), ys].log().mean() + 0.01 * (W ** 2).mean()
    if k % 10 == 0:
        print(k, f'{loss.item():.4f}')
    W.grad = None
    loss.backward()
    W.data += -10 * W.grad
print(loss.grad_fn, probs.grad_fn, logits.grad_fn)

# The MLP: context of 3 characters, 2-d embeddings.
block_size = 3
X, Y = [], []
for w in words:
    context = [0] * block_size
    for ch in w + '.':
        ix = stoi[ch]
        X.append(context)
        Y.append(ix)
        context = context[1:] + [ix]
X = torch.tensor(X)
Y = torch.tensor(Y)
print(X.shape, X.dtype, Y.shape, Y.dtype)
C = torch.tensor(rng.standard_normal((V, 2)), dtype=torch.float32)
W1 = torch.tensor(rng.standard_normal((6, 100)) * 0.3, dtype=torch.float32)
b1 = torch.tensor(rng.standard_normal(100) * 0.1, dtype=torch.float32)
W2 = torch.tensor(rng.standard_normal((100, V)) * 0.1, dtype=torch.float32)
b2 = torch.zeros(V)
parameters = [C, W1, b1, W2, b2]
print(sum(p.nelement() for p in parameters))
for p in parameters:
    p.requires_grad = True
emb = C[X]
print(emb.shape, torch.cat([emb[:, 0, :], emb[:, 1, :], emb[:, 2, :]], 1).shape, torch.cat(torch.unbind(emb, 1), 1).shape)
lre = torch.linspace(-3, 0, 1000)
lrs = 10 ** lre
print(lrs[0].item() < lrs[-1].item(), lre.dtype)
lossi = []
for i in range(40):
    ix = torch.arange(i * 4, i * 4 + 32) % X.shape[0]
    emb = C[X[ix]]  # (32, 3, 2)
    h = torch.tanh(emb.view(-1, 6) @ W1 + b1)  # (32, 100)
    logits = h @ W2 + b2  # (32, 27)
    loss = F.cross_entropy(logits, Y[ix])
    for p in parameters:
        p.grad = None
    loss.backward()
    lr = 0.1 if i < 30 else 0.01
    for p in parameters:
        p.data += -lr * p.grad
    lossi.append(loss.log10().item())
print(f'{loss.item():.4f}', len(lossi), f'{lossi[0]:.4f}')
emb = C[X]
h = torch.tanh(emb.view(-1, 6) @ W1 + b1)
logits = h @ W2 + b2
loss = F.cross_entropy(logits, Y)
print(f'{loss.item():.4f}', h.shape, (h.abs() > 0.99).float().mean().item() < 1.0)
print(emb.grad_fn, h.grad_fn.next_functions)
