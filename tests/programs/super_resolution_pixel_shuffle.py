"""pytorch/examples super_resolution: an ESPCN-style net (Conv2d + PixelShuffle, orthogonal init) on synthetic images."""
import math
import numpy as np
import torch
import torch.nn as nn
import torch.nn.init as init
import torch.optim as optim

rng = np.random.default_rng(12)


class Net(nn.Module):
    def __init__(self, upscale_factor):
        super(Net, self).__init__()
        self.relu = nn.ReLU()
        self.conv1 = nn.Conv2d(1, 16, (5, 5), (1, 1), (2, 2))
        self.conv2 = nn.Conv2d(16, 16, (3, 3), (1, 1), (1, 1))
        self.conv3 = nn.Conv2d(16, 8, (3, 3), (1, 1), (1, 1))
        self.conv4 = nn.Conv2d(8, upscale_factor ** 2, (3, 3), (1, 1), (1, 1))
        self.pixel_shuffle = nn.PixelShuffle(upscale_factor)
        self._initialize_weights()

    def forward(self, x):
        x = self.relu(self.conv1(x))
        x = self.relu(self.conv2(x))
        x = self.relu(self.conv3(x))
        x = self.pixel_shuffle(self.conv4(x))
        return x

    def _initialize_weights(self):
        init.orthogonal_(self.conv1.weight, init.calculate_gain('relu'))
        init.orthogonal_(self.conv2.weight, init.calculate_gain('relu'))
        init.orthogonal_(self.conv3.weight, init.calculate_gain('relu'))
        init.orthogonal_(self.conv4.weight)


upscale = 2
model = Net(upscale_factor=upscale)
w = model.conv2.weight.detach().reshape(16, -1)
print(model)
print(model.pixel_shuffle, nn.PixelUnshuffle(2))
print(torch.allclose(w @ w.t(), 2.0 * torch.eye(16), atol=1e-4), init.calculate_gain('relu'))
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(rng.normal(0, 0.15, tuple(p.shape)), dtype=torch.float32))

hr = torch.tensor(np.clip(rng.random((4, 1, 12, 12)), 0, 1), dtype=torch.float32)
lr_img = nn.functional.avg_pool2d(hr, upscale)
print(lr_img.shape, nn.PixelUnshuffle(2)(hr).shape)
criterion = nn.MSELoss()
optimizer = optim.Adam(model.parameters(), lr=0.01)
for epoch in range(1, 5):
    optimizer.zero_grad()
    out = model(lr_img)
    loss = criterion(out, hr)
    loss.backward()
    optimizer.step()
    psnr = 10 * math.log10(1 / loss.item())
    print("===> Epoch {} Complete: Loss: {:.4f} PSNR: {:.4f} dB".format(epoch, loss.item(), psnr))
print(out.shape, out.grad_fn, out.grad_fn.next_functions[0][0])
shuffled = nn.functional.pixel_shuffle(torch.arange(16.).reshape(1, 4, 2, 2), 2)
print(shuffled)
print(nn.functional.pixel_unshuffle(shuffled, 2).equal(torch.arange(16.).reshape(1, 4, 2, 2)))
