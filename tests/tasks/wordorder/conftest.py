"""Evaluation tests run tiny models: one torch thread is faster on a shared small box. Also the
generated data those tiny runs learn from (test modules import the plain helpers below, not fixtures)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

# ordered sentences the tiny end-to-end runs learn from: a test takes the ones it needs
ORDERED = [
    "من دیروز با دوستم به کتابخانه رفتم .",
    "او هر روز صبح زود از خواب بیدار می‌شود .",
    "ما فردا به مدرسه می‌رویم .",
    "هوا امروز خیلی سرد است .",
    "کتاب‌ها را روی میز گذاشتم .",
    "آنها در پارک فوتبال بازی کردند و خسته شدند .",
    "این شهر در تابستان بسیار گرم و شلوغ است .",
    "دانشجویان برای امتحان پایان ترم درس می‌خوانند .",
]
# the n-gram baseline tests' corpus (each file repeats and extends it)
NGRAM_SENTENCES = [
    "من به خانه رفتم .",
    "او به مدرسه رفت .",
    "ما به خانه رفتیم .",
    "من کتاب را خواندم .",
    "او کتاب را خواند .",
    "دیروز هوا سرد بود .",
    "امروز هوا گرم است .",
]


def shuffled_rows(n: int, seed: str, sentences: list[str] = ORDERED) -> list[dict]:
    """`n` dataset rows {id, src: one of `sentences` with its words shuffled, tgt: the sentence}, seeded."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        words = rng.choice(sentences).split()
        shuffled = words[:]
        rng.shuffle(shuffled)
        out.append({"id": f"{seed}-{i}", "src": " ".join(shuffled), "tgt": " ".join(words)})
    return out


def write_prepared(root: Path, sizes: dict[str, int], sentences: list[str] = ORDERED) -> Path:
    """root/prepared: a dataset of `sizes` shuffled rows per split, a 300-piece tokenizer trained on
    `sentences`, through the real `prepare` (what `fa-nlp build` + `prepare` would give, in seconds)."""
    from fa_nlp.io import write_jsonl
    from fa_nlp.tasks.wordorder.prepare import prepare
    from fa_nlp.tokenization import train_seq2seq_tokenizer

    for split, n in sizes.items():
        write_jsonl(root / "dataset" / f"{split}.jsonl", shuffled_rows(n, split, sentences))
    train_seq2seq_tokenizer(sentences * 5, root / "tok", vocab_size=300)
    prepare(root / "dataset", root / "tok", root / "prepared", max_len=64)
    return root / "prepared"


@pytest.fixture(autouse=True)
def _one_torch_thread():
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
