"""What programs print along the way: tensors, modules, grad_fns and their next_functions."""
import torch
import torch.nn as nn
import torch.nn.functional as F

x = torch.tensor([[1.0, -2.0, 3.0], [0.5, 0.0, -1.5]], requires_grad=True)
print(x)
y = x * 2 + 1
print(y)
print(y.grad_fn, y.grad_fn.name(), type(y.grad_fn).__name__)
print(y.grad_fn.next_functions)
print(y.grad_fn.next_functions[0][0].next_functions)
z = y.squeeze().unsqueeze(0).sum(dim=1)
for node in (z.grad_fn, z.grad_fn.next_functions[0][0], z.grad_fn.next_functions[0][0].next_functions[0][0]):
    print(node.name(), type(node).__name__)
s = x[:1].squeeze(0)
print(s.grad_fn.name(), type(s.grad_fn).__name__)
t = x.t().contiguous().view(-1)
print(t.grad_fn, t.grad_fn.next_functions[0][0])
m = x.mean()
print(m, m.grad_fn)
m.backward()
print(x.grad)
print(x.is_leaf, y.is_leaf, x.requires_grad, y.requires_grad, x.grad_fn)

print(torch.Tensor(), torch.Tensor().shape, torch.Tensor(2, 3).shape)
print(torch.tensor([True, False]).all(), torch.tensor([1, 0]).any(), (x > 0).all(dim=1))
print(torch.conv2d(torch.ones(1, 1, 3, 3), torch.ones(1, 1, 2, 2)))
print(torch.max_pool2d(torch.arange(16.).view(1, 1, 4, 4), 2))
print(torch.relu(torch.tensor([-1.0, 1.0])), torch.sigmoid(torch.tensor([0.0])))
print(torch.zeros(2, 3, dtype=torch.long), torch.ones(2).dtype, torch.arange(3), torch.arange(0.0, 1.0, 0.25))
print(torch.eye(2), torch.full((2,), 7), torch.randn(3).shape)
print(torch.tensor([1, 2, 3]) / 2, torch.tensor([1, 2, 3]) // 2, torch.tensor([1.5]).int())
print(torch.cat([torch.ones(1, 2), torch.zeros(1, 2)]), torch.stack([torch.ones(2), torch.zeros(2)], 1))
print(torch.tensor(3.14159), torch.tensor([1e-5, 1e5]), torch.tensor([[1e10]]))
print(torch.tensor([1.0, 2.0]).numpy(), torch.tensor([[1, 2]]).tolist(), torch.tensor(2.5).item())

model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.BatchNorm2d(2), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Flatten(), nn.Dropout(0.25), nn.Linear(8, 3), nn.LogSoftmax(dim=1))
print(model)
print(nn.LSTM(4, 8, num_layers=2, batch_first=True, bidirectional=True), nn.GRU(3, 5), nn.Embedding(10, 3, padding_idx=0))
print(nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, batch_first=True))
print(nn.MultiheadAttention(8, 2), nn.LayerNorm(8), nn.GroupNorm(2, 4), nn.ConvTranspose2d(2, 1, 3, stride=2))
print(nn.CrossEntropyLoss(label_smoothing=0.1), nn.GELU(), nn.Softmax(dim=-1), nn.AdaptiveAvgPool2d((1, 1)))
for name, module in model.named_children():
    print(name, type(module).__name__)
out = model(torch.ones(2, 1, 4, 4))
print(out.shape, out.grad_fn)
node = out.grad_fn
names = []
while node is not None:
    names.append(node.name())
    node = node.next_functions[0][0] if node.next_functions else None
print(names)
print(F.cross_entropy(torch.tensor([[2.0, 0.5, -1.0]]), torch.tensor([0])))
print(torch.nn.functional.softmax(torch.tensor([1.0, 2.0, 3.0]), dim=0))
print(torch.tensor([[1, 2], [3, 4]], dtype=torch.float64).sum(0), torch.tensor([1, 2]).float().mean())
print(torch.Size([2, 3]), torch.ones(2, 3).size(1), torch.ones(2, 3).dim(), torch.ones(2, 3).numel())
