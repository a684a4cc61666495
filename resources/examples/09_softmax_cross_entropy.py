"""Softmax cross-entropy two ways: by hand and with ``torch.nn.functional.cross_entropy``.

The hand-written version builds the graph from ``exp``, ``sum``, ``log`` and indexing; the library
version is a single ``log_softmax`` + ``nll_loss`` pair. Both give the same loss, and the gradient
with respect to the logits is ``(softmax(logits) - one_hot(target)) / batch`` either way.
"""

import engine as torch

logits = torch.tensor([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0]], requires_grad=True)
target = torch.tensor([0, 1])

# By hand: log-softmax = logits - log(sum(exp(logits))) per row.
log_probs = logits - logits.exp().sum(dim=1, keepdim=True).log()
manual_loss = -(log_probs[torch.arange(2), target]).mean()
print(manual_loss)
manual_loss.backward()
manual_grad = logits.grad.clone()
print(manual_grad)

logits.grad = None
loss = torch.nn.functional.cross_entropy(logits, target)
print(loss)
print(loss.grad_fn)
print(loss.grad_fn.next_functions)
loss.backward()
print(logits.grad)

softmax = torch.softmax(logits.detach(), dim=1)
one_hot = torch.zeros(2, 3)
one_hot[0, 0] = 1.0
one_hot[1, 1] = 1.0
print((softmax - one_hot) / 2)
print(torch.allclose(manual_grad, logits.grad))
