"""The residual-block model scripts several tests run (module boxes, collapse, breakpoints inside a
collapsed module): ``Net`` of ``blocks`` × ``x + tanh(Linear(x))`` under ``blocks``, optionally an
output ``Linear`` (``out``), and ``loss = model(randn(3, 4)).sum()``. ``tests/`` is on sys.path
(tests/conftest.py), so any test imports this as ``residual_scripts``."""

from __future__ import annotations

_HEADERS = {"from": "import torch\nfrom torch import nn\n", "import": "import torch\nnn = torch.nn\n",
            None: "nn = torch.nn\n"}  # None: the app's editor, where torch is already imported


def residual_blocks_script(blocks: int = 2, head: bool = False, imports: str | None = "from") -> str:
    sequence = "Block(), Block()" if blocks == 2 else f"*(Block() for _ in range({blocks}))"
    return _HEADERS[imports] + f"""\
class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
    def forward(self, x):
        return x + torch.tanh(self.fc(x))
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.Sequential({sequence})
""" + ("        self.out = nn.Linear(4, 2)\n" if head else "") + """\
    def forward(self, x):
""" + ("        return self.out(self.blocks(x))\n" if head else "        return self.blocks(x)\n") + """\
model = Net()
loss = model(torch.randn(3, 4)).sum()
"""
