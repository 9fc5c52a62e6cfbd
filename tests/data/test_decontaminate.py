"""Decontamination: a 13-word run shared with any evaluation set drops a document, whatever the spacing
or letter variants, and the drop is counted under every set it touches."""

from __future__ import annotations

import pytest

from fa_nlp.data.decontaminate import (
    HeldOut,
    catalog_evaluation_files,
    held_out_sets,
    shingle_words,
    shingles,
)
from fa_nlp.data.pretraining import pretraining_texts

EVAL = ("سازمان هواشناسی از ورود یک سامانهٔ بارشی تازه به کشور از صبح فردا خبر داد و گفت در ارتفاعات "
        "البرز و زاگرس احتمال بارش برف و کولاک وجود دارد")
OTHER = "کتابخانهٔ عمومی شهر اصفهان پس از دو سال بازسازی روز شنبه با حضور مردم و مسئولان دوباره افتتاح شد"


def _run(words: list[str], start: int, n: int) -> str:
    return " ".join(words[start : start + n])


@pytest.mark.parametrize(("text", "expected"), [
    ("كتاب‌هاي من", ["کتاب", "های", "من"]),  # Arabic kaf/yeh → Persian; a ZWNJ splits like a space
    ("«سلام»، دنیا!", ["سلام", "دنیا"]),  # punctuation is not a word
    ("سال ۱۳۵۷ و 1357", ["سال", "1357", "و", "1357"]),  # Persian digits → ASCII
    ("خانهٔ بزرگ", ["خانه", "بزرگ"]),  # hamza above (ezafe) removed
    ("کتـــاب", ["کتاب"]),  # tatweel removed
])
def test_shingle_words(text, expected):
    assert shingle_words(text) == expected


def test_thirteen_shared_words_drop_a_document_twelve_do_not():
    w = EVAL.split()
    held = HeldOut().add("eval", [EVAL])
    assert held.matches(f"{OTHER} {_run(w, 3, 13)} {OTHER}") == ["eval"]
    assert held.matches(f"{OTHER} {_run(w, 3, 12)} {OTHER}") == []
    assert shingles("") == set()


def test_a_short_text_matches_only_a_short_text_with_the_same_words():
    held = HeldOut().add("test", ["من دیروز به خانه رفتم."])  # 5–12 words: compared whole
    assert held.matches("«من» دیروز به خانه رفتم") == ["test"]
    assert held.matches("من دیروز به خانه رفتم و خوابیدم.") == []
    assert len(shingles("من دیروز به خانه رفتم")) == 1
    assert shingles("فقط چند کلمه") == set()  # under 5 words: no evidence of copying


def test_a_copy_matches_whatever_normalization_did_to_it():
    # the same passage with Arabic letters, a ZWNJ where the original has a space, and other punctuation
    variant = EVAL.replace("ی", "ي").replace("سامانهٔ", "سامانه").replace(" بارشی", "‌بارشی") + "."
    assert HeldOut().add("eval", [EVAL]).matches(variant) == ["eval"]


def test_each_set_counts_its_drops_and_the_total_counts_a_document_once():
    w = EVAL.split()
    held = HeldOut().add("a", [EVAL]).add("b", [_run(w, 0, 20)]).add("c", [OTHER + " " + OTHER])
    docs = [EVAL, " ".join(reversed(OTHER.split())), _run(w, 0, 15)]  # the middle one is clean
    kept = [d for d in docs if held.check(d)]
    assert kept == [docs[1]]
    c = held.counts()
    assert c["checked"] == 3 and c["dropped"] == 2
    assert {k: v["dropped_documents"] for k, v in c["per_set"].items()} == {"a": 2, "b": 2, "c": 0}


def test_pretraining_texts_leave_held_out_documents_out_and_count_them(tmp_path):
    w = EVAL.split()
    f = tmp_path / "docs.txt"
    f.write_text("\n".join([OTHER, f"مقدمه {_run(w, 2, 14)} پایان", "جمله‌ای کوتاه و بی‌خطر"]) + "\n", encoding="utf-8")
    held = HeldOut().add("pquad:test", [EVAL])
    texts, counts, _ = pretraining_texts(str(f), include=["متن آموزشی"], held_out=held)
    assert texts == [OTHER, "جمله‌ای کوتاه و بی‌خطر", "متن آموزشی"]
    assert counts["dropped"] == 1 and counts["decontamination"]["per_set"]["pquad:test"]["dropped_documents"] == 1


def test_catalog_evaluation_sets_are_every_qa_and_sbd_split_but_the_training_file(shared_data):
    names = [n for n, _path, _kind in catalog_evaluation_files()]
    for expected in ("pquad:test", "persianqa:test", "parsinlu_rc:test", "parsinlu_rc:validation",
                     "parsinlu_rc:train", "ud_fa_sbd:seraji_test", "ud_fa_sbd:perdt_dev"):
        assert expected in names
    assert "pquad:validation" not in names  # the QA recipe trains on it
    assert len(names) == len(set(names))  # ParsiNLU's .json and .jsonl copies are read once


def test_unknown_held_out_set_is_an_error():
    with pytest.raises(ValueError, match="unknown held-out set 'pquad'"):
        held_out_sets(["pquad"])
    assert not held_out_sets(["none"])
