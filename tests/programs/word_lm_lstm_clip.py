"""The word_language_model example's LSTM loop: batchify, bptt chunks, repackage_hidden, clip_grad_norm_."""
import math
import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(8)


class RNNModel(nn.Module):
    def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.5, tie_weights=False):
        super(RNNModel, self).__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        if tie_weights:
            self.decoder.weight = self.encoder.weight
        self.init_weights()
        self.rnn_type = rnn_type
        self.nhid = nhid
        self.nlayers = nlayers

    def init_weights(self):
        initrange = 0.1
        with torch.no_grad():
            self.encoder.weight.copy_(torch.tensor(rng.uniform(-initrange, initrange, tuple(self.encoder.weight.shape)), dtype=torch.float32))
            nn.init.zeros_(self.decoder.bias)
            self.decoder.weight.copy_(torch.tensor(rng.uniform(-initrange, initrange, tuple(self.decoder.weight.shape)), dtype=torch.float32))
            for p in self.rnn.parameters():
                p.copy_(torch.tensor(rng.uniform(-0.2, 0.2, tuple(p.shape)), dtype=torch.float32))

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output)
        decoded = decoded.view(-1, self.ntoken)
        return nn.functional.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        if self.rnn_type == 'LSTM':
            return (weight.new_zeros(self.nlayers, bsz, self.nhid),
                    weight.new_zeros(self.nlayers, bsz, self.nhid))
        return weight.new_zeros(self.nlayers, bsz, self.nhid)


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    data = data.narrow(0, 0, nbatch * bsz)
    data = data.view(bsz, -1).t().contiguous()
    return data


def repackage_hidden(h):
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


bptt = 5
def get_batch(source, i):
    seq_len = min(bptt, len(source) - 1 - i)
    data = source[i:i + seq_len]
    target = source[i + 1:i + 1 + seq_len].view(-1)
    return data, target


ntokens = 20
corpus = torch.tensor(rng.integers(0, ntokens, 123), dtype=torch.long)
train_data = batchify(corpus, 4)
print(train_data.shape, train_data.is_contiguous(), train_data[:2])
model = RNNModel('LSTM', ntokens, 10, 10, 2, dropout=0.0, tie_weights=True)
print(model)
criterion = nn.NLLLoss()
lr, clip = 5.0, 0.25

model.train()
total_loss = 0.
hidden = model.init_hidden(4)
for batch, i in enumerate(range(0, train_data.size(0) - 1, bptt)):
    data, targets = get_batch(train_data, i)
    model.zero_grad()
    hidden = repackage_hidden(hidden)
    output, hidden = model(data, hidden)
    loss = criterion(output, targets)
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    for p in model.parameters():
        p.data.add_(p.grad, alpha=-lr)
    total_loss += loss.item()
    print('| batch {:3d} | lr {:02.2f} | loss {:5.2f} | ppl {:8.2f} | grad norm {:.4f}'.format(
        batch, lr, loss.item(), math.exp(loss.item()), norm.item()))
print('{:.5f}'.format(total_loss / (batch + 1)))
print(hidden[0].shape, hidden[0].requires_grad, hidden[0].grad_fn)

model.eval()
with torch.no_grad():
    hidden = model.init_hidden(1)
    input = torch.tensor([[3]])
    words = []
    for _ in range(8):
        output, hidden = model(input, hidden)
        word_idx = output.argmax(dim=1)[0]
        input.fill_(word_idx)
        words.append(word_idx.item())
print(words)
