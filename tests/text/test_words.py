"""Word policy for the word-order data: whitespace tokens, ZWNJ compounds whole, punctuation explicit."""

from __future__ import annotations

import random

import pytest

from fa_nlp.text import detokenize, normalize, split_sentences, words
from fa_nlp.text.words import is_punctuation

ZWNJ = "\u200c"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("من به خانه رفتم.", ["من", "به", "خانه", "رفتم", "."]),  # final . detached
        (f"او می{ZWNJ}رود", ["او", f"می{ZWNJ}رود"]),  # ZWNJ verb prefix kept whole
        (f"کتاب{ZWNJ}ها را خواندم", [f"کتاب{ZWNJ}ها", "را", "خواندم"]),  # ZWNJ plural kept whole
        ("گفته شده است", ["گفته", "شده", "است"]),  # verb parts never joined with _
        ("او گفت: «سلام»", ["او", "گفت", ":", "«", "سلام", "»"]),  # colon and guillemets detached
        ("کجا رفتی؟!", ["کجا", "رفتی", "؟!"]),  # a run of terminal marks is one token
        ("نه...", ["نه", "..."]),  # three dots are one token
        ("من، تو و او", ["من", "،", "تو", "و", "او"]),  # Persian comma detached
        ("(ص) آمد", ["(", "ص", ")", "آمد"]),  # brackets detached
        ("قیمت ۳.۵ درصد", ["قیمت", "۳.۵", "درصد"]),  # decimal kept whole
        ("سال ۵۰۰ ق.م بود", ["سال", "۵۰۰", "ق.م", "بود"]),  # abbreviation kept whole
        ("سال ۵۰۰ ق.م. بود", ["سال", "۵۰۰", "ق.م.", "بود"]),  # abbreviation keeps its final dot
        ("م. ع. کرمانی", ["م.", "ع.", "کرمانی"]),  # initials keep their dot
        ("Dr. Smith", ["Dr.", "Smith"]),  # Latin title keeps its dot
        ("به example.com بروید.", ["به", "example.com", "بروید", "."]),  # domain kept whole
        ("ساعت ۱۰:۳۰ است", ["ساعت", "۱۰:۳۰", "است"]),  # time kept whole
        ("آدرس example.com.", ["آدرس", "example.com", "."]),  # final . after a domain detached
        ('گفت "سلام".', ["گفت", '"', "سلام", '"', "."]),  # straight quotes detached
        ("است.»", ["است", ".", "»"]),  # . then » : two tokens
        ("؛", ["؛"]),  # pure punctuation token stays
        ("", []),  # empty sentence
        ("تهران - ایرنا", ["تهران", "-", "ایرنا"]),  # a free-standing dash is its own token
    ],
)
def test_words_detach(text, expected):
    assert words(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("من به خانه رفتم.", ["من", "به", "خانه", "رفتم."]),  # keep: whitespace tokens as is
        ("او گفت: «سلام»", ["او", "گفت:", "«سلام»"]),  # keep: punctuation stays glued
    ],
)
def test_words_keep(text, expected):
    assert words(text, punctuation="keep") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("من به خانه رفتم.", ["من", "به", "خانه", "رفتم"]),  # drop: final . removed
        ("او گفت: «سلام» - خوب؟!", ["او", "گفت", "سلام", "خوب"]),  # drop: all pure punctuation removed
        ("قیمت ۳.۵ درصد.", ["قیمت", "۳.۵", "درصد"]),  # drop: internal punctuation stays
    ],
)
def test_words_drop(text, expected):
    assert words(text, punctuation="drop") == expected


def test_bad_mode():
    with pytest.raises(ValueError, match="punctuation"):
        words("x", punctuation="strip")


@pytest.mark.parametrize(
    ("token", "expected"),
    [("؟!", True), ("«", True), ("-", True), ("۳.۵", False), ("ق.م", False), ("", False)],  # pure marks only
)
def test_is_punctuation(token, expected):
    assert is_punctuation(token) is expected


@pytest.mark.parametrize(
    "sentence",
    [
        "من به خانه رفتم.",  # final period
        "او گفت: «کتاب‌ها را می‌خوانم.»",  # colon, guillemets, period inside quote
        "کجا رفتی؟!",  # terminal run
        "(ص) فرمود: بروید.",  # brackets at start
        "من، تو و او (با هم) رفتیم؛ خوب بود!",  # comma, brackets, semicolon
        'گفت "سلام" و رفت.',  # straight quotes pair up
        "کتاب، دفتر و … را خرید.",  # hazm-style spaced ellipsis
        "در سال ۵۰۰ ق.م. کوروش آمد.",  # abbreviation with final dot
        "دکتر م. ع. کرمانی آمد.",  # initials
        "لندن - ایرنا:",  # dash and colon
    ],
)
def test_detokenize_round_trip(sentence):
    assert detokenize(words(sentence)) == sentence


def test_detokenize_examples():
    assert detokenize(["«", "سلام", "»", "،", "خوبی", "؟"]) == "«سلام»، خوبی؟"
    assert detokenize([]) == ""


@pytest.mark.shared_data
def test_round_trip_rate_on_real_text(shared_data):
    """detokenize(words(s)) == s for >= 99% of normalized sentences of real news text."""
    path = shared_data / "fa_text" / "language_ml_news" / "farsnews.txt"
    if not path.exists():
        pytest.skip(f"{path} not found")
    with path.open(encoding="utf-8") as fh:
        lines = [line.strip() for line in fh if line.strip()]
    sample = random.Random("round-trip:0").sample(lines, min(300, len(lines)))
    sentences = [s for line in sample for s in split_sentences(normalize(line).text)]
    ok = sum(detokenize(words(s)) == s for s in sentences)
    assert len(sentences) > 100
    assert ok / len(sentences) >= 0.99, (ok, len(sentences))
