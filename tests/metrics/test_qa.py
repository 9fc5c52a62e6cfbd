"""fa_nlp.metrics.qa: Persian answer normalization, EM/F1 (max over golds), SQuAD v2 unanswerable rule."""

from __future__ import annotations

import pytest

from fa_nlp.metrics.qa import SIGNATURE, exact_match, f1_score, normalize_answer, qa_scores


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("علي", "علی"),  # Arabic yeh → Persian yeh
        ("كتاب", "کتاب"),  # Arabic kaf → Persian kaf
        ("۱۳۹۰", "1390"),  # Persian digits → ASCII
        ("١٢", "12"),  # Arabic-Indic digits → ASCII
        ("می\u200cروم", "می روم"),  # ZWNJ compares like a space
        ("کتابِ", "کتاب"),  # kasra (diacritic) removed
        ("«تهران»، ایران؟", "تهران ایران"),  # Persian punctuation removed
        ("  Tehran,  IRAN! ", "tehran iran"),  # Latin punctuation, case, whitespace
        ("خـــوب", "خوب"),  # tatweel removed
    ],
)
def test_normalize_answer(text, expected):
    assert normalize_answer(text) == expected


@pytest.mark.parametrize(
    ("pred", "golds", "em", "f1"),
    [
        ("كتاب علي", ["کتاب علی"], 1.0, 1.0),  # equal after normalization
        ("کتاب", ["کتاب علی", "کتاب"], 1.0, 1.0),  # max over golds
        ("کتاب علی", ["کتاب"], 0.0, 2 / 3),  # P=1/2, R=1 → F1=2/3
        ("سه کتاب علی", ["کتاب علی رضا"], 0.0, 2 / 3),  # 2 common of 3 and 3 → 2/3
        ("", [], 1.0, 1.0),  # unanswerable, predicted no answer
        ("تهران", [], 0.0, 0.0),  # unanswerable, predicted an answer
        ("", ["تهران"], 0.0, 0.0),  # answerable, predicted no answer
        ("«»", [], 1.0, 1.0),  # punctuation-only prediction normalizes to "" (official v2)
        ("سال ۱۳۹۰", ["سال 1390"], 1.0, 1.0),  # Persian vs Latin digits
        ("سال ١٣٩٠", ["سال ۱۳۹۰"], 1.0, 1.0),  # Arabic-Indic vs Persian digits
        ("می روم", ["می\u200cروم"], 1.0, 1.0),  # space vs ZWNJ: the same two tokens
        ("میروم", ["می\u200cروم"], 0.0, 0.0),  # no separator at all is a different word
        ("کتابِ علیٌ", ["کتاب علی"], 1.0, 1.0),  # kasra and tanwin are not compared
        ("«تهران»؛", ["تهران."], 1.0, 1.0),  # Persian and Latin punctuation both removed
        ("تهران (Tehran)", ["تهران، TEHRAN"], 1.0, 1.0),  # mixed script: brackets, comma, case
        ("خانهٔ بزرگ", ["خانه"], 0.0, 2 / 3),  # hamza above removed; P=1/2, R=1
    ],
)
def test_em_f1_hand_computed(pred, golds, em, f1):
    assert exact_match(pred, golds) == em
    assert f1_score(pred, golds) == pytest.approx(f1)


def test_corpus_scores_with_breakdown():
    refs = {"a": ["کتاب علی"], "b": ["تهران"], "c": [], "d": []}
    preds = {"a": "کتاب", "b": "تهران", "c": "", "d": "شیراز"}
    s = qa_scores(preds, refs)
    # EM: a0 b1 c1 d0 → 50; F1: a 2/3, b1, c1, d0 → (2/3+2)/4
    assert s.exact == pytest.approx(50.0) and s.f1 == pytest.approx(100 * (2 / 3 + 2) / 4)
    assert (s.HasAns_total, s.NoAns_total) == (2, 2)
    assert s.HasAns_exact == pytest.approx(50.0) and s.HasAns_f1 == pytest.approx(100 * (2 / 3 + 1) / 2)
    assert s.NoAns_exact == pytest.approx(50.0)
    assert s.signature == SIGNATURE and "unanswerable:squad-v2" in s.signature
    assert qa_scores({}, {"x": ["y"]}).missing == 1


def test_metrics_do_not_import_torch():
    import subprocess
    import sys

    code = "import sys, fa_nlp.metrics.qa; assert 'torch' not in sys.modules and 'numpy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
