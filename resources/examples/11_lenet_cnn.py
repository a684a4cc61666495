"""A LeNet-style CNN learns to tell ten synthetic 28x28 patterns apart.

Each class is a bright 6x6 square at its own place in the image, plus noise (made here, nothing is
downloaded). The network is LeNet: two ``Conv2d`` + ``ReLU`` + ``MaxPool2d`` stages, then three
``Linear`` layers. A few SGD steps bring the cross-entropy loss down. In the graph, follow the
gradient from the loss back through ``AddmmBackward0`` (the linear layers), the ``ViewBackward0``
of the flatten, ``MaxPool2DWithIndicesBackward0`` (each window sends its gradient to its maximum
only) and ``ConvolutionBackward0`` (input, weight and bias gradients) down to the weights.
"""

import engine as torch

nn = torch.nn
F = torch.nn.functional

NUM_CLASSES = 10
BATCH = 32


def make_batch(n):
    """n noisy images (n, 1, 28, 28) whose class k has a bright square at row 3 + 11*(k // 5), col 1 + 5*(k % 5)."""
    labels = torch.randint(0, NUM_CLASSES, (n,))
    images = torch.randn(n, 1, 28, 28) * 0.3
    for i in range(n):
        k = int(labels[i])
        row, col = 3 + 11 * (k // 5), 1 + 5 * (k % 5)
        images[i, 0, row : row + 6, col : col + 6] += 1.0
    return images, labels


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)        # 28x28 -> 6 x 24x24
        self.pool = nn.MaxPool2d(2)            # halves height and width
        self.conv2 = nn.Conv2d(6, 16, 5)       # 12x12 -> 16 x 8x8
        self.fc1 = nn.Linear(16 * 4 * 4, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, NUM_CLASSES)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


model = LeNet()
print(model)
print(sum(p.numel() for p in model.parameters()), "parameters")

optimizer = torch.optim.Adam(model.parameters(), lr=0.003)
for step in range(10):
    images, labels = make_batch(BATCH)
    optimizer.zero_grad()
    loss = F.cross_entropy(model(images), labels)
    loss.backward()
    optimizer.step()
    print(f"step {step}: loss {loss.item():.4f}")

# One more batch, left un-stepped so its graph can be explored and stepped through.
images, labels = make_batch(BATCH)
scores = model(images)
loss = F.cross_entropy(scores, labels)
print(scores.shape, loss.grad_fn)
# The main path of the graph, from the loss down to the first convolution (weights left aside).
node, path = loss.grad_fn, []
while node is not None:
    path.append(node.name())
    inputs = [fn for fn, _ in node.next_functions if fn is not None and "AccumulateGrad" not in fn.name()]
    node = inputs[0] if inputs else None
print(" <- ".join(path))
loss.backward()
print(model.conv1.weight.grad.shape, model.conv1.bias.grad.shape)
