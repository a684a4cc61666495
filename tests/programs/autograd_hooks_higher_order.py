"""Autograd in programs: hooks, retain_grad, autograd.grad with create_graph, Hessian-vector products."""
import torch
import torch.nn as nn

x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x ** 3
y.retain_grad()
seen = []
h = y.register_hook(lambda g: seen.append(g.clone()) or g * 2)
z = (y * torch.tensor([1.0, 0.5, 0.25])).sum()
z.backward()
print(x.grad, y.grad, seen)
h.remove()

x = torch.tensor(2.0, requires_grad=True)
y = x ** 4
(dy,) = torch.autograd.grad(y, x, create_graph=True)
(d2y,) = torch.autograd.grad(dy, x, create_graph=True)
(d3y,) = torch.autograd.grad(d2y, x)
print(dy, d2y, d3y)
print(dy.grad_fn, d2y.requires_grad)

w = torch.tensor([[1.0, -1.0], [0.5, 2.0]], requires_grad=True)
v = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
loss = (w.tanh() ** 2).sum()
(g,) = torch.autograd.grad(loss, w, create_graph=True)
(hv,) = torch.autograd.grad(g, w, grad_outputs=v)
print(g.detach().numpy().round(4).tolist(), hv.numpy().round(4).tolist())
from torch.autograd.functional import jacobian, hessian, vjp, jvp, hvp
print(jacobian(lambda t: t ** 2, torch.tensor([1.0, 2.0])))
print(hessian(lambda t: (t ** 3).sum(), torch.tensor([1.0, 2.0])))
print(vjp(lambda t: t * 3, torch.tensor([1.0, 2.0]), torch.tensor([1.0, 1.0])))
print(jvp(lambda t: t * 3, torch.tensor([1.0, 2.0]), torch.tensor([1.0, 0.0])))
print(hvp(lambda t: (t ** 3).sum(), torch.tensor([1.0, 2.0]), torch.tensor([1.0, 0.0])))

model = nn.Linear(3, 2)
with torch.no_grad():
    model.weight.copy_(torch.tensor([[0.1, 0.2, 0.3], [-0.1, 0.0, 0.4]]))
    model.bias.fill_(0.05)
grads = {}


def save_grad(name):
    def hook(module, grad_input, grad_output):
        grads[name] = [None if g is None else tuple(g.shape) for g in grad_output]
    return hook


acts = {}
model.register_forward_hook(lambda m, i, o: acts.update(out=o.detach()))
model.register_full_backward_hook(save_grad('linear'))
out = model(torch.tensor([[1.0, 2.0, 3.0]], requires_grad=True))
out.sum().backward()
print(acts['out'], grads)
print(model.weight.grad, model.bias.grad)
model.weight.register_hook(lambda g: g.clamp(max=0.5))
model.zero_grad()
model(torch.tensor([[1.0, 2.0, 3.0]])).sum().backward()
print(model.weight.grad)

a = torch.tensor([1.0, 2.0], requires_grad=True)
b = a * 2
try:
    b.backward()
except RuntimeError as e:
    print(e)
c = b.sum()
c.backward(retain_graph=False)
try:
    c.backward()
except RuntimeError as e:
    print(str(e).split('.')[0])
try:
    a.add_(1)
except RuntimeError as e:
    print(e)
try:
    a.numpy()
except RuntimeError as e:
    print(e)
try:
    torch.tensor([1.0, 2.0]).item()
except RuntimeError as e:
    print(e)
d = a.exp()
with torch.no_grad():
    a.mul_(2)
try:
    d.sum().backward()
except RuntimeError as e:
    print(str(e)[:160])
print(torch.is_grad_enabled())
with torch.inference_mode():
    print(torch.is_inference_mode_enabled(), (a * 2).requires_grad)
print(torch.autograd.grad((a ** 2).sum(), a, torch.tensor(1.0))[0])
