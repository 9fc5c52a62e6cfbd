"""Baselines: the shuffled input, and a Kneser-Ney n-gram LM + beam search over permutations."""

from __future__ import annotations

import random

import pytest

from fa_nlp.tasks.wordorder.baselines import EOS, NgramLM, ngram_baseline, order_words, shuffled_baseline
from tests.tasks.wordorder.conftest import NGRAM_SENTENCES

CORPUS = NGRAM_SENTENCES * 3


def test_shuffled_baseline_is_the_input_with_whitespace_collapsed():
    assert shuffled_baseline(["رفتم  خانه به من ."]) == ["رفتم خانه به من ."]


@pytest.mark.parametrize("order", [1, 2, 3, 4])
@pytest.mark.parametrize("context", [(), ("من",), ("<s>", "<s>"), ("به", "خانه"), ("ناشناخته", "کلمه")])
def test_probabilities_sum_to_one(order, context):
    # over every vocabulary word, end-of-sentence and one unknown word, for seen and unseen contexts
    lm = NgramLM.train(CORPUS, order=order)
    total = sum(lm.prob(context, w) for w in lm.vocab) + lm.prob(context, EOS) + lm.prob(context, "ناشناخته")
    assert total == pytest.approx(1.0, abs=1e-9)


def test_seen_order_scores_higher_than_scrambled():
    lm = NgramLM.train(CORPUS, order=3)
    assert lm.sentence_logprob("من به خانه رفتم .") > lm.sentence_logprob("خانه من رفتم به .")


@pytest.mark.parametrize(
    ("shuffled", "expected"),
    [
        ("رفتم خانه به من .", "من به خانه رفتم ."),  # a training sentence is recovered exactly
        ("را خواند کتاب او .", "او کتاب را خواند ."),  # ... including the object marker را
        ("سرد . بود هوا دیروز", "دیروز هوا سرد بود ."),  # ... and the final period
    ],
)
def test_trigram_lm_recovers_simple_orders(shuffled, expected):
    lm = NgramLM.train(CORPUS, order=3)
    assert order_words(lm, shuffled, beam_size=10) == expected


def test_outputs_are_permutations_even_with_unknown_and_repeated_words():
    lm = NgramLM.train(CORPUS, order=3)
    rng = random.Random("perm")
    words = ["من", "به", "خانه", "رفتم", ".", "ناشناخته", "کتاب", "کتاب", "را"]
    for _ in range(20):
        src = " ".join(rng.choice(words) for _ in range(rng.randint(1, 9)))
        out = ngram_baseline(lm, [src], beam_size=3)[0]
        assert sorted(out.split()) == sorted(src.split())
    assert order_words(lm, "   ") == ""


def test_bad_parameters_are_errors():
    with pytest.raises(ValueError, match="order"):
        NgramLM(order=0)
    with pytest.raises(ValueError, match="discount"):
        NgramLM(discount=1.5)
