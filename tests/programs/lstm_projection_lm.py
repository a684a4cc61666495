"""A character-level language model with a projected LSTM (``proj_size``), trained with
truncated backpropagation through time: the hidden state is carried across chunks and
detached, as in the word-language-model example.
"""
import math

import numpy as np
import torch
import torch.nn as nn

text = "the quick brown fox jumps over the lazy dog. " * 4
chars = sorted(set(text))
stoi = {c: i for i, c in enumerate(chars)}
data = torch.tensor([stoi[c] for c in text])
print("vocabulary:", len(chars), "characters:", len(data))


class CharLM(nn.Module):
    def __init__(self, vocab, emb=12, hidden=24, proj=8):
        super().__init__()
        self.encoder = nn.Embedding(vocab, emb)
        self.rnn = nn.LSTM(emb, hidden, num_layers=2, proj_size=proj)
        self.decoder = nn.Linear(proj, vocab)

    def forward(self, x, state=None):
        out, state = self.rnn(self.encoder(x), state)
        return self.decoder(out), state


model = CharLM(len(chars))
g = np.random.default_rng(4)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(g.uniform(-0.2, 0.2, tuple(p.shape)), dtype=torch.float32))
print(model)
for name, p in model.rnn.named_parameters():
    print(f"  {name}: {tuple(p.shape)}")

batch, bptt = 4, 10
usable = (len(data) - 1) // batch * batch
inputs = data[:usable].view(batch, -1).t().contiguous()
targets = data[1:usable + 1].view(batch, -1).t().contiguous()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.03)
scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.9)

out, (h, c) = model(inputs[:bptt])
print("output:", tuple(out.shape), "h:", tuple(h.shape), "c:", tuple(c.shape))

for epoch in range(10):
    state, total, count = None, 0.0, 0
    for i in range(0, inputs.size(0) - 1, bptt):
        x, y = inputs[i:i + bptt], targets[i:i + bptt]
        if state is not None:
            state = tuple(s.detach() for s in state)
        logits, state = model(x, state)
        loss = criterion(logits.view(-1, len(chars)), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        optimizer.step()
        total += loss.item() * y.numel()
        count += y.numel()
    scheduler.step()
    print(f"epoch {epoch}: loss {total / count:.4f} perplexity {math.exp(total / count):.2f}")

with torch.no_grad():
    x = torch.tensor([stoi[c] for c in "the "]).unsqueeze(1)
    logits, state = model(x)
    generated = "the "
    for _ in range(20):
        nxt = logits[-1, 0].argmax().item()
        generated += chars[nxt]
        logits, state = model(torch.tensor([[nxt]]), state)
print("greedy:", repr(generated))
