"""The wire format: arrays travel out of band (not in the pickle stream, never as lists), and the
app side refuses anything but plain data."""

from __future__ import annotations

import os
from multiprocessing import Pipe

import numpy as np
import pytest

from gradviz.kernel import protocol


def test_an_array_travels_as_a_buffer_not_inside_the_stream():
    array = np.arange(131072, dtype=np.float64)  # 1 MiB
    header, buffers = protocol.encode({"array": array, "shape": array.shape})
    assert len(buffers) == 1 and buffers[0].raw().nbytes == array.nbytes
    assert len(header) < 1000  # only a placeholder in the stream
    assert bytes(buffers[0].raw()) == array.tobytes()  # the buffer is the array's own memory


def test_a_message_round_trips_over_a_pipe():
    left, right = Pipe()
    message = {"id": 3, "ok": True, "result": {"a": np.eye(3, dtype=np.float32), "names": ["x"],
                                                 "t": (1, 2), "n": None, "grads": {("n1", 0): np.ones(2)}}}
    protocol.send(left, message)
    got = protocol.receive(right)
    assert got["id"] == 3 and got["result"]["names"] == ["x"] and got["result"]["t"] == (1, 2)
    np.testing.assert_array_equal(got["result"]["a"], np.eye(3, dtype=np.float32))
    assert got["result"]["a"].dtype == np.float32 and isinstance(got["result"]["grads"][("n1", 0)], np.ndarray)


def test_the_app_side_refuses_anything_but_plain_data():
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    header, buffers = protocol.encode({"x": Evil()})
    with pytest.raises(protocol.ProtocolError, match="refusing to unpickle"):
        protocol.decode(header, [b.raw() for b in buffers])
