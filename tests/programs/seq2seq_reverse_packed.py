"""Sequence-to-sequence: learn to reverse digit strings with a packed GRU encoder and an
attention decoder (Bahdanau-style additive scores), trained with teacher forcing, decoded greedily.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

SOS, EOS, PAD = 10, 11, 12
VOCAB = 13
rng = np.random.default_rng(21)


def pair():
    n = int(rng.integers(2, 6))
    src = rng.integers(0, 10, n).tolist()
    return torch.tensor(src + [EOS]), torch.tensor([SOS] + src[::-1] + [EOS])


class EncoderRNN(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, hidden, padding_idx=PAD)
        self.gru = nn.GRU(hidden, hidden, bidirectional=True)
        self.bridge = nn.Linear(2 * hidden, hidden)

    def forward(self, src, lengths):
        packed = pack_padded_sequence(self.embedding(src), lengths, enforce_sorted=False)
        outputs, hidden = self.gru(packed)
        outputs, _ = pad_packed_sequence(outputs, padding_value=0.0)
        hidden = torch.tanh(self.bridge(torch.cat([hidden[0], hidden[1]], dim=1)))
        return self.bridge(outputs), hidden


class AttnDecoder(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, hidden)
        self.W_q = nn.Linear(hidden, hidden, bias=False)
        self.W_k = nn.Linear(hidden, hidden, bias=False)
        self.v = nn.Linear(hidden, 1, bias=False)
        self.cell = nn.GRUCell(2 * hidden, hidden)
        self.out = nn.Linear(hidden, VOCAB)

    def forward(self, token, hidden, enc_out, mask):
        scores = self.v(torch.tanh(self.W_q(hidden).unsqueeze(0) + self.W_k(enc_out))).squeeze(-1)
        scores = scores.masked_fill(mask, float("-inf"))
        weights = F.softmax(scores, dim=0)
        context = (weights.unsqueeze(-1) * enc_out).sum(0)
        hidden = self.cell(torch.cat([self.embedding(token), context], dim=1), hidden)
        return self.out(hidden), hidden, weights


H = 16
encoder, decoder = EncoderRNN(H), AttnDecoder(H)
g = np.random.default_rng(2)
with torch.no_grad():
    for module in (encoder, decoder):
        for p in module.parameters():
            p.copy_(torch.tensor(g.uniform(-0.25, 0.25, tuple(p.shape)), dtype=torch.float32))
print(encoder)
print(decoder)

params = list(encoder.parameters()) + list(decoder.parameters())
optimizer = torch.optim.Adam(params, lr=0.04)
train = [pair() for _ in range(32)]


def run_batch(batch, teacher=True):
    srcs, tgts = zip(*batch)
    lengths = torch.tensor([len(s) for s in srcs])
    src = pad_sequence(srcs, padding_value=PAD)
    tgt = pad_sequence(tgts, padding_value=PAD)
    enc_out, hidden = encoder(src, lengths)
    mask = src == PAD
    token, loss, steps = tgt[0], 0.0, 0
    for t in range(1, tgt.size(0)):
        logits, hidden, _ = decoder(token, hidden, enc_out, mask)
        loss = loss + F.cross_entropy(logits, tgt[t], ignore_index=PAD)
        steps += 1
        token = tgt[t] if teacher else logits.argmax(1)
    return loss / steps


for epoch in range(12):
    total = 0.0
    for i in range(0, len(train), 16):
        loss = run_batch(train[i:i + 16])
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 5.0)
        optimizer.step()
        total += loss.item()
    if epoch % 4 == 3:
        print(f"epoch {epoch}: loss {total / 2:.4f}")


def translate(digits):
    with torch.no_grad():
        src = torch.tensor(digits + [EOS]).unsqueeze(1)
        enc_out, hidden = encoder(src, torch.tensor([len(digits) + 1]))
        token, out, attn_rows = torch.tensor([SOS]), [], []
        for _ in range(len(digits) + 2):
            logits, hidden, weights = decoder(token, hidden, enc_out, src == PAD)
            token = logits.argmax(1)
            attn_rows.append(weights[:, 0])
            if token.item() == EOS:
                break
            out.append(token.item())
        return out, torch.stack(attn_rows)


for digits in ([1, 2, 3], [4, 0, 7, 7]):
    out, attn = translate(digits)
    print(digits, "->", out)
    print("attention:\n", attn.round(decimals=2))
