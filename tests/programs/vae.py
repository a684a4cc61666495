"""A VAE in the style of pytorch/examples' vae, on synthetic binary images."""
import numpy as np
import torch
from torch import nn, optim
from torch.nn import functional as F


class VAE(nn.Module):
    def __init__(self):
        super(VAE, self).__init__()
        self.fc1 = nn.Linear(64, 32)
        self.fc21 = nn.Linear(32, 4)
        self.fc22 = nn.Linear(32, 4)
        self.fc3 = nn.Linear(4, 32)
        self.fc4 = nn.Linear(32, 64)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        if self.training:
            std = torch.exp(0.5 * logvar)
            eps = torch.randn_like(std)
            return mu + eps * std
        return mu

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 64))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 64), reduction='sum')
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


torch.manual_seed(1)
rng = np.random.default_rng(6)
data = torch.tensor(rng.random((32, 1, 8, 8)) < 0.3, dtype=torch.float32)
model = VAE()
print(model)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(rng.uniform(-0.2, 0.2, tuple(p.shape)), dtype=torch.float32))
optimizer = optim.Adam(model.parameters(), lr=1e-2)

# Deterministic (eval-mode) loss and gradients.
model.eval()
recon, mu, logvar = model(data)
loss = loss_function(recon, data, mu, logvar)
loss.backward()
print(recon.shape, mu.shape, recon.grad_fn, loss.grad_fn)
print(f"{loss.item() / len(data):.4f}", f"{model.fc1.weight.grad.abs().sum().item():.3f}")

# Training draws eps with torch.randn_like, which differs between backends: print only what
# does not depend on the draw.
model.train()
losses = []
for epoch in range(30):
    optimizer.zero_grad()
    recon_batch, mu, logvar = model(data)
    loss = loss_function(recon_batch, data, mu, logvar)
    loss.backward()
    optimizer.step()
    losses.append(loss.item() / len(data))
print(len(losses), losses[-1] < losses[0])
eps = torch.randn_like(mu)
print(eps.shape, eps.dtype, eps.requires_grad)
with torch.no_grad():
    sample = torch.randn(16, 4)
    sample = model.decode(sample)
    print(sample.view(16, 1, 8, 8).shape, bool(((sample >= 0) & (sample <= 1)).all()))
