"""Helpers the optim fixture cases share: JSON descriptions of results and recorded errors."""

from __future__ import annotations

import json
import warnings


def _plain(value):
    """A state-dict entry as JSON: tensors as lists, tuples as lists."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def _plain_group(group):
    return {k: _plain(v) for k, v in group.items()}


def _errors(torch, cases):
    found = {}
    for label, call in cases:
        try:
            call()
        except Exception as e:  # noqa: BLE001 - recording whatever PyTorch raises
            found[label] = [type(e).__name__, str(e)]
        else:
            found[label] = None
    return found


def _errors_or_values(cases):
    found = {}
    for label, call in cases:
        try:
            value = call()
        except Exception as e:  # noqa: BLE001 - recording whatever PyTorch raises
            found[label] = {"error": [type(e).__name__, str(e)]}
        else:
            found[label] = {"value": json.loads(json.dumps(value, default=repr))}
    return found


def describe(value):
    """A batch as JSON: tensors by dtype, shape and values; containers element by element."""
    if hasattr(value, "tolist") and hasattr(value, "dtype"):
        return {"tensor": str(value.dtype), "shape": list(value.shape), "values": value.tolist()}
    if isinstance(value, dict):
        return {"dict": {k: describe(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return {type(value).__name__: [describe(v) for v in value]}
    return value


def _caught_warnings(thunk):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = thunk()
    # PyTorch appends the C++ source location to some messages; compare up to it.
    return value, [[w.category.__name__, str(w.message).split(" (Triggered internally")[0]] for w in caught]
