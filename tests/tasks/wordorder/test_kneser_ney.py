"""Modified Kneser-Ney (`NgramLM(smoothing="mkn")`): a distribution for every context, the textbook
discounts, hand-computed values, and an exact ARPA round trip at orders 4 and 5."""

from __future__ import annotations

import random

import pytest

from fa_nlp.tasks.wordorder.arpa import ArpaLM, write_arpa
from fa_nlp.tasks.wordorder.baselines import BOS, EOS, NgramLM, modified_discounts, order_words
from tests.tasks.wordorder.conftest import NGRAM_SENTENCES

CORPUS = [*NGRAM_SENTENCES, "من به مدرسه رفتم و کتاب را خواندم .", "او دیروز به خانه رفت ."] * 2 + [
    "امروز هوا سرد است .", "ما کتاب را خواندیم ."]


@pytest.mark.parametrize("order", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("context", [(), ("من",), (BOS, BOS, BOS, BOS), ("به", "خانه"), ("ناشناخته", "کلمه"),
                                     ("او", "دیروز", "به", "خانه")])
def test_modified_kn_probabilities_sum_to_one(order, context):
    # every vocabulary word, end-of-sentence and one unknown word: seen, unseen and start contexts
    lm = NgramLM.train(CORPUS, order=order, smoothing="mkn")
    total = sum(lm.prob(context, w) for w in lm.vocab) + lm.prob(context, EOS) + lm.prob(context, "ناشناخته")
    assert total == pytest.approx(1.0, abs=1e-9)


def test_discounts_follow_chen_and_goodman():
    # n1=10, n2=4, n3=2, n4=1: Y = 10/18 = 5/9; D1 = 1 - 2Y·4/10, D2 = 2 - 3Y·2/4, D3+ = 3 - 4Y·1/2
    counts = [1] * 10 + [2] * 4 + [3] * 2 + [4] + [9] * 3  # counts >= 5 only enter as "more than 4"
    assert modified_discounts(counts) == pytest.approx((5 / 9, 7 / 6, 17 / 9))
    # undefined (no count of 4): every discount falls back
    assert modified_discounts([1, 1, 2, 3], fallback=0.7) == (0.7, 0.7, 0.7)


@pytest.mark.parametrize("smoothing", ["kn", "mkn"])
def test_bigram_value_computed_by_hand(smoothing):
    # "<s> a b </s>", "<s> a c </s>"; discounts fall back to 0.75 (too few counts to estimate).
    # Unigram continuation counts: a 1, b 1, c 1, </s> 2 → total 5, 4 types; V = 3 words + </s> + unk = 5.
    # P1(b) = (1 - .75)/5 + .75·4/5 · 1/5 = 0.17;  P2(b|a) = (1 - .75)/2 + .75·2/2 · 0.17 = 0.2525
    lm = NgramLM.train(["a b", "a c"], order=2, smoothing=smoothing)
    assert lm.prob(["a"], "b") == pytest.approx(0.2525)
    assert lm.prob([], "b") == pytest.approx(0.17)


def test_ngrams_starting_with_bos_keep_raw_counts():
    # "mkn": (<s>, a) is seen twice and has no left context, so its count is 2; "kn" (the baseline) counts 1
    assert NgramLM.train(["a b", "a c"], order=3, smoothing="mkn").counts[2][((BOS,), "a")] == 2
    assert NgramLM.train(["a b", "a c"], order=3, smoothing="kn").counts[2][((BOS,), "a")] == 1


def _assert_same_logprobs(a, lm, order: int, n: int = 500) -> None:
    """The ARPA copy scores n random (context, word) pairs, unknown words and <s> padding included, as the LM."""
    rng = random.Random(order)
    words = sorted(lm.vocab) + [EOS, "ناشناخته"]
    for _ in range(n):
        j = rng.randint(0, order - 1)
        ctx = [BOS] * j + [rng.choice(words[:-2]) for _ in range(order - 1 - j)]
        w = rng.choice(words)
        assert a.logprob(ctx, w) == pytest.approx(lm.logprob(ctx, w), abs=1e-9)


@pytest.mark.parametrize("order", [4, 5])
def test_arpa_round_trip_of_a_modified_kn_lm(tmp_path, order):
    lm = NgramLM.train(CORPUS, order=order, smoothing="mkn")
    a = ArpaLM.read(write_arpa(lm, tmp_path / "lm.arpa"))
    assert a.order == order
    _assert_same_logprobs(a, lm, order)
    for s in CORPUS:
        shuffled = " ".join(reversed(s.split()))
        assert order_words(a, shuffled, 5) == order_words(lm, shuffled, 5)


def test_unknown_smoothing_is_an_error():
    with pytest.raises(ValueError, match="smoothing"):
        NgramLM(smoothing="witten-bell")


@pytest.mark.parametrize(("order", "smoothing"), [(3, "kn"), (4, "mkn"), (5, "mkn")])
def test_pruned_lm_still_sums_to_one_and_round_trips_exactly(tmp_path, order, smoothing):
    full = NgramLM.train(CORPUS, order=order, smoothing=smoothing)
    lm = NgramLM.train(CORPUS, order=order, smoothing=smoothing, prune=1)
    assert sum(map(len, lm.counts)) < sum(map(len, full.counts))  # singletons of order >= 3 are gone
    for context in [(), ("من", "به"), (BOS,) * (order - 1), ("او", "دیروز", "به", "خانه"), ("ناشناخته",)]:
        total = sum(lm.prob(context, w) for w in lm.vocab) + lm.prob(context, EOS) + lm.prob(context, "ناشناخته")
        assert total == pytest.approx(1.0, abs=1e-9)
    a = ArpaLM.read(write_arpa(lm, tmp_path / "lm.arpa"))
    _assert_same_logprobs(a, lm, order)
