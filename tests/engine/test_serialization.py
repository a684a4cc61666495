"""engine.save / engine.load: round trips of state dicts, and no code execution on load."""

from __future__ import annotations

import io
import json
from collections import OrderedDict

import numpy as np
import pytest

import engine
from engine import nn, optim


def test_module_state_dict_round_trip(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    path = tmp_path / "model.pt"
    engine.save(model.state_dict(), path)
    assert path.exists()  # the exact name, not "model.pt.npz"
    loaded = engine.load(path)
    assert isinstance(loaded, OrderedDict)
    assert list(loaded) == list(model.state_dict())
    for key, value in model.state_dict().items():
        assert loaded[key].dtype is value.dtype
        np.testing.assert_array_equal(loaded[key]._data, value._data)
    other = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    assert repr(other.load_state_dict(loaded)) == "<All keys matched successfully>"
    x = engine.randn(5, 3)
    np.testing.assert_array_equal(other(x)._data, model(x)._data)


def test_optimizer_state_dict_round_trip_keeps_int_keys_tuples_and_none():
    p = nn.Parameter(engine.ones(2))
    opt = optim.Adam([p], lr=0.01, betas=(0.8, 0.9))
    (p * p).sum().backward()
    opt.step()
    buffer = io.BytesIO()
    engine.save(opt.state_dict(), buffer)
    buffer.seek(0)
    loaded = engine.load(buffer)
    assert list(loaded["state"]) == [0]
    assert loaded["param_groups"][0]["betas"] == (0.8, 0.9)
    assert loaded["param_groups"][0]["foreach"] is None
    assert loaded["state"][0]["step"].item() == 1.0
    np.testing.assert_array_equal(loaded["state"][0]["exp_avg"]._data, opt.state[p]["exp_avg"]._data)


def test_values_types_and_shared_tensors():
    t = engine.arange(6).reshape(2, 3)
    param = nn.Parameter(engine.tensor([1.5, float("nan")], dtype=engine.float64))
    obj = {"a": [t, t], "b": (1, 2.5, "x", None, True), "p": param, "nested": {"k": engine.tensor(True)}}
    buffer = io.BytesIO()
    engine.save(obj, buffer)
    loaded = engine.load(buffer.getvalue())
    assert loaded["a"][0] is loaded["a"][1] and loaded["a"][0].dtype is engine.int64
    assert loaded["b"] == (1, 2.5, "x", None, True)
    assert isinstance(loaded["p"], nn.Parameter) and loaded["p"].requires_grad
    assert np.isnan(loaded["p"]._data[1]) and loaded["p"].dtype is engine.float64
    assert loaded["nested"]["k"].item() is True


def test_whole_modules_load_only_with_weights_only_false():
    import pickle

    buffer = io.BytesIO()
    lin = nn.Linear(2, 1)
    engine.save(lin, buffer)
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        engine.load(io.BytesIO(buffer.getvalue()))
    loaded = engine.load(io.BytesIO(buffer.getvalue()), weights_only=False)
    assert isinstance(loaded, nn.Linear) and isinstance(loaded.weight, nn.Parameter)
    assert np.array_equal(loaded.weight._data, lin.weight._data) and loaded.weight.requires_grad


def test_unpicklable_objects_are_refused():
    with pytest.raises(TypeError, match="cannot store objects of type generator"):
        engine.save((i for i in range(2)), io.BytesIO())


def test_file_is_plain_npz_without_pickles(tmp_path):
    path = tmp_path / "sd.bin"
    engine.save({"w": engine.ones(2)}, path)
    with np.load(path, allow_pickle=False) as archive:
        structure = json.loads(str(archive["__structure__"]))
        assert structure["format"] == "engine-npz"
        assert archive["t0"].tolist() == [1.0, 1.0]


def test_loading_a_pickled_array_fails_instead_of_running_code(tmp_path):
    path = tmp_path / "evil.npz"
    with open(path, "wb") as fh:
        np.savez(fh, __structure__=np.array(json.dumps({"format": "engine-npz", "root": {"type": "tensor", "index": 0}})),
                 t0=np.array([object()], dtype=object))
    with pytest.raises(ValueError, match="allow_pickle"):
        engine.load(path)


def test_non_engine_files_are_rejected(tmp_path):
    path = tmp_path / "other.npz"
    with open(path, "wb") as fh:
        np.savez(fh, x=np.ones(2))
    with pytest.raises(RuntimeError, match="not a file written by engine.save"):
        engine.load(path)
