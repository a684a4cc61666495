"""Advantage actor-critic on a 1-D corridor, in the style of the PyTorch RL examples.

The agent starts in the middle of a corridor and is rewarded at the right end. A shared MLP
trunk feeds a policy head (``Categorical``) and a value head; the loss is
``-log_prob * advantage + 0.5 * value_loss - 0.01 * entropy`` over each episode's discounted
returns. Actions are taken greedily from numpy-seeded noise so the run is reproducible.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Categorical, Normal

N_STATES, GAMMA = 7, 0.9
rng = np.random.default_rng(42)


def one_hot(s):
    return F.one_hot(torch.tensor(s), N_STATES).float()


class ActorCritic(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(N_STATES, 16), nn.Tanh())
        self.policy = nn.Linear(16, 2)
        self.value = nn.Linear(16, 1)

    def forward(self, x):
        h = self.trunk(x)
        return Categorical(logits=self.policy(h)), self.value(h).squeeze(-1)


model = ActorCritic()
g = np.random.default_rng(0)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(g.normal(0, 0.3, tuple(p.shape)), dtype=torch.float32))
optimizer = torch.optim.RMSprop(model.parameters(), lr=0.01)


def choose(dist):
    # Sample by inverse CDF with numpy's uniform draw: same episode under every library.
    u = rng.random()
    return int(u > dist.probs[0].item())


for episode in range(25):
    state, log_probs, values, rewards, entropies = N_STATES // 2, [], [], [], []
    for _ in range(12):
        dist, value = model(one_hot(state))
        action = choose(dist)
        log_probs.append(dist.log_prob(torch.tensor(action)))
        entropies.append(dist.entropy())
        values.append(value)
        state = max(0, min(N_STATES - 1, state + (1 if action == 1 else -1)))
        rewards.append(1.0 if state == N_STATES - 1 else -0.05)
        if state == N_STATES - 1:
            break
    returns, ret = [], 0.0
    for r in reversed(rewards):
        ret = r + GAMMA * ret
        returns.insert(0, ret)
    returns = torch.tensor(returns)
    values = torch.stack(values)
    advantage = returns - values.detach()
    policy_loss = -(torch.stack(log_probs) * advantage).sum()
    value_loss = F.smooth_l1_loss(values, returns)
    loss = policy_loss + 0.5 * value_loss - 0.01 * torch.stack(entropies).sum()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if episode % 5 == 4:
        print(f"episode {episode + 1}: steps {len(rewards)} return {returns[0].item():.3f} loss {loss.item():.4f}")

with torch.no_grad():
    probs = torch.stack([model(one_hot(s))[0].probs[1] for s in range(N_STATES)])
    print("P(right) per state:", probs.round(decimals=3))
    print("values:", model(torch.eye(N_STATES))[1].round(decimals=3))

# A Gaussian policy's log-density and its gradient, as used by continuous-action agents.
mu = torch.tensor([0.2, -0.4], requires_grad=True)
log_std = torch.tensor([-0.5, 0.1], requires_grad=True)
dist = Normal(mu, log_std.exp())
a = torch.tensor([0.0, 0.3])
logp = dist.log_prob(a).sum()
logp.backward()
print("log_prob:", round(logp.item(), 5), "entropy:", dist.entropy().sum().item())
print("d/dmu:", mu.grad, "d/dlog_std:", log_std.grad)
print("grad_fn:", logp.grad_fn.name())
