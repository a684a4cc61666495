"""``gradviz export --collapse/--fold/--params``: the flags, the JSON records, legible pictures.

Timing is not asserted here (the machine is shared); ``bench/bench_grouping.py`` measures it.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest

from gradviz import cli
from gradviz.model.export import validate_graph_json

sys.path.insert(0, str(Path(__file__).resolve().parent))
from png_check import read_png  # noqa: E402
from test_cli import run_cli  # noqa: E402

MLP = textwrap.dedent(
    """\
    import torch
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self, d):
            super().__init__()
            self.fc = nn.Linear(d, d)

        def forward(self, x):
            return x + torch.tanh(self.fc(x))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.inp = nn.Linear(4, 8)
            self.blocks = nn.Sequential(*[Block(8) for _ in range(3)])
            self.out = nn.Linear(8, 3)

        def forward(self, x):
            return self.out(self.blocks(self.inp(x)))

    torch.manual_seed(0)
    model = Net()
    loss = model(torch.randn(5, 4)).pow(2).mean()
    """
)


def chain_script(n: int) -> str:
    return ("import torch\nx = torch.ones(3, requires_grad=True)\ny = x\n"
            f"for _ in range({n}):\n    y = y * 1.0001\nloss = y.sum()\n")


@pytest.fixture
def mlp(tmp_path) -> Path:
    path = tmp_path / "mlp.py"
    path.write_text(MLP)
    return path


def export_json(capsys, script: Path, out: Path, *flags: str) -> tuple[dict, str]:
    status = cli.main(["export", str(script), "-o", str(out), *flags])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    doc = json.loads(out.read_text())
    assert validate_graph_json(doc) == []
    return doc, captured.err


def test_help_lists_the_grouping_flags(capsys):
    assert cli.main(["export", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for flag in ("--collapse auto|none|all|DEPTH", "--fold {on,off}", "--params {full,compact}"):
        assert flag in text
    assert "never the data" in text


@pytest.mark.parametrize("flags", [["--collapse", "0"], ["--collapse", "deep"], ["--fold", "yes"],
                                   ["--params", "tiny"]])
def test_bad_grouping_flags_exit_2(capsys, mlp, tmp_path, flags):
    assert cli.main(["export", str(mlp), "-o", str(tmp_path / "g.json"), *flags]) == 2
    assert "usage: gradviz export" in capsys.readouterr().err
    assert not (tmp_path / "g.json").exists()


def test_collapse_depth_records_modules_and_keeps_every_node(capsys, mlp, tmp_path):
    full, _ = export_json(capsys, mlp, tmp_path / "full.json", "--collapse", "none")
    doc, err = export_json(capsys, mlp, tmp_path / "g.json", "--collapse", "2", "--params", "compact")
    # Collapsing changes the picture, never the data: the same nodes and edges.
    assert [n["id"] for n in doc["nodes"]] == [n["id"] for n in full["nodes"]]
    assert doc["edges"] == full["edges"]
    modules = {m["path"]: m for m in doc["modules"]}
    assert modules["blocks.0"]["class"] == "Block" and modules["blocks.0"]["collapsed"] is True
    assert modules["blocks"]["class"] == "Sequential" and modules["blocks"]["collapsed"] is False
    inside = [n for n in doc["nodes"] if n["id"] in set(modules["blocks.2"]["nodes"])]
    assert inside and all(n["group"] == "module:blocks.2" for n in inside)
    assert {(n["x"], n["y"]) for n in inside} == {(modules["blocks.2"]["x"], modules["blocks.2"]["y"])}
    assert "3 module(s) collapsed" in err and "parameter(s) shown as badges" in err
    # nothing collapsed: every module record says so and every node is drawn as itself
    assert all(not m["collapsed"] for m in full["modules"]) and all(n["group"] is None for n in full["nodes"])


def test_collapse_all_and_fold_off(capsys, mlp, tmp_path):
    doc, _ = export_json(capsys, mlp, tmp_path / "g.json", "--collapse", "all")
    assert {m["path"] for m in doc["modules"] if m["collapsed"] and m["parent"] is None} == {"inp", "blocks", "out"}
    chain = tmp_path / "chain.py"
    chain.write_text(chain_script(300))
    folded, err = export_json(capsys, chain, tmp_path / "c.json")
    (fold,) = folded["folds"]
    assert fold["name"] == "MulBackward0" and fold["count"] == 298 and len(fold["nodes"]) == 298
    assert "MulBackward0 × 298" in err
    plain, _ = export_json(capsys, chain, tmp_path / "p.json", "--fold", "off")
    assert plain["folds"] == [] and len(plain["nodes"]) == len(folded["nodes"])
    # unfolded, the 300 Muls lie on 300 different rows; folded, 298 of them share the fold's place
    assert len({n["y"] for n in plain["nodes"]}) > len({n["y"] for n in folded["nodes"]}) + 290


def test_a_20000_op_chain_exports_a_legible_png(tmp_path):
    chain = tmp_path / "chain.py"
    chain.write_text(chain_script(20_000))
    out = tmp_path / "chain.png"
    done = run_cli("export", str(chain), "-o", str(out), "--params", "compact")
    assert done.returncode == 0, done.stderr
    assert "20003 nodes" in done.stdout
    image = read_png(out.read_bytes())
    # A few boxes one above the other, at full size: not a 1-pixel sliver, not 129 columns.
    assert 150 <= image.width <= 400 and 300 <= image.height <= 800, (image.width, image.height)
    assert "MulBackward0 × 19,998" in done.stderr
