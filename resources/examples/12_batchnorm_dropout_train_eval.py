"""BatchNorm and Dropout behave differently in train() and eval() mode.

A small classifier (Linear, BatchNorm1d, ReLU, Dropout, Linear) on random data:

* in training mode Dropout zeroes a random half of the activations on every call, so two forward
  passes on the same batch differ; BatchNorm normalises by the *batch's* mean and variance and
  updates its running statistics (``running_mean``, ``running_var``, ``num_batches_tracked``);
* in eval mode Dropout is the identity and BatchNorm uses the running statistics, so the model is
  deterministic and even a single sample can be classified.

The loss graph at the end reads bottom-up: Linear (``AddmmBackward0``), ``NativeBatchNormBackward0``,
``ReluBackward0``, Dropout's mask (``MulBackward0``), Linear, then cross entropy
(``LogSoftmaxBackward0`` and ``NllLossBackward0``). Step through backward to watch the gradient pass
the batch norm node: it reaches ``weight`` and ``bias`` of the BatchNorm as well as the first Linear.
"""

import engine as torch

model = torch.nn.Sequential(
    torch.nn.Linear(4, 8),
    torch.nn.BatchNorm1d(8),
    torch.nn.ReLU(),
    torch.nn.Dropout(p=0.5),
    torch.nn.Linear(8, 3),
)
batch_norm = model[1]
print(model)
print(list(batch_norm.state_dict().keys()))

x = torch.randn(6, 4)
target = torch.tensor([0, 2, 1, 1, 0, 2])

# ---- training mode: random dropout masks, batch statistics, running stats updated ----------------
model.train()
first = model(x)
second = model(x)
print("train: same output twice?", torch.equal(first, second))
print("batches tracked:", batch_norm.num_batches_tracked)
print("running mean:", batch_norm.running_mean)
print("running var:", batch_norm.running_var)

# ---- eval mode: no dropout, running statistics, deterministic --------------------------------------
model.eval()
print("eval: same output twice?", torch.equal(model(x), model(x)))
print("one sample in eval mode:", model(x[:1]).shape)
print("batches tracked after eval:", batch_norm.num_batches_tracked)

# ---- one training step -------------------------------------------------------------------------
model.train()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
loss = torch.nn.functional.cross_entropy(model(x), target)
print(loss)


def show(node, depth=0):
    """Print the graph under a grad_fn, one node per line, indented by depth."""
    print("  " * depth + node.name())
    for child, _ in node.next_functions:
        if child is not None:
            show(child, depth + 1)


show(loss.grad_fn)
optimizer.zero_grad()
loss.backward()
print("batch norm weight grad:", batch_norm.weight.grad)
print("batch norm bias grad:", batch_norm.bias.grad)
optimizer.step()
print("batches tracked after the step:", batch_norm.num_batches_tracked)
