"""The Training panel's vocabulary, Qt-free and engine-free: the losses, the optimizers and the
tutorial's TinyModel setup.

The training itself runs in the kernel (:mod:`gradviz.kernel.training_ops`) on the script's own
model, with the backend's ``nn`` losses and ``optim`` optimizers (the real ``torch.optim`` under the
PyTorch backend); the app sends the choices below and gets plain data back
(:meth:`gradviz.kernel.KernelClient.train`).
"""

from __future__ import annotations

LOSSES = ("sum of squares", "MSE", "CrossEntropy")
OPTIMIZERS = ("SGD", "Adam")

# The tutorial's setup (``import torch`` is the kernel's torch: the engine or the real one); the
# Training panel loads it into the kernel when the script has no model of its own.
TUTORIAL_TRAINING = """\
import torch

BATCH_SIZE = 16
DIM_IN = 1000
HIDDEN_SIZE = 100
DIM_OUT = 10

class TinyModel(torch.nn.Module):

    def __init__(self):
        super(TinyModel, self).__init__()

        self.layer1 = torch.nn.Linear(DIM_IN, HIDDEN_SIZE)
        self.relu = torch.nn.ReLU()
        self.layer2 = torch.nn.Linear(HIDDEN_SIZE, DIM_OUT)

    def forward(self, x):
        x = self.layer1(x)
        x = self.relu(x)
        x = self.layer2(x)
        return x

some_input = torch.randn(BATCH_SIZE, DIM_IN, requires_grad=False)
ideal_output = torch.randn(BATCH_SIZE, DIM_OUT, requires_grad=False)

model = TinyModel()
"""
