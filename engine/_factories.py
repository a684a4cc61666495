"""Tensor factories (tensor, zeros, ones, arange, rand, ...) and the engine's random generator."""

from __future__ import annotations

import math

import numpy as np

from . import _dtype
from ._api import public
from ._layout import fill_like
from ._tensor import Tensor, _make


class Generator:
    """The engine's deterministic RNG (numpy's PCG64). Seeds do not reproduce PyTorch's values."""

    def __init__(self, seed: int = 0) -> None:
        self.manual_seed(seed)

    def manual_seed(self, seed: int) -> Generator:
        self._seed = int(seed)
        self.rng = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def seed(self) -> int:
        import secrets  # lazy: secrets pulls in hmac/OpenSSL (~14 ms of import) and only seed() needs it

        s = secrets.randbits(63)
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self):
        return self.rng.bit_generator.state

    def set_state(self, state) -> None:
        self.rng.bit_generator.state = state


default_generator = Generator(0)


@public()
def manual_seed(seed: int) -> Generator:
    return default_generator.manual_seed(seed)


@public()
def seed() -> int:
    return default_generator.seed()


@public()
def initial_seed() -> int:
    return default_generator.initial_seed()


@public()
def get_rng_state():
    return default_generator.get_state()


@public()
def set_rng_state(state) -> None:
    default_generator.set_state(state)


def _finish(data: np.ndarray, requires_grad: bool) -> Tensor:
    t = _make(data)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _shape(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    shape = tuple(int(s) for s in size)
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: [{', '.join(map(str, shape))}]")
    return shape


def _np_dtype(dtype, default=None):
    if dtype is None:
        return (default or _dtype.DEFAULTS.float_dtype).numpy
    if isinstance(dtype, _dtype.dtype):
        return dtype.numpy
    raise TypeError(f"dtype must be an engine dtype such as torch.float32, not {dtype!r}")


def _infer_dtype(data):
    """The dtype torch.tensor infers: bool, int64, or the default float for Python data."""
    if isinstance(data, Tensor):
        return data._data.dtype
    if isinstance(data, np.ndarray):
        return data.dtype
    if isinstance(data, (np.generic,)):
        return data.dtype
    kinds = set()
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(x)
        elif isinstance(x, Tensor):
            kinds.add(x._data.dtype.kind)
        elif isinstance(x, bool) or isinstance(x, np.bool_):
            kinds.add("b")
        elif isinstance(x, (int, np.integer)):
            kinds.add("i")
        elif isinstance(x, (float, np.floating)):
            kinds.add("f")
        else:
            raise TypeError(f"Could not infer dtype of {type(x).__name__}")
    if "f" in kinds:
        return _dtype.DEFAULTS.float_dtype.numpy
    if "i" in kinds:
        return np.dtype(np.int64)
    if "b" in kinds:
        return np.dtype(np.bool_)
    return _dtype.DEFAULTS.float_dtype.numpy


def _to_nested(data):
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_to_nested(x) for x in data]
    return data


@public()
def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """A new leaf tensor holding a copy of ``data`` (Python numbers, nested lists, numpy arrays)."""
    np_dt = _np_dtype(dtype) if dtype is not None else _infer_dtype(data)
    if np_dt not in _dtype._NUMPY_TO_DTYPE:
        _dtype.from_numpy(np_dt)
    if isinstance(data, (list, tuple)):
        _check_rectangular(data)
    arr = np.array(_to_nested(data), dtype=np_dt)
    if requires_grad and arr.dtype.kind != "f":
        # torch.tensor's own wording (capitalised, unlike requires_grad_()).
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    return _finish(arr, requires_grad)


def _check_rectangular(data) -> None:
    """Raise PyTorch's error for ragged nested lists (numpy's message is different)."""
    level = [data]
    dim = 0
    while level:
        first = level[0]
        if not isinstance(first, (list, tuple)):
            return
        length = len(first)
        nxt = []
        for item in level:
            if not isinstance(item, (list, tuple)):
                raise TypeError("not a sequence")
            if len(item) != length:
                raise ValueError(f"expected sequence of length {length} at dim {dim} (got {len(item)})")
            nxt.extend(item)
        level = nxt if any(isinstance(x, (list, tuple)) for x in nxt) else []
        dim += 1


@public()
def as_tensor(data, dtype=None, device=None) -> Tensor:
    if isinstance(data, Tensor) and (dtype is None or data.dtype is dtype):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == dtype.numpy):
        _dtype.from_numpy(data.dtype)
        return _make(data)
    return tensor(data, dtype=dtype)


@public()
def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray``."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dtype.from_numpy(ndarray.dtype)
    return _make(ndarray)


def _filled(fill, size, dtype, requires_grad, default=None):
    shape = _shape(size)
    return _finish(np.full(shape, fill, dtype=_np_dtype(dtype, default)), requires_grad)


@public()
def zeros(*size, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    return _filled(0, size, dtype, requires_grad)


@public()
def ones(*size, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    return _filled(1, size, dtype, requires_grad)


@public()
def empty(*size, dtype=None, device=None, requires_grad=False, out=None, memory_format=None) -> Tensor:
    # Zero-filled rather than uninitialised: deterministic output is kinder to a teaching tool.
    return _filled(0, size, dtype, requires_grad)


@public()
def full(size, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    if dtype is None:
        dtype = _dtype.bool_ if isinstance(fill_value, bool) else (
            _dtype.int64 if isinstance(fill_value, int) else _dtype.DEFAULTS.float_dtype
        )
    return _filled(fill_value, (tuple(size),), dtype, requires_grad)


def _like(fn):
    def like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None, **kw):
        out = fn(input._data.shape, dtype=dtype or input.dtype, requires_grad=requires_grad, **kw)
        return _laid_out_like(out, input, memory_format)

    return like


def _laid_out_like(out: Tensor, input: Tensor, memory_format) -> Tensor:
    """``out`` (a fresh C-ordered tensor) re-laid as PyTorch's ``memory_format`` rule lays out a
    tensor like ``input`` (preserve_format: a transposed or channels-last input keeps its strides)."""
    if memory_format is None and (input._data.flags.c_contiguous or input._data.ndim < 2):
        return out  # the common case: nothing to re-lay
    out._data = fill_like(input._data, out._data, memory_format)
    return out


zeros_like = public("zeros_like")(_like(zeros))
ones_like = public("ones_like")(_like(ones))
empty_like = public("empty_like")(_like(empty))


@public()
def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    out = full(input._data.shape, fill_value, dtype=dtype or input.dtype, requires_grad=requires_grad)
    return _laid_out_like(out, input, memory_format)


@public()
def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if dtype is None:
        dtype = _dtype.DEFAULTS.float_dtype if any(isinstance(v, float) for v in vals) else _dtype.int64
    start, end, step = vals
    if step == 0:
        raise RuntimeError("step must be nonzero")
    n = max(0, math.ceil((end - start) / step))
    data = (start + step * np.arange(n, dtype=np.float64)).astype(dtype.numpy) if dtype.is_floating_point \
        else np.arange(start, end, step, dtype=dtype.numpy)
    return _finish(data, requires_grad)


@public()
def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    dtype = dtype or _dtype.DEFAULTS.float_dtype
    steps = int(steps)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    # PyTorch fills the first half from start and the second half from end (symmetric rounding).
    step = (end - start) / (steps - 1) if steps > 1 else 0.0
    idx = np.arange(steps, dtype=np.float64)
    half = steps // 2
    data = np.where(idx < half, start + step * idx, end - step * (steps - 1 - idx))
    if steps == 1:
        data = np.array([start], dtype=np.float64)
    if dtype.numpy == np.float32:
        # Compute in float32 like PyTorch's CPU kernel so values match to the last bit.
        s32, e32 = np.float32(start), np.float32(end)
        st32 = np.float32((e32 - s32) / np.float32(steps - 1)) if steps > 1 else np.float32(0)
        i32 = idx.astype(np.float32)
        data = np.where(idx < half, s32 + st32 * i32, e32 - st32 * np.float32(steps - 1 - idx).astype(np.float32))
        if steps == 1:
            data = np.array([s32])
    return _finish(np.asarray(data).astype(dtype.numpy), requires_grad)


@public()
def logspace(start, end, steps, base=10.0, *, dtype=None, requires_grad=False) -> Tensor:
    lin = linspace(start, end, steps, dtype=_dtype.float64)
    return _finish(np.power(base, lin._data).astype(_np_dtype(dtype)), requires_grad)


@public()
def eye(n, m=None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _finish(np.eye(n, m if m is not None else n, dtype=_np_dtype(dtype)), requires_grad)


def _generator(generator) -> np.random.Generator:
    return (generator or default_generator).rng


@public()
def rand(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    data = _generator(generator).random(_shape(size), dtype=np.float64)
    return _finish(data.astype(_np_dtype(dtype)), requires_grad)


@public()
def randn(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    data = _generator(generator).standard_normal(_shape(size))
    return _finish(data.astype(_np_dtype(dtype)), requires_grad)


@public()
def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint() missing required argument 'size'")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    data = _generator(generator).integers(low, high, _shape((tuple(size),)))
    return _finish(data.astype(_np_dtype(dtype, _dtype.int64)), requires_grad)


@public()
def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _finish(_generator(generator).permutation(n).astype(_np_dtype(dtype, _dtype.int64)), requires_grad)


@public()
def rand_like(input, *, dtype=None, requires_grad=False, memory_format=None, **kw) -> Tensor:
    out = rand(input._data.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)
    return _laid_out_like(out, input, memory_format)


@public()
def randn_like(input, *, dtype=None, requires_grad=False, memory_format=None, **kw) -> Tensor:
    out = randn(input._data.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)
    return _laid_out_like(out, input, memory_format)


@public()
def randint_like(input, low=0, high=None, *, dtype=None, requires_grad=False, memory_format=None, **kw) -> Tensor:
    out = randint(low, high, input._data.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)
    return _laid_out_like(out, input, memory_format)


@public()
def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


@public()
def numel(input) -> int:
    return input.numel()
