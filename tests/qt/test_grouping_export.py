"""The app's export writes the grouping on screen through the CLI's pipeline
(``export_job.grouped_document``): each node's ``group``, the ``modules`` and ``folds`` records."""

from __future__ import annotations

import json

import pytest

from gradviz import cli
from gradviz.qt.export_dialog import export_graph

CHAIN = "import torch\nx = torch.ones(3, requires_grad=True)\ny = x\nfor _ in range(200):\n    y = y * 1.0001\nloss = y.sum()\n"


def run_and_wait(qtbot, window, code):
    window.editor.setPlainText(code)
    window.action_run.trigger()
    qtbot.waitUntil(lambda: not window.is_busy() and window.scene is not None, timeout=30000)


def test_app_json_of_a_folded_chain_matches_the_cli(qtbot, window, tmp_path, capsys):
    run_and_wait(qtbot, window, CHAIN)
    (fold_id,) = [n for n, item in window.scene.items_by_id.items() if item.kind == "fold"]
    export_graph(window.workspace, tmp_path / "app.json", "json")
    app = json.loads((tmp_path / "app.json").read_text())
    script = tmp_path / "chain.py"
    script.write_text(CHAIN)
    assert cli.main(["export", str(script), "-o", str(tmp_path / "cli.json")]) == 0, capsys.readouterr().err
    cli_doc = json.loads((tmp_path / "cli.json").read_text())
    assert [f["id"] for f in app["folds"]] == [f["id"] for f in cli_doc["folds"]] == [fold_id]
    assert app["folds"][0]["nodes"] == cli_doc["folds"][0]["nodes"]
    groups = {n["id"]: n["group"] for n in app["nodes"]}
    assert groups == {n["id"]: n["group"] for n in cli_doc["nodes"]}
    folded = [n for n, g in groups.items() if g == fold_id]
    assert sorted(folded) == sorted(app["folds"][0]["nodes"])
    # every folded node sits where its fold is drawn in the app
    x, y = window.positions[fold_id]
    for node in app["nodes"]:
        if node["group"] == fold_id:
            assert (node["x"], node["y"]) == pytest.approx((x, y))


def test_app_json_lists_collapsed_modules_as_drawn(qtbot, window, tmp_path):
    code = ("import torch\nnn = torch.nn\nnet = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))\n"
            "loss = net(torch.randn(2, 3)).sum()\n")
    run_and_wait(qtbot, window, code)
    window.workspace.collapse_module("0")
    qtbot.waitUntil(lambda: not window.is_busy() and "module:0" in window.scene.items_by_id, timeout=30000)
    export_graph(window.workspace, tmp_path / "app.json", "json")
    doc = json.loads((tmp_path / "app.json").read_text())
    records = {m["path"]: m for m in doc["modules"]}
    assert records["0"]["collapsed"] and records["0"]["class"] == "Linear"
    assert not records["2"]["collapsed"]
    inside = {n["id"] for n in doc["nodes"] if n["group"] == "module:0"}
    assert inside and inside <= set(records["0"]["nodes"])
