"""Seeded, stateless choices: document → split, and a sentence's k-th shuffle.

Each uses its own hash or `random.Random(f"{seed}:{doc_id}:{sent_index}:{k}")`, never global state,
so a build's rows do not depend on `num_proc`, shard size or the order documents arrive in.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable

from fa_nlp.tasks.wordorder.build_config import SPLITS


def split_of(doc_id: str, split_seed: int, ratios: Iterable[float]) -> str:
    """Stable document → split assignment: sha256(f"{split_seed}:{doc_id}") read as a number in [0, 1)."""
    digest = hashlib.sha256(f"{split_seed}:{doc_id}".encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    acc = 0.0
    ratios = list(ratios)
    for name, r in zip(SPLITS, ratios, strict=True):
        acc += r
        if u < acc:
            return name
    return next(n for n, r in zip(reversed(SPLITS), reversed(ratios), strict=True) if r > 0)


def shuffle_tokens(tokens: list[str], seed: int, doc_id: str, sent_index: int, k: int) -> list[str]:
    """A seeded permutation of `tokens`, never the original order when >= 2 distinct tokens exist.

    >>> shuffle_tokens(["من", "به", "خانه", "رفتم", "."], 0, "d1", 0, 0) != ["من", "به", "خانه", "رفتم", "."]
    True
    """
    rng = random.Random(f"{seed}:{doc_id}:{sent_index}:{k}")
    out = list(tokens)
    _shuffle(out, rng.getrandbits)
    if len(set(tokens)) >= 2:
        while out == tokens:
            _shuffle(out, rng.getrandbits)
    return out


def _shuffle(x: list, getrandbits) -> None:
    """`random.Random.shuffle`, inlined: the same draws in the same order, so the same permutation
    (tested against it), at half the cost: a build shuffles every kept sentence in one process."""
    for i in reversed(range(1, len(x))):
        n = i + 1
        k = n.bit_length()
        j = getrandbits(k)
        while j >= n:
            j = getrandbits(k)
        x[i], x[j] = x[j], x[i]
