"""Known values for EM (by hand), BLEU/chrF (by hand and against a direct sacrebleu call), buckets."""

from __future__ import annotations

import sys

import pytest
import sacrebleu

from fa_nlp.metrics.generation import (
    bucketed_scores,
    corpus_bleu,
    corpus_chrf,
    exact_match,
    generation_scores,
    length_bucket,
    normalize_for_em,
)

ZWNJ = "\u200c"


@pytest.mark.parametrize(
    ("text", "zwnj", "expected"),
    [
        ("من  به خانه   رفتم .", "keep", "من به خانه رفتم ."),  # runs of spaces collapse to one
        ("\tمن به\nخانه رفتم . ", "keep", "من به خانه رفتم ."),  # tabs/newlines are spaces; ends stripped
        ("او\u00a0آمد", "keep", "او آمد"),  # NBSP is whitespace too
        (f"می{ZWNJ}روم", "keep", f"می{ZWNJ}روم"),  # ZWNJ is part of the word by default
        (f"می{ZWNJ}روم", "space", "می روم"),  # ... or unified with a space
        (f"می{ZWNJ}روم", "remove", "میروم"),  # ... or dropped
        ("e\u0301", "keep", "\u00e9"),  # NFC composes combining marks
    ],
)
def test_normalize_for_em(text, zwnj, expected):
    assert normalize_for_em(text, zwnj) == expected


def test_normalize_rejects_unknown_zwnj_mode():
    with pytest.raises(ValueError, match="zwnj"):
        normalize_for_em("x", "drop")


def test_exact_match_known_value():
    refs = ["من به خانه رفتم .", "او کتاب را خواند .", f"ما به مدرسه می{ZWNJ}رویم .", "هوا سرد است ."]
    preds = [
        "من  به خانه رفتم .",  # hit after whitespace collapse
        "کتاب او را خواند .",  # miss: order differs
        "ما به مدرسه می رویم .",  # miss with zwnj=keep, hit with zwnj=space
        "هوا سرد است .",  # hit
    ]
    em = exact_match(preds, refs)
    assert em.score == pytest.approx(50.0) and em.n == 4
    assert em.signature == "em|nfc|ws:collapse|zwnj:keep"
    assert exact_match(preds, refs, zwnj="space").score == pytest.approx(75.0)


def test_bleu_perfect_zero_and_hand_value():
    ref = "من دیروز با دوستم به کتابخانه رفتم"
    assert corpus_bleu([ref], [ref]).score == pytest.approx(100.0)
    # No shared word: every n-gram precision is 0, so BLEU is 0.
    assert corpus_bleu(["الف ب پ ت ث ج"], [ref]).score == pytest.approx(0.0)
    # Last word wrong in a 6-word sentence: precisions 5/6, 4/5, 3/4, 2/3, brevity penalty 1,
    # BLEU = (5/6 * 4/5 * 3/4 * 2/3) ** (1/4) = (1/3) ** 0.25 = 75.98 %.
    hyp, ref6 = "من دیروز با دوستم به مدرسه", "من دیروز با دوستم به کتابخانه"
    assert corpus_bleu([hyp], [ref6]).score == pytest.approx(100 * (1 / 3) ** 0.25, abs=1e-6)


def test_bleu_and_chrf_match_direct_sacrebleu_call():
    refs = ["من دیروز با دوستم به کتابخانه رفتم .", "او هر روز صبح زود از خواب بیدار می‌شود ."]
    preds = ["دیروز من با دوستم به کتابخانه رفتم .", "او هر روز صبح از خواب زود بیدار می‌شود ."]
    bleu = corpus_bleu(preds, refs)
    assert bleu.score == pytest.approx(sacrebleu.corpus_bleu(preds, [refs], tokenize="none").score)
    assert "tok:none" in bleu.signature and "version:" in bleu.signature
    chrf = corpus_chrf(preds, refs)
    assert chrf.score == pytest.approx(sacrebleu.corpus_chrf(preds, [refs]).score)
    assert 0 < chrf.score < 100 and "nc:6" in chrf.signature


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError, match="2 predictions but 1 references"):
        exact_match(["a", "b"], ["a"])


@pytest.mark.parametrize(
    ("n", "expected"),
    [(3, "<5"), (5, "5-7"), (7, "5-7"), (8, "8-10"), (10, "8-10"), (11, "11-15"), (15, "11-15"), (16, "16+"), (90, "16+")],
)
def test_length_bucket_edges(n, expected):  # bucket edges are inclusive on both ends
    assert length_bucket(n) == expected


def test_bucketed_scores_split_em_and_bleu():
    short_ref = "من به خانه رفتم ."  # 5 words -> 5-7
    long_ref = "او هر روز صبح زود از خواب بیدار می‌شود ."  # 10 words -> 8-10
    preds = [short_ref, "هر او روز صبح زود از خواب بیدار می‌شود ."]
    out = bucketed_scores(preds, [short_ref, long_ref])
    assert list(out) == ["5-7", "8-10"]
    assert out["5-7"] == {"n": 1, "em": 100.0, "bleu": 100.0}
    assert out["8-10"]["em"] == 0.0
    assert out["8-10"]["bleu"] == pytest.approx(round(corpus_bleu(preds[1:], [long_ref]).score, 4))
    # Explicit lengths override counting words.
    assert list(bucketed_scores(preds, [short_ref, long_ref], n_words=[16, 16])) == ["16+"]


def test_generation_scores_bundle():
    refs = ["من دیروز با دوستم به کتابخانه رفتم ."] * 2
    out = generation_scores([refs[0], "رفتم من دیروز با دوستم به کتابخانه ."], refs)
    assert out["n"] == 2 and out["em"] == 50.0
    assert set(out["signatures"]) == {"em", "bleu", "chrf"}
    assert out["by_length"]["8-10"]["n"] == 2


def test_metrics_module_does_not_import_torch():
    import subprocess

    code = "import sys, fa_nlp.metrics.generation as g; g.exact_match(['a'], ['a']); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
