"""A tiny U-Net that segments bright squares in noisy images.

Encoder: two conv blocks with max pooling; decoder: ConvTranspose2d upsampling, skip connections
by concatenation, a bilinear ``F.interpolate`` branch; loss: BCE-with-logits plus soft Dice.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(8)


def sample():
    img = rng.normal(0, 0.3, (1, 16, 16)).astype(np.float32)
    mask = np.zeros((1, 16, 16), dtype=np.float32)
    for _ in range(2):
        r, c, s = rng.integers(0, 12), rng.integers(0, 12), rng.integers(3, 5)
        img[0, r:r + s, c:c + s] += 1.0
        mask[0, r:r + s, c:c + s] = 1.0
    return img, mask


images, masks = map(lambda a: torch.tensor(np.stack(a)), zip(*[sample() for _ in range(24)]))


def block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class UNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.down1, self.down2 = block(1, 4), block(4, 8)
        self.bottom = block(8, 8)
        self.up2 = nn.ConvTranspose2d(8, 8, 2, stride=2)
        self.dec2 = block(16, 4)
        self.dec1 = block(8, 4)
        self.head = nn.Conv2d(4, 1, 1)

    def forward(self, x):
        d1 = self.down1(x)                      # 16x16
        d2 = self.down2(F.max_pool2d(d1, 2))    # 8x8
        b = self.bottom(F.max_pool2d(d2, 2))    # 4x4
        u2 = self.dec2(torch.cat([self.up2(b), d2], dim=1))
        u1 = F.interpolate(u2, scale_factor=2, mode="bilinear", align_corners=False)
        u1 = self.dec1(torch.cat([u1, d1], dim=1))
        return self.head(u1)


def dice_loss(logits, target, eps=1.0):
    p = torch.sigmoid(logits)
    inter = (p * target).sum(dim=(1, 2, 3))
    return 1 - ((2 * inter + eps) / (p.sum(dim=(1, 2, 3)) + target.sum(dim=(1, 2, 3)) + eps)).mean()


model = UNet()
g = np.random.default_rng(6)
with torch.no_grad():
    for name, p in model.named_parameters():
        if name.endswith("weight") and p.dim() > 1:
            fan_in = p[0].numel()
            p.copy_(torch.tensor(g.normal(0, (2.0 / fan_in) ** 0.5, tuple(p.shape)), dtype=torch.float32))
        elif name.endswith("bias"):
            p.zero_()
print(model.up2, model.dec2)
print("output:", model(images[:2]).shape)

opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
for epoch in range(6):
    model.train()
    for i in range(0, 24, 8):
        logits = model(images[i:i + 8])
        loss = F.binary_cross_entropy_with_logits(logits, masks[i:i + 8]) + dice_loss(logits, masks[i:i + 8])
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        pred = (model(images) > 0).float()
        iou = ((pred * masks).sum() / ((pred + masks) > 0).float().sum()).item()
    print(f"epoch {epoch}: loss {loss.item():.4f} IoU {iou:.3f}")

print("gradient reaches the first conv:", model.down1[0].weight.grad.abs().sum().item() > 0)
print("up2 weight grad shape:", tuple(model.up2.weight.grad.shape))
