"""REINFORCE in the style of pytorch/examples: a Categorical policy, log_prob, discounted returns.

The environment is a deterministic toy and the actions are taken greedily from a fixed schedule,
so nothing depends on the random number generator; sampling is only checked for shape and range.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.distributions import Categorical, Normal

gamma = 0.99
eps = np.finfo(np.float32).eps.item()
print(eps == torch.finfo(torch.float32).eps, torch.finfo(torch.float64).eps, torch.finfo(torch.float16).max)
print(torch.iinfo(torch.int32).max, torch.finfo(torch.float32).tiny)


class Policy(nn.Module):
    def __init__(self):
        super(Policy, self).__init__()
        self.affine1 = nn.Linear(4, 32)
        self.dropout = nn.Dropout(p=0.6)
        self.affine2 = nn.Linear(32, 2)
        self.saved_log_probs = []
        self.rewards = []

    def forward(self, x):
        x = self.affine1(x)
        x = self.dropout(x)
        x = F.relu(x)
        action_scores = self.affine2(x)
        return F.softmax(action_scores, dim=1)


policy = Policy()
rng = np.random.default_rng(13)
with torch.no_grad():
    for p in policy.parameters():
        p.copy_(torch.tensor(rng.uniform(-0.3, 0.3, tuple(p.shape)), dtype=torch.float32))
policy.eval()  # dropout would draw random numbers
optimizer = optim.Adam(policy.parameters(), lr=1e-2)


def select_action(state, action):
    state = torch.from_numpy(state).float().unsqueeze(0)
    probs = policy(state)
    m = Categorical(probs)
    policy.saved_log_probs.append(m.log_prob(torch.tensor([action])))
    return action, m


def finish_episode():
    R = 0
    policy_loss = []
    returns = []
    for r in policy.rewards[::-1]:
        R = r + gamma * R
        returns.insert(0, R)
    returns = torch.tensor(returns)
    returns = (returns - returns.mean()) / (returns.std() + eps)
    for log_prob, R in zip(policy.saved_log_probs, returns):
        policy_loss.append(-log_prob * R)
    optimizer.zero_grad()
    policy_loss = torch.cat(policy_loss).sum()
    policy_loss.backward()
    optimizer.step()
    del policy.rewards[:]
    del policy.saved_log_probs[:]
    return policy_loss


states = rng.uniform(-1, 1, (6, 4)).astype(np.float32)
for i_episode in range(5):
    for t, state in enumerate(states):
        action, m = select_action(state, (t + i_episode) % 2)
        policy.rewards.append(1.0 if action == int(state[0] > 0) else -0.5)
    loss = finish_episode()
    print(i_episode, f"{loss.item():.4f}", m.probs.detach().numpy().round(4).tolist(), f"{m.entropy().item():.4f}")
print(m, m.batch_shape, m.event_shape, loss.grad_fn)
s = m.sample()
print(s.shape, s.dtype, int(s) in (0, 1), m.sample((3,)).shape)
c = Categorical(logits=torch.tensor([[0.5, 1.0, -1.0], [0.0, 0.0, 0.0]], requires_grad=True))
lp = c.log_prob(torch.tensor([1, 2]))
print(lp, c.entropy(), c.probs)
lp.sum().backward()
n = Normal(torch.tensor([0.0, 1.0], requires_grad=True), torch.tensor([1.0, 0.5]))
print(n, n.log_prob(torch.tensor([0.5, 0.5])), n.entropy(), n.mean, n.stddev, n.variance)
print(torch.distributions.kl_divergence(n, Normal(torch.zeros(2), torch.ones(2))))
print(n.rsample((4,)).shape, n.rsample().requires_grad, n.sample().requires_grad)
print(torch.broadcast_tensors(torch.ones(2, 1), torch.zeros(3))[0].shape, torch.broadcast_shapes((2, 1), (1, 3)))
