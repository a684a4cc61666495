"""A two-layer tanh network written with raw tensors: the graph and the gradients of every weight.

``h = tanh(x @ W1 + b1)``, ``y = h @ W2 + b2``, loss = mean squared error. The weights are fixed
numbers (no randomness), so every printed value is reproducible. The script prints the chain of
``grad_fn`` nodes from the loss back to the leaves, then the gradient of each parameter, and
checks one entry against a finite difference.
"""

import engine as torch

x = torch.tensor([[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0]])
target = torch.tensor([[1.0], [0.0], [-1.0]])

W1 = torch.tensor([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]], requires_grad=True)
b1 = torch.tensor([0.01, -0.02, 0.03], requires_grad=True)
W2 = torch.tensor([[0.7], [-0.8], [0.9]], requires_grad=True)
b2 = torch.tensor([0.05], requires_grad=True)


def forward(W1, b1, W2, b2):
    h = torch.tanh(x @ W1 + b1)
    y = h @ W2 + b2
    return ((y - target) ** 2).mean()


loss = forward(W1, b1, W2, b2)
print(loss)

# Walk the graph from the loss: each node's first input until a leaf is reached.
node = loss.grad_fn
while node is not None:
    print(node.name(), [type(fn).__name__ if fn is not None else None for fn, _ in node.next_functions])
    node = node.next_functions[0][0] if node.next_functions else None

loss.backward()
print(W1.grad)
print(b1.grad)
print(W2.grad)
print(b2.grad)

# A finite-difference check of dloss/dW1[0, 0].
eps = 1e-3
with torch.no_grad():
    W1_plus = W1.clone()
    W1_plus[0, 0] += eps
    W1_minus = W1.clone()
    W1_minus[0, 0] -= eps
    numeric = (forward(W1_plus, b1, W2, b2) - forward(W1_minus, b1, W2, b2)) / (2 * eps)
print(f"analytic {W1.grad[0, 0].item():.4f}  numeric {numeric.item():.4f}")
