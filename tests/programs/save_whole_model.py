"""Learn the Basics, "Save and Load the Model": torch.save of a whole module, weights_only, pickling, deepcopy."""
import io, pickle
import torch, torch.nn as nn
class Net(nn.Module):
    def __init__(self):
        super().__init__(); self.fc = nn.Linear(2, 1)
    def forward(self, x): return self.fc(x)
net = Net()
with torch.no_grad(): net.fc.weight.fill_(0.5); net.fc.bias.zero_()
buf = io.BytesIO(); torch.save(net, buf); buf.seek(0)
try:
    torch.load(buf)
except Exception as e:
    print(type(e).__name__, str(e).splitlines()[0][:150])
buf.seek(0)
m = torch.load(buf, weights_only=False)
print(type(m).__name__, m(torch.ones(1, 2)), m)
buf = io.BytesIO(); torch.save({'a': torch.arange(3), 'b': [1, 2.5, 'x'], 'c': (torch.ones(2),)}, buf); buf.seek(0)
print(torch.load(buf))
import copy
m2 = copy.deepcopy(net); print(m2.fc.weight, m2.fc.weight is net.fc.weight)
print(pickle.loads(pickle.dumps(torch.tensor([1., 2.]))))
