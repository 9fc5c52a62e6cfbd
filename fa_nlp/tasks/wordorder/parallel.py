"""Ordered, bounded multiprocessing for the build: results in input order, memory flat in corpus size."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any


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
    from fa_nlp.text import normalize

    normalize("گرم کردن")


def ordered_map(fn: Callable[[Any], Any], items: Iterable[Any], num_proc: int) -> Iterator[Any]:
    """`map(fn, items)` over `num_proc` processes, results in input order, at most 2·num_proc in flight.

    Bounded (unlike `Pool.imap`, whose feeder thread drains the input), so memory stays constant in
    the corpus size; ordered, so the output does not depend on `num_proc`.
    """
    if num_proc <= 1:
        yield from map(fn, items)
        return
    import multiprocessing as mp

    # spawn, not fork: the parent may already run pyarrow/tqdm threads, and forking a threaded
    # process can deadlock. Each worker loads hazm once (`_warm_up`), ~1 s, paid once per build.
    ctx = mp.get_context("spawn")
    with ctx.Pool(num_proc, initializer=_warm_up) as pool:
        pending: deque = deque()
        for item in items:
            pending.append(pool.apply_async(fn, (item,)))
            if len(pending) >= 2 * num_proc:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
