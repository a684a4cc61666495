"""``torch.linalg``: the norms programs use (``vector_norm``, ``norm``, ``matrix_norm('fro')``).

All three are ``LinalgVectorNormBackward0`` in PyTorch for these cases, as ``Tensor.norm`` is.
"""

from __future__ import annotations


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    return x.norm(p=ord, dim=dim, keepdim=keepdim)


def norm(A, ord=None, dim=None, keepdim=False, *, out=None, dtype=None):
    if ord is None or ord == "fro" or (A.dim() == 1 or isinstance(dim, int)):
        return A.norm(p=2 if ord in (None, "fro") else ord, dim=dim, keepdim=keepdim)
    raise NotImplementedError(f"engine's linalg.norm supports vector norms and 'fro', not ord={ord!r}")


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    if ord != "fro":
        raise NotImplementedError(f"engine's linalg.matrix_norm supports 'fro', not ord={ord!r}")
    return A.norm(p=2, dim=dim, keepdim=keepdim)
