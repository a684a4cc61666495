"""Seq2seq GRU encoder-decoder with teacher forcing (the "NLP from scratch" translation tutorial's loop)."""
import random
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import optim

SOS_token, EOS_token = 0, 1
MAX_LENGTH = 6
random.seed(5)
rng = np.random.default_rng(11)


class EncoderRNN(nn.Module):
    def __init__(self, input_size, hidden_size):
        super(EncoderRNN, self).__init__()
        self.hidden_size = hidden_size
        self.embedding = nn.Embedding(input_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)

    def forward(self, input):
        embedded = self.embedding(input)
        output, hidden = self.gru(embedded)
        return output, hidden


class DecoderRNN(nn.Module):
    def __init__(self, hidden_size, output_size):
        super(DecoderRNN, self).__init__()
        self.embedding = nn.Embedding(output_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, output_size)

    def forward(self, encoder_outputs, encoder_hidden, target_tensor=None):
        batch_size = encoder_outputs.size(0)
        decoder_input = torch.empty(batch_size, 1, dtype=torch.long).fill_(SOS_token)
        decoder_hidden = encoder_hidden
        decoder_outputs = []
        for i in range(MAX_LENGTH):
            decoder_output, decoder_hidden = self.forward_step(decoder_input, decoder_hidden)
            decoder_outputs.append(decoder_output)
            if target_tensor is not None:
                decoder_input = target_tensor[:, i].unsqueeze(1)  # Teacher forcing
            else:
                _, topi = decoder_output.topk(1)
                decoder_input = topi.squeeze(-1).detach()
        decoder_outputs = torch.cat(decoder_outputs, dim=1)
        decoder_outputs = F.log_softmax(decoder_outputs, dim=-1)
        return decoder_outputs, decoder_hidden, None

    def forward_step(self, input, hidden):
        output = self.embedding(input)
        output = F.relu(output)
        output, hidden = self.gru(output, hidden)
        output = self.out(output)
        return output, hidden


def seeded(module):
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.tensor(rng.uniform(-0.3, 0.3, tuple(p.shape)), dtype=torch.float32))


vocab_in, vocab_out, hidden_size = 10, 9, 12
encoder = EncoderRNN(vocab_in, hidden_size)
decoder = DecoderRNN(hidden_size, vocab_out)
seeded(encoder)
seeded(decoder)
print(encoder)
print(decoder)

pairs = []
for _ in range(8):
    n = random.randint(2, MAX_LENGTH - 1)
    src = [random.randint(2, vocab_in - 1) for _ in range(n)] + [EOS_token]
    tgt = [min(s, vocab_out - 1) for s in reversed(src[:-1])] + [EOS_token]
    src += [EOS_token] * (MAX_LENGTH - len(src))
    tgt += [EOS_token] * (MAX_LENGTH - len(tgt))
    pairs.append((src, tgt))
input_tensor = torch.tensor([p[0] for p in pairs], dtype=torch.long)
target_tensor = torch.tensor([p[1] for p in pairs], dtype=torch.long)
print(input_tensor.shape, target_tensor[0])

encoder_optimizer = optim.Adam(encoder.parameters(), lr=0.01)
decoder_optimizer = optim.Adam(decoder.parameters(), lr=0.01)
criterion = nn.NLLLoss()
for epoch in range(1, 6):
    encoder_optimizer.zero_grad()
    decoder_optimizer.zero_grad()
    encoder_outputs, encoder_hidden = encoder(input_tensor)
    use_teacher = epoch % 2 == 1
    decoder_outputs, _, _ = decoder(encoder_outputs, encoder_hidden, target_tensor if use_teacher else None)
    loss = criterion(decoder_outputs.view(-1, decoder_outputs.size(-1)), target_tensor.view(-1))
    loss.backward()
    encoder_optimizer.step()
    decoder_optimizer.step()
    print(f"epoch {epoch} teacher={use_teacher} loss {loss.item():.4f}")

with torch.no_grad():
    encoder_outputs, encoder_hidden = encoder(input_tensor[:2])
    decoder_outputs, decoder_hidden, _ = decoder(encoder_outputs, encoder_hidden)
    _, topi = decoder_outputs.topk(1)
    decoded_ids = topi.squeeze()
print(decoded_ids)
print(decoder_hidden.shape, encoder_outputs.shape)
print(loss.grad_fn, [type(f[0]).__name__ for f in loss.grad_fn.next_functions])
