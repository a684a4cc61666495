"""A one-block transformer learns to reverse a short sequence of digits.

Tokens are one-hot vectors embedded by a ``Linear`` layer plus a learned position embedding; one
``nn.TransformerEncoderLayer`` (self-attention, LayerNorm, feed-forward) and a ``Linear`` head
predict, at every position, the token found at the mirrored position. The position embedding is
what lets attention find "the mirrored position". In training mode PyTorch runs the attention as
one fused node, ``ScaledDotProductFlashAttentionForCpuBackward0``, next to two
``NativeLayerNormBackward0`` nodes; the graph printed at the end counts them.
"""

import engine as torch

nn = torch.nn
F = torch.nn.functional

VOCAB, LENGTH, BATCH, D_MODEL = 5, 5, 32, 32


class Reverser(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(VOCAB, D_MODEL)
        self.position = nn.Parameter(torch.randn(LENGTH, D_MODEL) * 0.5)
        self.block = nn.TransformerEncoderLayer(D_MODEL, nhead=4, dim_feedforward=64, dropout=0.0, batch_first=True)
        self.head = nn.Linear(D_MODEL, VOCAB)

    def forward(self, tokens):
        x = self.embed(torch.eye(VOCAB)[tokens]) + self.position
        return self.head(self.block(x))


def batch(size):
    tokens = torch.randint(0, VOCAB, (size, LENGTH))
    return tokens, tokens.flip(1)


model = Reverser()
print(model.block)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
for step in range(80):
    tokens, target = batch(BATCH)
    logits = model(tokens)
    loss = F.cross_entropy(logits.reshape(-1, VOCAB), target.reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 20 == 0:
        print(f"step {step}: loss {loss.item():.3f}")

tokens, target = batch(256)
with torch.no_grad():
    accuracy = (model(tokens).argmax(-1) == target).float().mean().item()
print(f"accuracy on new sequences: {accuracy:.2f} (chance: {1 / VOCAB:.2f})")
print("better than chance:", accuracy > 2 / VOCAB)

# One more forward pass on a small batch, not backpropagated: the graph to explore and step through.
tokens, target = batch(4)
loss = F.cross_entropy(model(tokens).reshape(-1, VOCAB), target.reshape(-1))

seen, stack, counts = set(), [loss.grad_fn], {}
while stack:
    node = stack.pop()
    if node is None or node in seen:
        continue
    seen.add(node)
    counts[node.name()] = counts.get(node.name(), 0) + 1
    stack.extend(fn for fn, _ in node.next_functions)
for name in ("ScaledDotProductFlashAttentionForCpuBackward0", "NativeLayerNormBackward0", "ReluBackward0"):
    print(f"{name}: {counts[name]}")
