"""A character-level GRU learns to continue a tiny built-in text.

Each character is a one-hot vector; ``nn.GRU`` reads the text and a ``Linear`` layer predicts the
next character at every position; ``cross_entropy`` and Adam train it for a few steps. PyTorch
builds a GRU's graph from ordinary ops (``AddmmBackward0``, ``UnsafeSplitBackward0``,
``SigmoidBackward0``, ``TanhBackward0``, one set per time step, joined by ``StackBackward0``), so
stepping through backward shows the gradient travelling back through time, step by step.
"""

import engine as torch

nn = torch.nn
F = torch.nn.functional

TEXT = "hello gradients, hello graphs. "
chars = sorted(set(TEXT))
index = {c: i for i, c in enumerate(chars)}
vocab = len(chars)
ids = torch.tensor([index[c] for c in TEXT])
inputs = torch.eye(vocab)[ids[:-1]].unsqueeze(1)  # (time, batch=1, vocab), one-hot
targets = ids[1:]


class CharGRU(nn.Module):
    def __init__(self, vocab_size, hidden_size):
        super().__init__()
        self.gru = nn.GRU(vocab_size, hidden_size)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, x, h=None):
        out, h = self.gru(x, h)
        return self.head(out.squeeze(1)), h


model = CharGRU(vocab, 24)
print(model)
print("parameters:", [name for name, _ in model.named_parameters()])
optimizer = torch.optim.Adam(model.parameters(), lr=0.03)

for step in range(40):
    logits, _ = model(inputs)
    loss = F.cross_entropy(logits, targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step == 0:
        first = loss.item()
        print(f"step 0: loss {first:.3f}")
print(f"step 39: loss {loss.item():.3f}")

# One more forward pass, not backpropagated: its graph is the one to explore and step through.
logits, _ = model(inputs)
loss = F.cross_entropy(logits, targets)
print("loss went down:", loss.item() < first)

# Count the nodes one forward pass records: one GRU cell per character.
seen, stack, counts = set(), [loss.grad_fn], {}
while stack:
    node = stack.pop()
    if node is None or node in seen:
        continue
    seen.add(node)
    counts[node.name()] = counts.get(node.name(), 0) + 1
    stack.extend(fn for fn, _ in node.next_functions)
print("time steps:", inputs.shape[0])
for name in ("AddmmBackward0", "UnsafeSplitBackward0", "SigmoidBackward0", "TanhBackward0", "StackBackward0"):
    print(f"{name}: {counts[name]}")
