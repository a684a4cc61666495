"""``default_collate`` / ``default_convert``: turn a list of samples into a batch, PyTorch's rules:
tensors stack, Python floats become a float64 tensor and ints an int64 tensor, numpy arrays become
tensors, strings stay a list, and mappings, named tuples and sequences are collated field by field
(a tuple of fields comes back as a *list* of batches, as in PyTorch)."""

from __future__ import annotations

import collections.abc
import re

import numpy as np

from ... import _dtype
from ..._factories import as_tensor, tensor
from ..._tensor import Tensor
from ...ops.joining import stack

_NUMPY_BAD_DTYPE = re.compile(r"[SaUO]")
_ELEM_TYPE_ERROR = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)


def _tensor(data, dtype=None) -> Tensor:
    return tensor(data, dtype=dtype)


def _as_tensor(array) -> Tensor:
    return as_tensor(array)


def _is_namedtuple(obj) -> bool:
    return isinstance(obj, tuple) and hasattr(obj, "_fields")


def default_collate(batch):
    """Collate a list of samples into one batch (see the module docstring for the rules)."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(list(batch), 0)
    if type(elem).__module__ == "numpy" and not isinstance(elem, (str, bytes)):
        if isinstance(elem, np.ndarray):
            if _NUMPY_BAD_DTYPE.search(elem.dtype.str) is not None:
                raise TypeError(_ELEM_TYPE_ERROR.format(elem.dtype))
            return default_collate([_as_tensor(b) for b in batch])
        if elem.shape == ():  # numpy scalars
            return _as_tensor(np.array(batch))
    if isinstance(elem, bool):
        return _tensor(batch)
    if isinstance(elem, float):
        return _tensor(batch, dtype=_dtype.float64)
    if isinstance(elem, int):
        return _tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        try:
            return type(elem)({key: default_collate([d[key] for d in batch]) for key in elem})
        except TypeError:  # the mapping type does not take a dict
            return {key: default_collate([d[key] for d in batch]) for key in elem}
    if _is_namedtuple(elem):
        return type(elem)(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        it = iter(batch)
        elem_size = len(next(it))
        if not all(len(e) == elem_size for e in it):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [default_collate(samples) for samples in transposed]
        try:
            return type(elem)([default_collate(samples) for samples in transposed])
        except TypeError:
            return [default_collate(samples) for samples in transposed]
    raise TypeError(_ELEM_TYPE_ERROR.format(type(elem)))


def default_convert(data):
    """Without auto-batching: numpy arrays become tensors, containers are converted inside."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        if _NUMPY_BAD_DTYPE.search(data.dtype.str) is not None:
            return data
        return _as_tensor(data)
    if isinstance(data, np.generic) and not isinstance(data, (np.str_, np.bytes_)):
        return _as_tensor(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return type(data)({k: default_convert(v) for k, v in data.items()})
    if _is_namedtuple(data):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data
