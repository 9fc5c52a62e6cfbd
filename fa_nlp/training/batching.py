"""Token-budget batches with length bucketing: similar lengths share a batch, so little is padded.

    batches = epoch_batches(src_lens, tgt_lens, max_tokens=4096, seed=1234, epoch=0)
    for idx in batches: ...   # each a list of example indices

A batch's cost is its *padded* size, `len(batch) * (max src len + max tgt len)`, and never exceeds
`max_tokens` (an example longer than the budget on its own gets a batch to itself and is counted
in `BatchPlan.oversized`: it is never dropped). The plan is a pure function of (lengths, budget,
seed, epoch), so a resumed run rebuilds the same epoch and skips to its batch index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass
class BatchPlan:
    batches: list[list[int]] = field(default_factory=list)
    oversized: int = 0  # examples alone in a batch because they exceed the budget by themselves


def _permutation(n: int, seed: int, epoch: int) -> np.ndarray:
    import torch

    g = torch.Generator().manual_seed(int(seed) * 1_000_003 + int(epoch))
    return torch.randperm(n, generator=g).numpy()


def plan_batches(src_lens: Sequence[int], tgt_lens: Sequence[int], max_tokens: int, seed: int = 0,
                 epoch: int = 0, shuffle: bool = True, bucket_batches: int = 50) -> BatchPlan:
    """Shuffle, cut into buckets of ~`bucket_batches` batches' worth of examples, sort each bucket by
    length, fill batches greedily under the budget, then shuffle the batch order (if `shuffle`)."""
    src_lens, tgt_lens = np.asarray(src_lens, dtype=np.int64), np.asarray(tgt_lens, dtype=np.int64)
    n = len(src_lens)
    if n != len(tgt_lens):
        raise ValueError(f"{n} source lengths but {len(tgt_lens)} target lengths")
    if max_tokens <= 0:
        raise ValueError("max_tokens must be positive")
    plan = BatchPlan()
    if n == 0:
        return plan
    order = _permutation(n, seed, epoch) if shuffle else np.arange(n)
    mean_cost = float((src_lens + tgt_lens).mean())
    bucket = max(1, int(bucket_batches * max_tokens / max(mean_cost, 1.0)))
    for b0 in range(0, n, bucket):
        chunk = order[b0 : b0 + bucket]
        # stable sort by (src, tgt) length so the plan does not depend on sort implementation details
        chunk = chunk[np.lexsort((tgt_lens[chunk], src_lens[chunk]))]
        cur: list[int] = []
        ms = mt = 0
        for i in chunk.tolist():
            s, t = int(src_lens[i]), int(tgt_lens[i])
            ns, nt = max(ms, s), max(mt, t)
            if cur and (len(cur) + 1) * (ns + nt) > max_tokens:
                plan.batches.append(cur)
                cur, ns, nt = [], s, t
            cur.append(i)
            ms, mt = ns, nt
            if len(cur) == 1 and s + t > max_tokens:
                plan.oversized += 1
                plan.batches.append(cur)
                cur, ms, mt = [], 0, 0
        if cur:
            plan.batches.append(cur)
    if shuffle:
        perm = _permutation(len(plan.batches), seed + 7919, epoch)
        plan.batches = [plan.batches[j] for j in perm.tolist()]
    return plan


def shard(batches: list[list[int]], rank: int, world_size: int) -> list[list[int]]:
    """Rank `rank`'s share (every world_size-th batch), cut to an equal count on every rank so DDP
    ranks step together; the few tail batches left out are seen in other epochs (new permutation)."""
    if world_size <= 1:
        return batches
    per_rank = len(batches) // world_size
    return batches[rank::world_size][:per_rank]


def plan_fingerprint(batches: list[list[int]]) -> int:
    """A 63-bit fingerprint of a batch plan (which examples, in which batches, in which order)."""
    import hashlib

    h = hashlib.blake2b(digest_size=8)
    for b in batches:
        h.update(np.asarray(b, dtype=np.int64).tobytes() + b"|")
    return int.from_bytes(h.digest(), "little") >> 1


def epoch_batches(src_lens, tgt_lens, max_tokens: int, seed: int, epoch: int, rank: int = 0,
                  world_size: int = 1, shuffle: bool = True) -> list[list[int]]:
    plan = plan_batches(src_lens, tgt_lens, max_tokens, seed=seed, epoch=epoch, shuffle=shuffle)
    return shard(plan.batches, rank, world_size)
