"""Token-budget batches: within budget, every example exactly once per epoch, seeded, shardable."""

from __future__ import annotations

import random

import pytest

from fa_nlp.training.batching import epoch_batches, plan_batches, shard


def _lengths(n=500, seed="lens"):
    rng = random.Random(seed)
    src = [rng.randint(2, 60) for _ in range(n)]
    return src, [s + rng.randint(-1, 3) for s in src]


@pytest.mark.parametrize("max_tokens", [130, 512, 4096])
def test_budget_respected_and_every_example_once(max_tokens):
    src, tgt = _lengths()
    plan = plan_batches(src, tgt, max_tokens, seed=1, epoch=0)
    seen = sorted(i for b in plan.batches for i in b)
    assert seen == list(range(len(src)))  # each example exactly once
    for b in plan.batches:
        cost = len(b) * (max(src[i] for i in b) + max(tgt[i] for i in b))
        assert cost <= max_tokens or len(b) == 1
    assert plan.oversized == sum(1 for s, t in zip(src, tgt) if s + t > max_tokens)


def test_length_bucketing_reduces_padding():
    src, tgt = _lengths(2000)
    plan = plan_batches(src, tgt, 2048, seed=0)
    real = sum(src) + sum(tgt)
    padded = sum(len(b) * (max(src[i] for i in b) + max(tgt[i] for i in b)) for b in plan.batches)
    assert real / padded > 0.9


def test_seeded_and_epoch_dependent():
    src, tgt = _lengths()
    a = plan_batches(src, tgt, 512, seed=3, epoch=0).batches
    assert a == plan_batches(src, tgt, 512, seed=3, epoch=0).batches
    assert a != plan_batches(src, tgt, 512, seed=3, epoch=1).batches
    assert a != plan_batches(src, tgt, 512, seed=4, epoch=0).batches


def test_shards_are_disjoint_and_equal_sized():
    src, tgt = _lengths()
    full = epoch_batches(src, tgt, 512, seed=0, epoch=0)
    shards = [shard(full, r, 3) for r in range(3)]
    assert len({len(s) for s in shards}) == 1
    ids = [i for s in shards for b in s for i in b]
    assert len(ids) == len(set(ids))
    assert len(shards[0]) * 3 > len(full) - 3  # at most world_size - 1 batches left out


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="lengths"):
        plan_batches([1, 2], [1], 10)
    with pytest.raises(ValueError, match="max_tokens"):
        plan_batches([1], [1], 0)
    assert plan_batches([], [], 10).batches == []
