"""``torch.einsum`` lowered to engine ops the way ATen lowers it, so the graph has PyTorch's nodes.

ATen (``aten/src/ATen/native/Linear.cpp``, used without opt_einsum, as a CPU build without it runs):
every operand is aligned onto one index order -- the output labels, then (if not in the output) the
ellipsis dims, then the contracted labels in alphabetical order (A-Z before a-z) -- by taking
diagonals for repeated labels (``diagonal`` + ``movedim``: DiagonalBackward0, PermuteBackward0),
unsqueezing missing labels at the end (UnsqueezeBackward0) and one ``permute`` (PermuteBackward0).
Operands are then contracted left to right, two at a time, the result going to the front:
dims only one side still needs are summed first (``sum(keepdim)``: SumBackward1), and the pair is
``sumproduct_pair`` -- ``mul`` when nothing is summed, else ``permute → reshape → bmm → view →
permute`` (BmmBackward0 between ViewBackward0 / ReshapeAliasBackward0 / UnsafeViewBackward0 as
``reshape`` decides). A single operand's contracted dims are one ``sum``; several operands' leftover
size-1 dims are dropped by a ``view``.
"""

from __future__ import annotations

from .ops.linalg import bmm
from .ops.reorder import movedim
from .ops.shape import reshape

ELLIPSIS = -1


def _label(c: str, pos: int) -> int:
    if "A" <= c <= "Z":
        return ord(c) - ord("A")
    if "a" <= c <= "z":
        return ord(c) - ord("a") + 26
    raise RuntimeError(f"einsum(): invalid subscript given at index {pos} in the equation string, "
                       "subscripts must be in [a-zA-Z]")


def _name(label: int) -> str:
    return chr(label + ord("A")) if label < 26 else chr(label - 26 + ord("a"))


def _parse_term(term: str, start: int, what: str) -> list:
    labels, k = [], 0
    while k < len(term):
        if term[k] == ".":
            if term[k:k + 3] != "..." or ELLIPSIS in labels:
                raise RuntimeError(f"einsum(): found '.' for {what} that is not part of any ellipsis")
            labels.append(ELLIPSIS)
            k += 3
        elif term[k] == " ":
            k += 1
        else:
            labels.append(_label(term[k], start + k))
            k += 1
    return labels


def _parse(equation: str, n_operands: int) -> tuple:
    lhs, arrow, rhs = equation.partition("->")
    terms, start = [], 0
    for i, term in enumerate(lhs.split(",")):
        terms.append(_parse_term(term, start, f"operand {i}"))
        start += len(term) + 1
    if n_operands > len(terms):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    if n_operands < len(terms):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    out = _parse_term(rhs, len(lhs) + 2, "output") if arrow else None
    return terms, out


def _sublist_label(n) -> str:
    if n is Ellipsis:
        return "..."
    if isinstance(n, int) and 0 <= n < 52:
        return _name(n)
    raise ValueError("einsum(): subscript in subscript list is not within the valid range [0, 52)")


def _from_sublists(args: tuple) -> tuple:
    """The sublist form ``einsum(a, [0, 1], b, [1, 2], [0, 2])`` -> ``("AB,BC->AC", (a, b))``: operands
    interleaved with their subscript lists (ints 0-51 name A-Z, a-z; ``...`` the ellipsis), then an
    optional output list (the argument count is then odd), as torch.functional.einsum converts it."""
    equation = ",".join("".join(_sublist_label(n) for n in sub) for sub in args[1::2])
    if len(args) % 2 == 1:
        return equation + "->" + "".join(_sublist_label(n) for n in args[-1]), args[:-1:2]
    return equation, args[::2]


def einsum(*args):
    if len(args) < 2:
        raise ValueError("einsum(): must specify the equation string and at least one operand, "
                         "or at least one operand and its subscripts list")
    if isinstance(args[0], str):
        equation, operands = args[0], args[1:]
    else:
        equation, operands = _from_sublists(args)
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    terms, out_labels = _parse(equation, len(operands))
    counts = [0] * 52
    ell_dims = 0
    for i, (labels, op) in enumerate(zip(terms, operands)):
        named = [s for s in labels if s != ELLIPSIS]
        if ELLIPSIS in labels:
            if len(named) > op.dim():
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(named)}) is more than "
                                   f"the number of dimensions ({op.dim()}) for operand {i}")
            ell_dims = max(ell_dims, op.dim() - len(named))
        elif len(named) != op.dim():
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(named)}) does not match "
                               f"the number of dimensions ({op.dim()}) for operand {i} and no ellipsis was given")
        for s in named:
            counts[s] += 1

    # Where each label goes in the aligned index order.
    place = [-1] * 52
    if out_labels is None:
        perm_index, ell_index, found_ell = ell_dims, 0, True
        for s in range(52):
            if counts[s] == 1:
                place[s] = perm_index
                perm_index += 1
    else:
        perm_index, ell_index, found_ell = 0, 0, False
        for s in out_labels:
            if s == ELLIPSIS:
                ell_index, found_ell = perm_index, True
                perm_index += ell_dims
                continue
            if counts[s] == 0:
                raise RuntimeError(f"einsum(): output subscript {_name(s)} does not appear in the equation for any "
                                   "input operand")
            if place[s] != -1:
                raise RuntimeError(f"einsum(): output subscript {_name(s)} appears more than once in the output")
            place[s] = perm_index
            perm_index += 1
    out_dims = perm_index
    if not found_ell:
        ell_index = perm_index
        perm_index += ell_dims
    for s in range(52):
        if counts[s] > 0 and place[s] == -1:
            place[s] = perm_index
            perm_index += 1

    # Align every operand onto that order; count the operands where each dim is not 1.
    label_size = [1] * 52
    ell_sizes = [1] * ell_dims
    dim_counts = [0] * perm_index
    ops = []
    for i, (labels, op) in enumerate(zip(terms, operands)):
        permutation = [-1] * perm_index
        dim = 0
        for s in labels:
            if s == ELLIPSIS:
                n_ell = operands[i].dim() - (len(labels) - 1)
                for j in range(ell_dims - n_ell, ell_dims):
                    size = op.shape[dim]
                    if size != 1:
                        if ell_sizes[j] not in (1, size):
                            raise RuntimeError("einsum(): operands do not broadcast with remapped shapes "
                                               "(original->remapped)")
                        ell_sizes[j] = size
                        dim_counts[ell_index + j] += 1
                    permutation[ell_index + j] = dim
                    dim += 1
            elif permutation[place[s]] == -1:
                size = op.shape[dim]
                if size != 1:
                    if label_size[s] not in (1, size):
                        raise RuntimeError(f"einsum(): subscript {_name(s)} has size {size} for operand {i} which "
                                           f"does not broadcast with previously seen size {label_size[s]}")
                    label_size[s] = size
                    dim_counts[place[s]] += 1
                permutation[place[s]] = dim
                dim += 1
            else:  # a repeated label: its diagonal, moved to where the label first was
                prev = permutation[place[s]]
                if op.shape[dim] != op.shape[prev]:
                    raise RuntimeError(f"einsum(): subscript {_name(s)} is repeated for operand {i} but the sizes "
                                       f"don't match, {op.shape[dim]} != {op.shape[prev]}")
                op = movedim(op.diagonal(0, prev, dim), -1, prev)
        for k, value in enumerate(permutation):
            if value == -1:
                op = op.unsqueeze(dim)
                permutation[k] = dim
                dim += 1
        ops.append(op.permute(permutation))

    # Contract left to right, the product going to the front.
    while len(ops) > 1:
        a, b = ops.pop(0), ops.pop(0)
        sum_dims, a_sum, b_sum = [], [], []
        for d in range(out_dims, perm_index):
            if a.shape[d] != 1 and b.shape[d] != 1:
                dim_counts[d] -= 1
                if dim_counts[d] == 1:
                    sum_dims.append(d)
                    dim_counts[d] = 0
            elif dim_counts[d] == 1:
                if a.shape[d] != 1:
                    a_sum.append(d)
                    dim_counts[d] = 0
                elif b.shape[d] != 1:
                    b_sum.append(d)
                    dim_counts[d] = 0
        if a_sum:
            a = a.sum(a_sum, True)
        if b_sum:
            b = b.sum(b_sum, True)
        ops.insert(0, _sumproduct_pair(a, b, sum_dims))

    result = ops[0]
    if perm_index > out_dims:
        if len(operands) > 1:
            return result.view(tuple(result.shape[:out_dims]))
        return result.sum(list(range(out_dims, perm_index)))
    return result


def _sumproduct_pair(left, right, sum_dims: list):
    """Σ over ``sum_dims`` of left·right (both aligned, size-1 where absent), keeping the summed dims as 1."""
    if not sum_dims:
        return left * right
    lro, lo, ro = [], [], []
    lro_size = lo_size = ro_size = sum_size = 1
    for i in range(left.dim()):
        sl, sr = left.shape[i] != 1, right.shape[i] != 1
        if i in sum_dims:
            if sl and sr:
                sum_size *= left.shape[i]
            elif sl:
                left = left.sum(i, True)
            elif sr:
                right = right.sum(i, True)
        elif sl and sr:
            lro.append(i)
            lro_size *= left.shape[i]
        elif sl:
            lo.append(i)
            lo_size *= left.shape[i]
        else:
            ro.append(i)
            ro_size *= right.shape[i]
    out_size = ([left.shape[d] for d in lro] + [left.shape[d] for d in lo] + [1] * len(sum_dims)
                + [right.shape[d] for d in ro])
    lperm = lro + lo + sum_dims + ro
    rperm = lro + sum_dims + ro + lo
    operm = [0] * len(out_size)
    for i, d in enumerate(lro + lo + sum_dims + ro):
        operm[d] = i
    lmat = reshape(left.permute(lperm), (lro_size, lo_size, sum_size))
    rmat = reshape(right.permute(rperm), (lro_size, sum_size, ro_size))
    return bmm(lmat, rmat).view(tuple(out_size)).permute(operm)
