"""Shards of documents, and the ordered, bounded map that runs them on an engine (`fa_nlp.data.engine`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from fa_nlp.data.engine import ordered_map as engine_map
from fa_nlp.text import normalize


def shards(docs: Iterator[tuple[str, str, str]], size: int) -> Iterator[list[tuple[str, str, str]]]:
    shard: list[tuple[str, str, str]] = []
    for d in docs:
        shard.append(d)
        if len(shard) >= size:
            yield shard
            shard = []
    if shard:
        yield shard


def _warm_up() -> None:
    """Load hazm's normalizer (word lists) before the first document, in whichever process runs this."""
    normalize("گرم کردن")


def ordered_map(fn: Callable[[Any], Any], items: Iterable[Any], num_proc: int, *, engine: str = "local",
                address: str = "") -> Iterator[Any]:
    """`map(fn, items)` on `num_proc` workers of `engine` (`fa_nlp.data.engine`), results in input order,
    at most 2 per worker in flight: memory stays flat in the corpus size, and the output does not depend on
    the engine or `num_proc`. Each worker loads hazm once (`_warm_up`, ~1 s)."""
    yield from engine_map(fn, items, engine=engine, workers=num_proc, address=address, init=_warm_up)
