"""A small transformer language model: nn.Embedding, a register_buffer positional encoding, nn.TransformerEncoder."""
import math
import numpy as np
import torch
from torch import nn, Tensor


class PositionalEncoding(nn.Module):
    def __init__(self, d_model: int, dropout: float = 0.1, max_len: int = 64):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, 1, d_model)
        pe[:, 0, 0::2] = torch.sin(position * div_term)
        pe[:, 0, 1::2] = torch.cos(position * div_term)
        self.register_buffer('pe', pe)

    def forward(self, x: Tensor) -> Tensor:
        """x: [seq_len, batch_size, embedding_dim]"""
        x = x + self.pe[:x.size(0)]
        return self.dropout(x)


class TransformerModel(nn.Module):
    def __init__(self, ntoken: int, d_model: int, nhead: int, d_hid: int, nlayers: int, dropout: float = 0.5):
        super().__init__()
        self.model_type = 'Transformer'
        self.pos_encoder = PositionalEncoding(d_model, dropout)
        encoder_layers = nn.TransformerEncoderLayer(d_model, nhead, d_hid, dropout)
        self.transformer_encoder = nn.TransformerEncoder(encoder_layers, nlayers, enable_nested_tensor=False)
        self.embedding = nn.Embedding(ntoken, d_model)
        self.d_model = d_model
        self.linear = nn.Linear(d_model, ntoken)

    def forward(self, src: Tensor, src_mask: Tensor = None) -> Tensor:
        src = self.embedding(src) * math.sqrt(self.d_model)
        src = self.pos_encoder(src)
        if src_mask is None:
            src_mask = nn.Transformer.generate_square_subsequent_mask(len(src))
        output = self.transformer_encoder(src, src_mask)
        output = self.linear(output)
        return output


ntokens = 11
model = TransformerModel(ntokens, d_model=16, nhead=2, d_hid=32, nlayers=2, dropout=0.2)
print(model)
print(model.pe if hasattr(model, 'pe') else model.pos_encoder.pe.shape)
print([k for k in model.state_dict() if 'pe' in k or 'layers.0' in k][:6])
print(sum(p.numel() for p in model.parameters()))
print(nn.Transformer.generate_square_subsequent_mask(4))

rng = np.random.default_rng(5)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(rng.uniform(-0.2, 0.2, tuple(p.shape)), dtype=torch.float32))

# Counting task: each token is the previous plus one (mod ntokens).
start = torch.tensor(rng.integers(0, ntokens, 4))
data = (start.unsqueeze(0) + torch.arange(9).unsqueeze(1)) % ntokens  # [seq, batch]
inputs, targets = data[:-1], data[1:]
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.95)

# Dropout draws differ between backends, so every pass runs in eval mode (still differentiable).
model.eval()
for step in range(6):
    output = model(inputs)
    output_flat = output.view(-1, ntokens)
    loss = criterion(output_flat, targets.reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
    optimizer.step()
    scheduler.step()
    print(step, f"{loss.item():.4f}", f"{scheduler.get_last_lr()[0]:.4f}", f"ppl {math.exp(loss.item()):8.3f}")
print(output.shape, output.grad_fn)
with torch.no_grad():
    output = model(inputs)
    print((output.argmax(-1) == targets).float().mean().item() >= 0.0, output.requires_grad)
