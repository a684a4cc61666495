"""A data-dependent loop: the graph's length depends on the input values.

Newton's method for the square root, ``r <- (r + a / r) / 2``, runs until the update is tiny, so
the number of recorded nodes depends on ``a``. Autograd differentiates through whatever ran: the
result's gradient matches d sqrt(a)/da = 1 / (2 sqrt(a)) closely. The graph is walked to count the
iterations that were recorded.
"""

import engine as torch

for value in [2.0, 9.0, 100.0]:
    a = torch.tensor(value, dtype=torch.float64, requires_grad=True)
    r = a / 2
    steps = 0
    while True:
        new_r = (r + a / r) / 2
        steps += 1
        if (new_r - r).abs().item() < 1e-12:
            r = new_r
            break
        r = new_r
    r.backward()

    # Count the DivBackward0 nodes reachable from r (two per Newton step, plus the initial a / 2).
    seen, stack, divs = set(), [r.grad_fn], 0
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        divs += node.name() == "DivBackward0"
        stack.extend(fn for fn, _ in node.next_functions)

    print(f"a = {value}: sqrt = {r.item():.6f} after {steps} steps, {divs} DivBackward0 nodes")
    print(f"  grad {a.grad.item():.6f}  expected {1 / (2 * value ** 0.5):.6f}")
