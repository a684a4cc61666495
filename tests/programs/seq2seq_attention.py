"""A seq2seq toy with an attention decoder built from nn.GRU and nn.MultiheadAttention."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SOS_token = 0
vocab = 8
hidden_size = 16


class EncoderRNN(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.embedding = nn.Embedding(input_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)

    def forward(self, input):
        embedded = self.embedding(input)
        output, hidden = self.gru(embedded)
        return output, hidden


class AttnDecoderRNN(nn.Module):
    def __init__(self, hidden_size, output_size):
        super().__init__()
        self.embedding = nn.Embedding(output_size, hidden_size)
        self.attention = nn.MultiheadAttention(hidden_size, num_heads=2, batch_first=True)
        self.gru = nn.GRU(2 * hidden_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, output_size)

    def forward(self, encoder_outputs, encoder_hidden, steps):
        batch_size = encoder_outputs.size(0)
        decoder_input = torch.empty(batch_size, 1, dtype=torch.long).fill_(SOS_token)
        decoder_hidden = encoder_hidden
        outputs, attentions = [], []
        for i in range(steps):
            embedded = self.embedding(decoder_input)
            query = decoder_hidden.permute(1, 0, 2)
            context, weights = self.attention(query, encoder_outputs, encoder_outputs)
            gru_input = torch.cat((embedded, context), dim=2)
            output, decoder_hidden = self.gru(gru_input, decoder_hidden)
            output = self.out(output)
            outputs.append(output)
            attentions.append(weights)
            _, topi = output.topk(1)
            decoder_input = topi.squeeze(-1).detach()
        outputs = torch.cat(outputs, dim=1)
        return F.log_softmax(outputs, dim=-1), decoder_hidden, torch.cat(attentions, dim=1)


rng = np.random.default_rng(4)
encoder = EncoderRNN(vocab, hidden_size)
decoder = AttnDecoderRNN(hidden_size, vocab)
print(encoder)
print(decoder)
with torch.no_grad():
    for p in list(encoder.parameters()) + list(decoder.parameters()):
        p.copy_(torch.tensor(rng.uniform(-0.3, 0.3, tuple(p.shape)), dtype=torch.float32))

# Task: reverse a sequence of 5 tokens drawn from 1..7.
src = torch.tensor(rng.integers(1, vocab, (6, 5)))
tgt = src.flip(1)
print(src[0], tgt[0])
params = list(encoder.parameters()) + list(decoder.parameters())
optimizer = torch.optim.Adam(params, lr=0.01)
criterion = nn.NLLLoss()
for epoch in range(20):
    encoder_outputs, encoder_hidden = encoder(src)
    decoder_outputs, _, attn = decoder(encoder_outputs, encoder_hidden, tgt.size(1))
    loss = criterion(decoder_outputs.view(-1, decoder_outputs.size(-1)), tgt.view(-1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if epoch % 5 == 4:
        print(epoch, f"{loss.item():.4f}")
print(encoder_outputs.shape, encoder_hidden.shape, attn.shape)
print(attn.sum(-1).round(decimals=3)[0])
print(decoder_outputs.grad_fn, loss.grad_fn)
with torch.no_grad():
    enc_out, enc_hidden = encoder(src[:2])
    decoded, _, _ = decoder(enc_out, enc_hidden, 5)
    print(decoded.argmax(-1).shape)
