"""``torch.einsum`` composed of engine ops: each operand is permuted and unsqueezed onto the full
index space, the operands are multiplied (broadcasting), the contracted indices summed, and the
result permuted to the output order. Values and gradients are PyTorch's; the graph is
``PermuteBackward0``/``MulBackward0``/``SumBackward1`` where PyTorch contracts pairs with ``BmmBackward0``.
Supports explicit (``'ij,jk->ik'``) and implicit (``'ij,jk'``) outputs and ``...``; not diagonals (``'ii'``).
"""

from __future__ import annotations

import string


def _parse(equation: str, operands) -> tuple[list[str], str]:
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation"
                         if len(operands) > len(terms) else
                         "einsum(): fewer operands were provided than specified in the equation")
    used = set(equation) - set(".,->")
    spare = [c for c in string.ascii_letters if c not in used]
    ell_letters = ""
    resolved = []
    for term, op in zip(terms, operands):
        if "..." in term:
            n_ell = op.dim() - (len(term) - 3)
            if len(ell_letters) < n_ell:
                ell_letters = "".join(spare[:n_ell])
            term = term.replace("...", ell_letters[len(ell_letters) - n_ell:] if n_ell else "")
        if len(term) != op.dim():
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({len(term)}) does not match the number "
                f"of dimensions ({op.dim()}) for operand {len(resolved)}"
                + (" and no ellipsis was given" if "..." not in lhs else "")
            )
        resolved.append(term)
    if arrow:
        out = rhs.replace("...", ell_letters)
    else:
        counts = {}
        for term in resolved:
            for c in term:
                counts[c] = counts.get(c, 0) + 1
        out = ell_letters + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell_letters))
    return resolved, out


def einsum(equation, *operands):
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    terms, out = _parse(equation, operands)
    letters = list(out) + sorted({c for t in terms for c in t} - set(out))
    product = None
    for term, op in zip(terms, operands):
        if len(set(term)) < len(term):
            raise NotImplementedError("engine's einsum does not take diagonals (a letter repeated in one operand)")
        order = sorted(range(len(term)), key=lambda k: letters.index(term[k]))
        if order != list(range(len(term))):
            op = op.permute(*order)
        placed = [term[k] for k in order]
        shape = []
        it = iter(op.shape)
        for c in letters:
            shape.append(next(it) if c in placed else 1)
        if list(op.shape) != shape:
            op = op.reshape(*shape)
        product = op if product is None else product * op
    contracted = tuple(range(len(out), len(letters)))
    if contracted:
        product = product.sum(dim=contracted)
    return product
