"""The word-order build's fast paths compute exactly what the plain definitions compute: the inlined
shuffle draws what `random.Random.shuffle` draws (datasets built before stay reproducible), and the
one-pass letter and punctuation counts, the letter filter's all-Persian shortcut and the URL pre-check agree
with per-character / per-token code."""

from __future__ import annotations

import random
import re

import pytest

from fa_nlp.tasks.wordorder.filters import (
    count_punctuation_tokens,
    has_url_or_email,
    is_persian_letter,
    letter_counts,
    letter_reason,
)
from fa_nlp.tasks.wordorder.seeded import _shuffle
from fa_nlp.text.words import is_punctuation

_URL_OR_EMAIL = re.compile(r"(?:https?://|ftp://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
_MARKS = list('.،؛:!?؟…,;»)]}"”’›⸮«([{“‘‹-–—/\\*•')
_OTHER = list("ابپتآکی۱۲abcWw@:/\u200c^~$#") + ["\U0001d400", "ﻻ", "ـ", "\u064b", "\U0001f600", "ж", "中"]


@pytest.mark.parametrize("n", [0, 1, 2, 3, 7, 16, 17, 31, 64])
def test_inlined_shuffle_equals_random_shuffle(n):
    for seed in range(50):
        ref, got = list(range(n)), list(range(n))
        r_ref, r_got = random.Random(f"0:doc{seed}:{n}:0"), random.Random(f"0:doc{seed}:{n}:0")
        r_ref.shuffle(ref)
        _shuffle(got, r_got.getrandbits)
        assert got == ref
        assert r_got.random() == r_ref.random()  # the same number of draws


@pytest.mark.parametrize("seed", range(3))
def test_counts_and_url_check_match_the_plain_definitions(seed):
    rng = random.Random(seed)
    for _ in range(1000):
        text = "".join(rng.choice(_MARKS + _OTHER + [" ", "www.", "http://", "x@y.ir"]) for _ in range(rng.randint(0, 25)))
        letters = [c for c in text if c.isalpha()]
        assert letter_counts(text) == (sum(map(is_persian_letter, letters)), len(letters))
        assert has_url_or_email(text) == (_URL_OR_EMAIL.search(text) is not None)
        for ratio in (0.0, 0.5, 1.0, 1.5):
            n_persian = sum(map(is_persian_letter, letters))
            plain = "no_letters" if not letters else "non_persian" if n_persian / len(letters) < ratio else None
            assert letter_reason(text, ratio) == plain, (text, ratio)
        tokens = text.split()
        assert count_punctuation_tokens(" ".join(tokens)) == sum(map(is_punctuation, tokens)), tokens
