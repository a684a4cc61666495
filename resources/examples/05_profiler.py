"""The autograd profiler: time 1000 iterations of ``z = (z / x) * y``.

From the tutorial's "Autograd Profiler" section. Every op run inside
``torch.autograd.profiler.profile()`` is recorded under its ATen name (``aten::div``,
``aten::mul``); ``key_averages().table()`` prints the per-op summary, sorted here by self CPU
time. The timings change from run to run; the table's layout does not.
"""

import engine as torch

device = torch.device('cpu')
run_on_gpu = False
if torch.cuda.is_available():
    device = torch.device('cuda')
    run_on_gpu = True

x = torch.randn(2, 3, requires_grad=True)
y = torch.rand(2, 3, requires_grad=True)
z = torch.ones(2, 3, requires_grad=True)

with torch.autograd.profiler.profile(use_cuda=run_on_gpu) as prf:
    for _ in range(1000):
        z = (z / x) * y

print(prf.key_averages().table(sort_by='self_cpu_time_total'))
