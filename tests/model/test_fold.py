"""Folding a very tall layout into columns (so a long chain's picture is not a sliver)."""

from gradviz.model.fold import MAX_TALL_RATIO, fold_tall
from gradviz.model.layout import Positions

SLOT = (190.0, 92.0)  # the scene's pixels per layout unit


def _chain(rows: int) -> Positions:
    positions = Positions(method="layered")
    for i in range(rows):
        positions[f"n{i}"] = (0.0, float(i))
    for i in range(rows - 2):
        positions.routes[(f"n{i}", f"n{i + 2}")] = [(0.5, i + 1.0)]
    return positions


def _ratio(positions) -> float:
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    return ((max(ys) - min(ys) + 1) * SLOT[1]) / ((max(xs) - min(xs) + 1) * SLOT[0])


def test_a_long_chain_is_folded_to_about_a_page():
    tall = _chain(2000)
    assert _ratio(tall) > 900
    folded, columns = fold_tall(tall, SLOT)
    assert columns > 10 and set(folded) == set(tall)
    assert 1 / 8 <= _ratio(folded) <= 8
    # Nodes keep their order down each column, and columns go left to right.
    assert folded["n0"] == (0.0, 0.0) and folded["n1"][1] == 1.0
    assert folded["n1999"][0] > folded["n0"][0]
    # A route inside one band is moved with it; one that would cross bands is dropped.
    assert len(folded.routes) < len(tall.routes) and folded.method == "layered"
    for (u, _v), route in folded.routes.items():
        assert all(folded[u][0] - 1 <= x <= folded[u][0] + 1 for x, _ in route)


def test_a_picture_that_fits_is_left_alone():
    short = _chain(8)
    assert _ratio(short) < MAX_TALL_RATIO
    folded, columns = fold_tall(short, SLOT)
    assert columns == 1 and folded is short
