"""Classify variable-length token sequences with a bidirectional LSTM over packed sequences.

The classic "pack_padded_sequence" recipe: embed padded batches, pack them (unsorted lengths),
run a 2-layer bidirectional LSTM, unpack, pool over the real time steps and classify.
Data and initial weights come from numpy so the run is reproducible across libraries.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

rng = np.random.default_rng(7)
VOCAB, PAD = 12, 0


def make_example():
    # Label 1 when token 3 occurs more often than token 4: the model must read the whole sequence.
    n = int(rng.integers(2, 9))
    tokens = rng.integers(1, VOCAB, n)
    label = int((tokens == 3).sum() > (tokens == 4).sum())
    return torch.tensor(tokens, dtype=torch.long), label


data = [make_example() for _ in range(48)]


class Classifier(nn.Module):
    def __init__(self, vocab, emb=8, hidden=10, classes=2):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb, padding_idx=PAD)
        self.lstm = nn.LSTM(emb, hidden, num_layers=2, bidirectional=True, batch_first=True)
        self.head = nn.Linear(2 * hidden, classes)

    def forward(self, tokens, lengths):
        embedded = self.embedding(tokens)
        packed = pack_padded_sequence(embedded, lengths, batch_first=True, enforce_sorted=False)
        packed_out, (h_n, c_n) = self.lstm(packed)
        out, out_lengths = pad_packed_sequence(packed_out, batch_first=True)
        mask = (torch.arange(out.size(1))[None, :] < out_lengths[:, None]).unsqueeze(-1)
        pooled = (out * mask).sum(1) / out_lengths[:, None].float()
        return self.head(pooled), h_n


def numpy_init(model, seed):
    g = np.random.default_rng(seed)
    with torch.no_grad():
        for _, p in model.named_parameters():
            p.copy_(torch.tensor(g.uniform(-0.3, 0.3, tuple(p.shape)), dtype=p.dtype))
        model.embedding.weight[PAD].zero_()


model = Classifier(VOCAB)
numpy_init(model, 0)
print(model)
print("parameters:", sum(p.numel() for p in model.parameters()))

seqs, labels = zip(*data[:4])
lengths = torch.tensor([len(s) for s in seqs])
padded = pad_sequence(seqs, batch_first=True, padding_value=PAD)
print("padded batch:", tuple(padded.shape), "lengths:", lengths.tolist())
packed = pack_padded_sequence(model.embedding(padded), lengths, batch_first=True, enforce_sorted=False)
print("batch_sizes:", packed.batch_sizes.tolist())
print("sorted_indices:", packed.sorted_indices.tolist(), "unsorted_indices:", packed.unsorted_indices.tolist())
print("packed data grad_fn:", type(packed.data.grad_fn).__name__)

optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
batch = 8
for epoch in range(6):
    total, correct = 0.0, 0
    for i in range(0, len(data), batch):
        seqs, labels = zip(*data[i:i + batch])
        lengths = torch.tensor([len(s) for s in seqs])
        tokens = pad_sequence(seqs, batch_first=True, padding_value=PAD)
        target = torch.tensor(labels)
        logits, _ = model(tokens, lengths)
        loss = F.cross_entropy(logits, target)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        total += loss.item() * len(labels)
        correct += (logits.argmax(1) == target).sum().item()
    print(f"epoch {epoch}: loss {total / len(data):.4f} accuracy {correct / len(data):.3f}")

print("padding row of the embedding stays zero:", model.embedding.weight[PAD].abs().sum().item() == 0.0)
with torch.no_grad():
    seqs, labels = zip(*data[:5])
    lengths = torch.tensor([len(s) for s in seqs])
    logits, h_n = model(pad_sequence(seqs, batch_first=True), lengths)
    print("h_n:", tuple(h_n.shape))
    print("probabilities:", F.softmax(logits, 1).round(decimals=3))
