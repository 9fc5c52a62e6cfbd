"""A tiny sentencepiece tokenizer (trained in-process) and an UNTRAINED tiny model for decoding tests."""

from __future__ import annotations

import random

import pytest

WORDS = ["من", "تو", "او", "ما", "شما", "آنها", "به", "از", "با", "در", "را", "که", "و", "این", "آن", "کتاب", "خانه", "مدرسه", "دوست", "روز", "شب", "هوا", "رفتم", "آمد", "خواند", "می\u200cروم", "می\u200cخواهم", "کتاب\u200cها", "کتابخانه", "خان", "بزرگ", "کوچک", "خوب", "سرد", "گرم", "امروز", "دیروز", "فردا", ".", "،", "؟", "۱۴۰۲", "3.5"]


def random_sentences(n: int, seed: str, lo: int = 3, hi: int = 12) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(lo, hi))) for _ in range(n)]


@pytest.fixture(scope="session")
def words():
    return list(WORDS)


@pytest.fixture(scope="session")
def sentences():
    """`sentences(n, seed, lo=3, hi=12)`: seeded random word sequences (not Persian grammar, just words)."""
    return random_sentences


@pytest.fixture(scope="session")
def tokenizer(tmp_path_factory):
    from fa_nlp.tokenization import load_tokenizer, train_seq2seq_tokenizer

    out = tmp_path_factory.mktemp("tok")
    # a small vocabulary, so many words are split into several pieces (multi-token words)
    train_seq2seq_tokenizer(random_sentences(400, "tok"), out, vocab_size=300)
    return load_tokenizer(out)


@pytest.fixture(scope="session")
def model(tokenizer):
    import torch

    from fa_nlp.models import Seq2SeqTransformer, model_config

    torch.manual_seed(0)
    m = Seq2SeqTransformer(model_config("tiny", vocab_size=tokenizer.vocab_size, d_model=32, d_ff=64, max_len=96))
    return m.eval()


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Tiny models gain nothing from intra-op threads, and on a shared 2-core box spinning OpenMP
    threads slow every test down; restore the setting afterwards."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
