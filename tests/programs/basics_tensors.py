"""Learn the Basics, "Tensors" and "Autograd", plus ordering/selection ops and numpy interop."""
import numpy as np
import torch

data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
np_array = np.array(data)
x_np = torch.from_numpy(np_array)
x_ones = torch.ones_like(x_data)  # retains the properties of x_data
print(f"Ones Tensor: \n {x_ones} \n")
x_rand = torch.rand_like(x_data, dtype=torch.float)  # overrides the datatype of x_data
print(x_rand.shape, x_rand.dtype, bool(((x_rand >= 0) & (x_rand < 1)).all()))
shape = (2, 3,)
print(f"Zeros Tensor: \n {torch.zeros(shape)}")
tensor = torch.rand(3, 4)
print(f"Shape of tensor: {tensor.shape}")
print(f"Datatype of tensor: {tensor.dtype}")
print(f"Device tensor is stored on: {tensor.device}")
if torch.accelerator.is_available():
    tensor = tensor.to(torch.accelerator.current_accelerator())
tensor = torch.ones(4, 4)
print(f"First row: {tensor[0]}")
print(f"First column: {tensor[:, 0]}")
print(f"Last column: {tensor[..., -1]}")
tensor[:, 1] = 0
print(tensor)
t1 = torch.cat([tensor, tensor, tensor], dim=1)
print(t1)
y1 = tensor @ tensor.T
y2 = tensor.matmul(tensor.T)
y3 = torch.rand_like(y1)
torch.matmul(tensor, tensor.T, out=y3)
z1 = tensor * tensor
z2 = tensor.mul(tensor)
z3 = torch.rand_like(tensor)
torch.mul(tensor, tensor, out=z3)
print(torch.equal(y1, y3), torch.equal(z1, z3), y2)
agg = tensor.sum()
agg_item = agg.item()
print(agg_item, type(agg_item))
print(f"{tensor} \n")
tensor.add_(5)
print(tensor)
t = torch.ones(5)
print(f"t: {t}")
n = t.numpy()
print(f"n: {n}")
t.add_(1)
print(f"t: {t}")
print(f"n: {n}")
n = np.ones(5)
t = torch.from_numpy(n)
np.add(n, 1, out=n)
print(f"t: {t}")
print(f"n: {n}")

# Autograd basics.
x = torch.ones(5)  # input tensor
y = torch.zeros(3)  # expected output
w = torch.tensor(np.linspace(-1, 1, 15).reshape(5, 3), dtype=torch.float32, requires_grad=True)
b = torch.tensor([0.1, -0.2, 0.3], requires_grad=True)
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
print(f"Gradient function for z = {z.grad_fn}")
print(f"Gradient function for loss = {loss.grad_fn}")
loss.backward()
print(w.grad)
print(b.grad)
z = torch.matmul(x, w) + b
print(z.requires_grad)
with torch.no_grad():
    z = torch.matmul(x, w) + b
print(z.requires_grad)
z = torch.matmul(x, w) + b
z_det = z.detach()
print(z_det.requires_grad)
inp = torch.eye(4, 5, requires_grad=True)
out = (inp + 1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"First call\n{inp.grad}")
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nSecond call\n{inp.grad}")
inp.grad.zero_()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nCall after zeroing gradients\n{inp.grad}")

# Ordering and selection, with gradients.
s = torch.tensor([[0.3, -1.2, 2.5, 0.0], [1.1, 1.1, -0.4, 0.9]], requires_grad=True)
# (topk's order among equal values is unspecified in PyTorch, so it gets distinct ones)
values, indices = (s * torch.tensor([1.0, 1.01, 1.0, 1.0])).topk(2, dim=1)
print(values, indices)
srt = torch.sort(s, dim=1, descending=True)
print(srt)
print(s.argsort(dim=0), torch.argsort(s, dim=1, descending=True))
(values.sum() + (srt.values * torch.arange(4.)).sum()).backward()
print(s.grad)
print((s > 0).nonzero(), torch.nonzero(s > 1, as_tuple=True))
print((s > -2).all(), (s > 2).any(dim=1), torch.all(s > 0, dim=0), torch.any(s < -1))
print(torch.count_nonzero(s > 0), torch.count_nonzero(s > 0, dim=1))
print(torch.topk(torch.tensor([3, 1, 2]), 2, largest=False))
print(s.max(), s.min(dim=0), s.amax(dim=1), s.argmin())
print(torch.where(s > 0, s, torch.zeros_like(s)))
print(s.clamp(min=0).grad_fn, values.grad_fn, srt.values.grad_fn)
