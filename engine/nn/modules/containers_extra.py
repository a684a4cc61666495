"""``nn.Unflatten``, ``nn.ParameterList`` and ``nn.ParameterDict``."""

from __future__ import annotations

from ..._tensor import Tensor
from ..parameter import Parameter
from .module import Module


class Unflatten(Module):
    def __init__(self, dim, unflattened_size) -> None:
        super().__init__()
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input: Tensor) -> Tensor:
        shape = list(input.shape)
        d = self.dim if isinstance(self.dim, int) and self.dim >= 0 else len(shape) + self.dim
        return input.view(*shape[:d], *self.unflattened_size, *shape[d + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


def _as_parameter(value):
    # Like PyTorch: a plain tensor put into a ParameterList/Dict becomes a Parameter.
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value)
    return value


def _describe(p, type_name) -> str:
    # PyTorch's wording and two-space indent; ParameterList names the dtype, ParameterDict the
    # legacy type ('torch.float32' vs 'torch.FloatTensor').
    if not isinstance(p, Tensor):
        return f"  Object of type: {type(p).__name__}"
    size = "x".join(str(s) for s in p.shape)
    kind = "Parameter" if isinstance(p, Parameter) else "Tensor"
    return f"  {kind} containing: [{type_name(p)} of size {size}]"


class ParameterList(Module):
    def __init__(self, values=None) -> None:
        super().__init__()
        self._size = 0
        if values is not None:
            self.extend(values)

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ParameterList([self[i] for i in range(self._size)[idx]])
        if idx < 0:
            idx += self._size
        return getattr(self, str(idx))

    def __setitem__(self, idx: int, param) -> None:
        if idx < 0:
            idx += self._size
        setattr(self, str(idx), _as_parameter(param))

    def __iter__(self):
        return iter(self[i] for i in range(self._size))

    def append(self, value) -> ParameterList:
        self._size += 1
        self[self._size - 1] = value
        return self

    def extend(self, values) -> ParameterList:
        for v in values:
            self.append(v)
        return self

    def extra_repr(self) -> str:
        return "\n".join(f"  ({i}): {_describe(p, lambda t: t.dtype)[2:]}" for i, p in enumerate(self))


class ParameterDict(Module):
    def __init__(self, parameters=None) -> None:
        super().__init__()
        self._keys: dict = {}
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str):
        return getattr(self, key)

    def __setitem__(self, key: str, value) -> None:
        self._keys[key] = None
        setattr(self, key, _as_parameter(value))

    def __delitem__(self, key: str) -> None:
        del self._keys[key]
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self):
        return iter(self._keys)

    def __contains__(self, key) -> bool:
        return key in self._keys

    def keys(self):
        return self._keys.keys()

    def items(self):
        return ((k, self[k]) for k in self._keys)

    def values(self):
        return (self[k] for k in self._keys)

    def update(self, parameters) -> None:
        items = parameters.items() if hasattr(parameters, "items") else parameters
        for k, v in items:
            self[k] = v

    def extra_repr(self) -> str:
        return "\n".join(f"  ({k}): {_describe(p, lambda t: t.type())[2:]}" for k, p in self.items())
