"""Many small arrays (a step state's gradients) travel packed in one buffer and come back equal:
same keys, dtypes, shapes and values; large arrays still travel as frames of their own."""

from __future__ import annotations

import numpy as np

from gradviz.kernel import protocol


def round_trip(message: dict) -> dict:
    """Encoded and decoded as a pipe would carry it (frames are bytes, so the arrays are views)."""
    header, buffers = protocol.encode(message)
    return protocol.decode(bytes(header), [bytes(b.raw()) for b in buffers])


def test_packed_arrays_round_trip_with_their_dtypes_shapes_and_values():
    rng = np.random.default_rng(0)
    arrays = {
        ("n1", 0): rng.standard_normal((4, 8)).astype(np.float32),
        ("n1", 1): rng.standard_normal(3),  # float64, 24 bytes: the next one starts unaligned unless padded
        ("n2", 0): np.float64(2.5) * np.ones(()),
        ("n3", 0): np.zeros((0, 5), dtype=np.float32),
        "t7": np.arange(10, dtype=np.int64)[::3],  # not contiguous
        "half": np.arange(5, dtype=np.float16),
        "big": rng.standard_normal(50_000),  # above PACK_LIMIT: its own frame
    }
    packed = protocol.pack_arrays(arrays)
    assert set(packed["large"]) == {"big"}
    got = protocol.unpack_arrays(round_trip({"g": packed})["g"])
    assert list(got) == [k for k in arrays if k != "big"] + ["big"]
    for key, array in arrays.items():
        assert got[key].dtype == array.dtype, key
        assert got[key].shape == array.shape, key
        np.testing.assert_array_equal(got[key], array)
        assert got[key].ctypes.data % got[key].dtype.alignment == 0, key  # aligned views


def test_a_step_state_with_thousands_of_gradients_is_two_frames():
    state = {"position": 3, "states": {f"n{i}": "done" for i in range(3000)},
             "edge_grads": {(f"n{i}", 0): np.full((2, 3), i, dtype=np.float32) for i in range(3000)},
             "leaf_grads": {"t1": np.ones(4)}}
    header, buffers = protocol.encode(protocol.pack_step_state(state))
    assert len(buffers) == 2  # the two packed buffers, not 3,001 frames
    got = protocol.unpack_step_state(protocol.decode(header, [b.raw() for b in buffers]))
    assert got["position"] == 3 and got["states"] == state["states"]
    assert got["edge_grads"].keys() == state["edge_grads"].keys()
    np.testing.assert_array_equal(got["edge_grads"][("n2999", 0)], np.full((2, 3), 2999, dtype=np.float32))
    np.testing.assert_array_equal(got["leaf_grads"]["t1"], np.ones(4))
