"""``gradviz export --gradient V``: the v of ``root.backward(v)`` for a root that is not a single
number, evaluated in the script as the app's gradient field is (both backends)."""

from __future__ import annotations

import json

import pytest

from gradviz import cli

SCRIPT = "import torch\nw = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\nout = w * w\n"


@pytest.mark.parametrize("backend", ["engine", "torch"])
def test_the_gradient_vector_is_evaluated_in_the_script(backend, capsys, tmp_path):
    script = tmp_path / "s.py"
    script.write_text(SCRIPT)
    out = tmp_path / "g.json"
    args = ["export", str(script), "-o", str(out), "--steps", "all", "--backend", backend]
    assert cli.main([*args, "--gradient", "torch.tensor([1.0, 0.5, -1.0]) * w"]) == 0
    # d(w*w)/dw = 2w, times v = [1, 0.5, -1] * w: 2 * w * w * [1, 0.5, -1]
    assert json.loads(out.read_text())["leaves"]["w"]["grad"] == [2.0, 4.0, -18.0]
    assert cli.main(args) == 0  # without it: ones, the gradient of out.sum()
    assert json.loads(out.read_text())["leaves"]["w"]["grad"] == [2.0, 4.0, 6.0]


def test_a_bad_vector_fails_with_the_reason_and_gradient_needs_steps(capsys, tmp_path):
    script = tmp_path / "s.py"
    script.write_text(SCRIPT)
    out = tmp_path / "g.json"
    assert cli.main(["export", str(script), "-o", str(out), "--steps", "all", "--gradient", "nope"]) == 1
    assert "raised NameError" in capsys.readouterr().err and not out.exists()
    assert cli.main(["export", str(script), "-o", str(out), "--gradient", "ones"]) == 2
    assert "--gradient is the v of a backward: give --steps too" in capsys.readouterr().err
