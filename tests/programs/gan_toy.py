"""A GAN toy in the style of the DCGAN tutorial's training loop, with MLPs on 2-D points."""
import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim

nz = 4
real_label = 1.
fake_label = 0.


class Generator(nn.Module):
    def __init__(self):
        super(Generator, self).__init__()
        self.main = nn.Sequential(
            nn.Linear(nz, 16), nn.BatchNorm1d(16), nn.ReLU(True),
            nn.Linear(16, 2),
        )

    def forward(self, input):
        return self.main(input)


class Discriminator(nn.Module):
    def __init__(self):
        super(Discriminator, self).__init__()
        self.main = nn.Sequential(
            nn.Linear(2, 16), nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(16, 1), nn.Sigmoid()
        )

    def forward(self, input):
        return self.main(input)


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find('Linear') != -1:
        nn.init.constant_(m.weight.data, 0.0)
    elif classname.find('BatchNorm') != -1:
        nn.init.constant_(m.weight.data, 1.0)
        nn.init.constant_(m.bias.data, 0)


rng = np.random.default_rng(7)
netG = Generator()
netD = Discriminator()
netG.apply(weights_init)
print(netG)
print(netD)
print(netG.main[0].weight.sum().item(), netG.main[1].weight.mean().item())
with torch.no_grad():
    for p in list(netG.parameters()) + list(netD.parameters()):
        p.copy_(torch.tensor(rng.normal(0, 0.3, tuple(p.shape)), dtype=torch.float32))

criterion = nn.BCELoss()
optimizerD = optim.Adam(netD.parameters(), lr=0.002, betas=(0.5, 0.999))
optimizerG = optim.Adam(netG.parameters(), lr=0.002, betas=(0.5, 0.999))
fixed_noise = torch.tensor(rng.standard_normal((8, nz)), dtype=torch.float32)
G_losses, D_losses = [], []
for i in range(30):
    real_cpu = torch.tensor(rng.normal([2.0, -1.0], 0.2, (16, 2)), dtype=torch.float32)
    b_size = real_cpu.size(0)
    # (1) Update D: maximize log(D(x)) + log(1 - D(G(z)))
    netD.zero_grad()
    label = torch.full((b_size,), real_label, dtype=torch.float)
    output = netD(real_cpu).view(-1)
    errD_real = criterion(output, label)
    errD_real.backward()
    D_x = output.mean().item()
    noise = torch.tensor(rng.standard_normal((b_size, nz)), dtype=torch.float32)
    fake = netG(noise)
    label.fill_(fake_label)
    output = netD(fake.detach()).view(-1)
    errD_fake = criterion(output, label)
    errD_fake.backward()
    D_G_z1 = output.mean().item()
    errD = errD_real + errD_fake
    optimizerD.step()
    # (2) Update G: maximize log(D(G(z)))
    netG.zero_grad()
    label.fill_(real_label)
    output = netD(fake).view(-1)
    errG = criterion(output, label)
    errG.backward()
    D_G_z2 = output.mean().item()
    optimizerG.step()
    if i % 10 == 0:
        print('[%d/%d]\tLoss_D: %.4f\tLoss_G: %.4f\tD(x): %.4f\tD(G(z)): %.4f / %.4f'
              % (i, 30, errD.item(), errG.item(), D_x, D_G_z1, D_G_z2))
    G_losses.append(errG.item())
    D_losses.append(errD.item())
with torch.no_grad():
    netG.eval()
    fake = netG(fixed_noise).detach().cpu()
print(fake.shape, fake.mean(0).numpy().round(3).tolist())
print(netG.main[1].running_mean[:3].numpy().round(3).tolist(), netG.main[1].num_batches_tracked)
print(errD.grad_fn, errG.grad_fn.next_functions)
