"""Knowledge distillation: a frozen teacher MLP's softened outputs train a smaller student with
KL divergence at temperature T plus the hard-label loss (Hinton et al.), with weight tying in the
student's embedding/output layers and a OneCycleLR schedule."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(41)
X = torch.tensor(rng.normal(0, 1, (128, 6)), dtype=torch.float32)
W_true = torch.tensor(rng.normal(0, 1, (6, 4)), dtype=torch.float32)
Y = (X @ W_true).argmax(1)


def numpy_init(module, seed, scale=0.4):
    g = np.random.default_rng(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.tensor(g.normal(0, scale, tuple(p.shape)), dtype=torch.float32))


teacher = nn.Sequential(nn.Linear(6, 32), nn.GELU(), nn.Linear(32, 32), nn.GELU(), nn.Linear(32, 4))
numpy_init(teacher, 0)
opt = torch.optim.Adam(teacher.parameters(), lr=0.01)
for _ in range(60):
    loss = F.cross_entropy(teacher(X), Y)
    opt.zero_grad()
    loss.backward()
    opt.step()
print("teacher loss:", round(loss.item(), 4), "accuracy:", (teacher(X).argmax(1) == Y).float().mean().item())
teacher.requires_grad_(False)
teacher.eval()
print("teacher trainable parameters:", sum(p.numel() for p in teacher.parameters() if p.requires_grad))


class Student(nn.Module):
    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(6, 8)
        self.hidden = nn.Linear(8, 8)
        self.out = nn.Linear(8, 4)
        self.proj = nn.Linear(4, 8, bias=False)
        self.proj.weight = nn.Parameter(self.out.weight.t().detach().contiguous())

    def forward(self, x):
        h = F.silu(self.inp(x))
        return self.out(F.silu(self.hidden(h)) + 0.1 * self.proj(F.softmax(self.out(h), -1)))


student = Student()
numpy_init(student, 1)
vec = nn.utils.parameters_to_vector(student.parameters())
print("student parameters:", vec.numel())

T, alpha = 3.0, 0.7
kl = nn.KLDivLoss(reduction="batchmean")
opt = torch.optim.SGD(student.parameters(), lr=0.1, momentum=0.9)
sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.2, total_steps=40)
for step in range(40):
    with torch.no_grad():
        soft_targets = F.softmax(teacher(X) / T, dim=1)
    logits = student(X)
    distill = kl(F.log_softmax(logits / T, dim=1), soft_targets) * T * T
    hard = F.cross_entropy(logits, Y)
    loss = alpha * distill + (1 - alpha) * hard
    opt.zero_grad()
    loss.backward()
    opt.step()
    sched.step()
    if step % 10 == 9:
        print(f"step {step + 1}: distill {distill.item():.4f} hard {hard.item():.4f} lr {sched.get_last_lr()[0]:.4f}")

with torch.no_grad():
    agree = (student(X).argmax(1) == teacher(X).argmax(1)).float().mean().item()
    log_t = F.log_softmax(teacher(X), 1)
    print("student/teacher agreement:", agree)
    print("KL with log_target:", round(F.kl_div(F.log_softmax(student(X), 1), log_t, reduction="batchmean",
                                                log_target=True).item(), 4))
print("teacher grads untouched:", all(p.grad is None for p in teacher.parameters()))
