"""engine.utils.data against PyTorch 2.13: batches (dtype, shape, values) of unshuffled loaders,
lengths, random_split sizes and error messages recorded in tests/fixtures/optim_cases.json; seeded
shuffling is checked for reproducibility (its order need not equal PyTorch's)."""

from __future__ import annotations

import pytest
from optim_fixture import BUILDERS, CASES

import engine
from engine.utils import data as D

DATA = CASES["data"]
LOADERS = dict(BUILDERS.loader_cases(engine))


@pytest.mark.parametrize("case", DATA["loaders"], ids=lambda c: c["label"])
def test_batches_match_pytorch(case):
    loader = LOADERS[case["label"]]()
    assert len(loader) == case["len"]
    assert [BUILDERS.describe(b) for b in loader] == case["batches"]


def test_errors_match_pytorch():
    assert BUILDERS._errors(engine, BUILDERS.data_errors(engine)) == DATA["errors"]


def test_random_split_by_fractions_matches_pytorch_sizes():
    parts = D.random_split(range(10), [0.3, 0.3, 0.4], generator=engine.Generator().manual_seed(0))
    assert [len(p) for p in parts] == DATA["split_lengths"]
    parts = D.random_split(range(11), [0.5, 0.5], generator=engine.Generator().manual_seed(0))
    assert [len(p) for p in parts] == DATA["split_lengths_remainder"]
    assert sorted(i for p in parts for i in p) == list(range(11))  # a partition: nothing lost or repeated


def test_random_split_warns_on_an_empty_split():
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        D.random_split(range(2), [0.9, 0.1])


def _epoch(loader):
    return [b[1].tolist() for b in loader]


def test_seeded_generator_shuffles_reproducibly_and_covers_every_sample():
    ds = D.TensorDataset(engine.zeros(10, 2), engine.arange(10))
    first = _epoch(D.DataLoader(ds, batch_size=3, shuffle=True, generator=engine.Generator().manual_seed(7)))
    again = _epoch(D.DataLoader(ds, batch_size=3, shuffle=True, generator=engine.Generator().manual_seed(7)))
    other = _epoch(D.DataLoader(ds, batch_size=3, shuffle=True, generator=engine.Generator().manual_seed(8)))
    assert first == again and first != other
    assert sorted(sum(first, [])) == list(range(10))
    assert [len(b) for b in first] == [3, 3, 3, 1]


def test_manual_seed_makes_unseeded_shuffling_reproducible():
    ds = D.TensorDataset(engine.arange(12))
    loader = D.DataLoader(ds, batch_size=4, shuffle=True)
    engine.manual_seed(3)
    one = [b[0].tolist() for b in loader]
    two = [b[0].tolist() for b in loader]  # a new pass draws a new order
    engine.manual_seed(3)
    assert [b[0].tolist() for b in loader] == one
    assert one != two


def test_random_sampler_with_replacement_draws_num_samples():
    sampler = D.RandomSampler(range(3), replacement=True, num_samples=40, generator=engine.Generator().manual_seed(0))
    drawn = list(sampler)
    assert len(drawn) == len(sampler) == 40 and set(drawn) <= {0, 1, 2}


def test_batch_sampler_groups_a_sampler():
    batches = list(D.BatchSampler(D.SequentialSampler(range(7)), batch_size=3, drop_last=False))
    assert batches == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(D.BatchSampler(range(7), 3, True)) == 2


def test_concat_dataset_indexes_end_to_end():
    ds = D.TensorDataset(engine.arange(2)) + D.TensorDataset(engine.arange(5, 8))  # Dataset.__add__
    assert isinstance(ds, D.ConcatDataset)
    assert len(ds) == 5 and ds[3][0].item() == 6 and ds[-1][0].item() == 7


def test_default_collate_keeps_named_tuples():
    import collections

    Point = collections.namedtuple("Point", "x y")
    batch = D.default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert type(batch) is Point and batch.x.dtype == engine.int64 and batch.y.dtype == engine.float64


def test_a_subclass_without_getitem_says_so():
    with pytest.raises(NotImplementedError, match="Subclasses of Dataset should implement __getitem__"):
        D.Dataset()[0]


def test_weighted_random_sampler_follows_its_weights():
    sampler = D.WeightedRandomSampler([0.0, 1.0, 3.0], 400, generator=engine.Generator().manual_seed(0))
    drawn = list(sampler)
    assert len(drawn) == len(sampler) == 400 and 0 not in drawn
    assert 0.65 < drawn.count(2) / 400 < 0.85  # expected 3/4
    again = list(D.WeightedRandomSampler([0.0, 1.0, 3.0], 400, generator=engine.Generator().manual_seed(0)))
    assert again == drawn
    distinct = list(D.WeightedRandomSampler([1, 1, 1, 1], 4, replacement=False))
    assert sorted(distinct) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="weights should be a 1d sequence"):
        D.WeightedRandomSampler([[1.0]], 2)


def test_get_worker_info_is_none_in_the_main_process():
    assert D.get_worker_info() is None


def test_pin_memory_warns_like_a_cpu_only_pytorch():
    loader = D.DataLoader([1, 2, 3], pin_memory=True, num_workers=2)
    with pytest.warns(UserWarning, match="'pin_memory' argument is set as true but no accelerator is found"):
        assert [b.tolist() for b in loader] == [[1], [2], [3]]
