"""Parity cases: ``torch.einsum`` (the graph ATen lowers it to), ``diagonal`` and ``trace``."""

from __future__ import annotations

from breadth_harness import BOTH, case, rand

EQUATIONS = {
    "matmul": ("ij,jk->ik", [(2, 3), (3, 4)]),
    "matmul_implicit": ("ik,kj", [(2, 3), (3, 4)]),
    "batch_matmul": ("bij,bjk->bik", [(5, 2, 3), (5, 3, 4)]),
    "attention_scores": ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    "attention_values": ("bhqk,bhkd->bhqd", [(2, 2, 3, 5), (2, 2, 5, 4)]),
    "outer": ("i,j->ij", [(2,), (3,)]),
    "dot": ("i,i->", [(3,), (3,)]),
    "matvec": ("ij,j->i", [(2, 3), (3,)]),
    "trace": ("ii->", [(3, 3)]),
    "diag": ("ii->i", [(3, 3)]),
    "sum_all": ("ij->", [(2, 3)]),
    "sum_rows": ("ij->j", [(2, 3)]),
    "transpose": ("ij->ji", [(2, 3)]),
    "hadamard": ("ij,ij->ij", [(2, 3), (2, 3)]),
    "frobenius": ("ij,ij->", [(2, 3), (2, 3)]),
    "bilinear": ("bi,bj,kij->bk", [(2, 3), (2, 4), (5, 3, 4)]),
    "three_operand_chain": ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
    "ellipsis_matmul": ("...ij,...jk->...ik", [(2, 2, 3), (2, 3, 4)]),
    "ellipsis_broadcast": ("...ij,jk", [(2, 1, 2, 3), (3, 4)]),
    "batch_diagonal": ("bii->bi", [(2, 3, 3)]),
    "upper_lower_labels": ("Ab,bA->A", [(3, 2), (2, 3)]),
}


def _einsum_case(eq, shapes):
    def fn(torch, dt, rng):
        ops = [rand(torch, dt, rng, s) for s in shapes]
        return [torch.einsum(eq, *ops)], {f"op{i}": o for i, o in enumerate(ops)}, None
    return fn


for _name, (_eq, _shapes) in EQUATIONS.items():
    case(f"einsum_{_name}", BOTH)(_einsum_case(_eq, _shapes))


@case("einsum_operand_list", BOTH)
def _einsum_list(torch, dt, rng):
    a, b = rand(torch, dt, rng, (2, 3)), rand(torch, dt, rng, (3,))
    return [torch.einsum("ij,j->i", [a, b])], {"a": a, "b": b}, None


@case("diagonal_views", BOTH)
def _diagonal(torch, dt, rng):
    x = rand(torch, dt, rng, (2, 3, 4))
    return [x.diagonal(), torch.diagonal(x, 1, 1, 2), x.diagonal(-1, 2, 0)], {"x": x}, None


@case("diagonal_write_through", BOTH)
def _diagonal_write(torch, dt, rng):
    x = rand(torch, dt, rng, (3, 3))
    y = x * 2
    y.diagonal().mul_(3)
    return [y], {"x": x}, None


@case("trace", BOTH)
def _trace(torch, dt, rng):
    x = rand(torch, dt, rng, (3, 4))
    return [torch.trace(x), x.trace() * 2], {"x": x}, None


for _name, (_eq, _shapes) in {"bad_subscript": ("i1->i", [(2, 2)]), "size_mismatch": ("ij,jk->ik", [(2, 3), (4, 4)]),
                              "too_few_operands": ("ij,jk", [(2, 3)]), "too_many": ("ij->ij", [(2, 3), (3,)]),
                              "unknown_output": ("ij->ik", [(2, 3)]), "repeated_output": ("i->ii", [(2,)]),
                              "diagonal_sizes": ("ii->i", [(2, 3)]), "rank": ("ijk->ij", [(2, 3)]),
                              "stray_dot": ("i.j->j", [(2, 3)])}.items():
    case(f"einsum_error_{_name}", error=True)(_einsum_case(_eq, _shapes))
