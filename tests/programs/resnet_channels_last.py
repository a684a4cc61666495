"""A small ResNet-style CNN: BasicBlock with a 1x1 downsample shortcut, channels_last inputs, eval-time top-k."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(17)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super(BasicBlock, self).__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != self.expansion * planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, self.expansion * planes, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(self.expansion * planes)
            )

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += self.shortcut(x)
        out = F.relu(out)
        return out


class ResNet(nn.Module):
    def __init__(self, num_classes=4):
        super(ResNet, self).__init__()
        self.conv1 = nn.Conv2d(3, 8, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.layer1 = BasicBlock(8, 8)
        self.layer2 = BasicBlock(8, 16, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.linear = nn.Linear(16, num_classes)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer2(self.layer1(out))
        out = torch.flatten(self.avgpool(out), 1)
        return self.linear(out)


net = ResNet()
for m in net.modules():
    if isinstance(m, nn.Conv2d):
        with torch.no_grad():
            fan_out = m.out_channels * m.kernel_size[0] * m.kernel_size[1]
            m.weight.copy_(torch.tensor(rng.normal(0, np.sqrt(2.0 / fan_out), tuple(m.weight.shape)), dtype=torch.float32))
    elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
        nn.init.constant_(m.weight, 1)
        nn.init.constant_(m.bias, 0)
with torch.no_grad():
    net.linear.weight.copy_(torch.tensor(rng.normal(0, 0.2, (4, 16)), dtype=torch.float32))
    net.linear.bias.zero_()
print(net.layer2)

x = torch.tensor(rng.standard_normal((4, 3, 8, 8)), dtype=torch.float32)
x_cl = x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)
print(x_cl.is_contiguous(), x_cl.is_contiguous(memory_format=torch.channels_last), x_cl.stride())
buf = torch.zeros_like(x_cl)
print(buf.stride(), torch.empty_like(x).stride(), torch.ones_like(x_cl.transpose(2, 3)).stride())
targets = torch.tensor([0, 1, 2, 3])
optimizer = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
for step in range(3):
    optimizer.zero_grad()
    outputs = net(x_cl)
    loss = F.cross_entropy(outputs, targets)
    loss.backward()
    optimizer.step()
    _, predicted = outputs.max(1)
    print('step %d loss %.4f correct %d' % (step, loss.item(), predicted.eq(targets).sum().item()))

net.eval()
with torch.no_grad():
    logits = net(x)
    top2 = logits.softmax(1).topk(2, dim=1)
print(top2.indices, torch.round(top2.values, decimals=4))
print(net.bn1.running_mean[:4], net.layer2.shortcut[1].num_batches_tracked)
print(net.conv1.weight.grad.norm().item() > 0, outputs.grad_fn, loss.grad_fn.next_functions)
feats = F.adaptive_max_pool3d(torch.tensor(rng.standard_normal((2, 2, 4, 4, 4)), dtype=torch.float32), (1, 2, 2))
print(feats.shape, torch.einsum(feats.flatten(1), [0, 1], feats.flatten(1), [2, 1], [0, 2]).shape)
