"""Toy seq2seq data for training tests: sort short digit sequences (tokens 4..13, EOS=3)."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from fa_nlp.tasks.wordorder.prepare import write_meta, write_split

torch.set_num_threads(1)  # fastest on a shared 2-core box
VOCAB = 16
EOS = 3


def make_sort_pairs(n: int, seed: str, min_len: int = 3, max_len: int = 8):
    rng = random.Random(seed)
    src, tgt = [], []
    for _ in range(n):
        s = [rng.randint(4, 13) for _ in range(rng.randint(min_len, max_len))]
        src.append(s + [EOS])
        tgt.append(sorted(s))
    return src, tgt


@pytest.fixture(scope="session")
def toy_prepared(tmp_path_factory):
    d = tmp_path_factory.mktemp("toy_sort")
    write_split(d, "train", *make_sort_pairs(4000, "train"))
    write_split(d, "validation", *make_sort_pairs(200, "validation"))
    write_meta(d, VOCAB, max_len=32)
    np.save(d / "word_start.npy", np.ones(VOCAB, dtype=bool))  # every digit token is a word of its own
    return d


def toy_overrides(prepared, run_dir, *extra: str) -> list[str]:
    return [f"data.prepared={prepared}", f"log.run_dir={run_dir}", "threads=1", "log.progress=false",
            "data.max_tokens=1200", "optim.warmup_steps=30", "optim.lr=3e-3", "optim.label_smoothing=0.0",
            "log.log_every=1", "log.eval_every=100000", "log.save_every=100000", *extra]


def greedy(model, src: list[list[int]], max_steps: int = 12) -> list[list[int]]:
    """Minimal batched greedy decode (independent of fa_nlp.decoding) for the learning test."""
    width = max(map(len, src))
    s = torch.zeros(len(src), width, dtype=torch.long)
    for i, x in enumerate(src):
        s[i, : len(x)] = torch.tensor(x)
    with torch.no_grad():
        memory, pad = model.encode(s)
        ys = torch.full((len(src), 1), model.cfg.bos_id)
        for _ in range(max_steps):
            ys = torch.cat([ys, model.decode(ys, memory, pad)[:, -1].argmax(-1, keepdim=True)], 1)
    out = []
    for row in ys[:, 1:].tolist():
        out.append(row[: row.index(EOS)] if EOS in row else row)
    return out


class Toy:
    """Helpers handed to tests through the `toy` fixture (test modules don't import conftest)."""

    sort_pairs = staticmethod(make_sort_pairs)
    overrides = staticmethod(toy_overrides)
    greedy = staticmethod(greedy)


@pytest.fixture(scope="session")
def toy():
    return Toy
