"""Cloze questions from plain text: answers are where they say, unanswerable ones really are,
seeded, and the output reads back through the project's own QA reader."""

from __future__ import annotations

import json

import pytest

from fa_nlp.cli import main
from fa_nlp.tasks.qa.answer_types import QUESTION_WORDS
from fa_nlp.tasks.qa.cloze import (
    WH_WORDS,
    ClozeConfig,
    cloze_dataset,
    cloze_question,
    passages,
    prepare_cloze,
)
from fa_nlp.tasks.qa.examples import read_qa_examples
from fa_nlp.text import stop_words

TYPED_ON = {"typed_questions": True, "typed_answers": 0.5}  # opt-in until it pays on dev (issue 23)
TYPED = {w for ws in QUESTION_WORDS.values() for w in ws} | {"کدام"}

TEXTS = [
    "تهران پایتخت ایران است و جمعیت آن بیش از هشت میلیون نفر است. رود کرج از شمال غربی این شهر می‌گذرد "
    "و آب آشامیدنی آن را تامین می‌کند. برج میلاد در سال ۱۳۸۶ در غرب تهران ساخته شد و بلندترین برج کشور است. "
    "دانشگاه تهران قدیمی‌ترین دانشگاه نوین ایران است که در سال ۱۳۱۳ گشایش یافت.",
    "سعدی شاعر بزرگ شیراز در قرن هفتم زندگی می‌کرد و گلستان را به نثر آمیخته به نظم نوشت. "
    "بوستان او کتابی منظوم در ده باب درباره اخلاق و تربیت است. آرامگاه سعدی در شمال شرقی شیراز قرار دارد.",
    "یک جمله تنها که هیچ جمله دیگری کنارش نیست و پرسشی از آن ساخته نمی‌شود.",
]


def _questions(squad):
    for art in squad["data"]:
        for p in art["paragraphs"]:
            for q in p["qas"]:
                yield p["context"], q


def test_answers_point_into_the_context_and_unanswerable_ones_are_absent():
    squad, counts = cloze_dataset(TEXTS * 20, ClozeConfig(seed=3, unanswerable=0.4, **TYPED_ON))
    qs = list(_questions(squad))
    assert counts["questions"] == len(qs) > 0 and counts["passages_too_short"] == 20  # the one-sentence text
    assert 0 < counts["unanswerable"] < len(qs)
    assert len({q["id"] for _, q in qs}) == len(qs)
    for context, q in qs:
        assert q["question"].endswith("؟") and any(w in q["question"] for w in TYPED)
        if q["is_impossible"]:
            assert q["answers"] == []
        else:
            (a,) = q["answers"]
            assert context[a["answer_start"] : a["answer_start"] + len(a["text"])] == a["text"]
            assert a["text"] == a["text"].strip("«».،؛؟!")  # no punctuation at the answer's edges
    for context, q in qs:
        if q["is_impossible"]:  # the sentence was cut out of the passage: the context is shorter
            assert not any(context == t for t in TEXTS)


def test_seeded_and_capped():
    a, _ = cloze_dataset(TEXTS, ClozeConfig(seed=1))
    b, _ = cloze_dataset(TEXTS, ClozeConfig(seed=1))
    c, _ = cloze_dataset(TEXTS, ClozeConfig(seed=2))
    assert a == b and a != c
    capped, counts = cloze_dataset(TEXTS * 10, ClozeConfig(seed=1), max_questions=5)
    assert counts["questions"] == len(list(_questions(capped))) == 5
    one, _ = cloze_dataset(TEXTS[:1], ClozeConfig(questions_per_passage=1))
    assert len(list(_questions(one))) == 1


def test_question_replaces_the_answer_by_a_question_word():
    import random

    s = "برج میلاد در سال ۱۳۸۶ در غرب تهران ساخته شد و بلندترین برج کشور است."
    cfg = ClozeConfig(drop_words=0.0, max_question_words=40, typed_questions=False)
    for seed in range(20):
        q, a0, a1 = cloze_question(s, random.Random(seed), cfg, frozenset({"در", "و", "است"}))
        # nothing dropped: the question is the sentence with the answer swapped for one question word
        expected = " ".join((s[:a0] + " " + s[a1:]).rstrip(".").split())
        assert any(" ".join(q[:-1].replace(w, " ", 1).split()) == expected for w in WH_WORDS), (q, s[a0:a1])


def test_passages_cut_at_sentence_ends():
    got = passages(TEXTS[0], max_chars=120)
    assert len(got) > 1
    for p, spans in got:
        assert all(0 <= s < e <= len(p) for s, e in spans)
        assert p in TEXTS[0]


def test_written_file_reads_back_as_qa_examples(tmp_path):
    squad, counts = cloze_dataset(TEXTS * 3, ClozeConfig(seed=5, **TYPED_ON))
    f = tmp_path / "cloze.json"
    f.write_text(json.dumps(squad, ensure_ascii=False), encoding="utf-8")
    examples, report = read_qa_examples(f, normalize=False)
    assert len(examples) == counts["questions"]
    assert sum(e.is_impossible for e in examples) == counts["unanswerable"]
    assert report.skips.kept == report.skips.read == counts["questions"] and report.fixed == 0


@pytest.mark.parametrize("field", ["questions_per_passage", "unanswerable"])
def test_config_fields_exist(field):
    assert hasattr(ClozeConfig(), field)


def test_prepare_cloze_keeps_qa_dev_and_test_text_out_and_is_reproducible(sample_dir, qa_prepared, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    counts = prepare_cloze(str(sample_dir / "documents.txt"), qa_prepared, a, ClozeConfig(seed=7), log=lambda *x: None)
    prepare_cloze(str(sample_dir / "documents.txt"), qa_prepared, b, ClozeConfig(seed=7), log=lambda *x: None)
    assert a.read_bytes() == b.read_bytes()
    # the sample's qa.json contexts repeat documents.txt paragraphs: those of dev/test contexts are dropped
    assert counts["dropped_sharing_a_13_word_shingle_with_qa_dev_or_test"] > 0 and counts["qa_train_contexts"] > 0
    examples, _ = read_qa_examples(a, normalize=False)
    assert len(examples) == counts["questions"] > 0
    assert json.loads(a.read_text(encoding="utf-8"))["fa_nlp"]["counts"]["questions"] == counts["questions"]


@pytest.mark.parametrize(("sentence", "answer", "question"), [
    # a year after «سال»: «چه سالی» replaces «سال ۱۳۸۶»
    ("برج میلاد در سال ۱۳۸۶ در غرب تهران ساخته شد.", "۱۳۸۶", "برج میلاد در چه سالی در غرب تهران ساخته شد؟"),
    # a count: «چند» takes the number's place, the noun stays
    ("این کتاب در ده باب درباره اخلاق نوشته شده است.", "ده", "این کتاب در چند باب درباره اخلاق نوشته شده است؟"),
    # a place after a place noun: «کدام شهر» replaces «شهر شیراز»
    ("آرامگاه سعدی در شهر شیراز قرار دارد و زیباست.", "شیراز", "آرامگاه سعدی در کدام شهر قرار دارد و زیباست؟"),
    # a person after a title: «چه کسی» replaces «شیخ سعدی»
    ("کتاب گلستان را شیخ سعدی در قرن هفتم نوشت.", "سعدی", "کتاب گلستان را چه کسی در قرن هفتم نوشت؟"),
])
def test_typed_question_words(sentence, answer, question):
    import random

    cfg = ClozeConfig(drop_words=0.0, max_question_words=40, max_answer_words=1, **TYPED_ON)
    stop = frozenset(w for w in sentence.rstrip(".").split() if w != answer)  # the answer is the only content word
    q, a0, a1 = cloze_question(sentence, random.Random(0), cfg, stop)
    assert (sentence[a0:a1], q) == (answer, question)


def test_typed_answers_prefer_a_number_date_person_or_place():
    import random

    s = "برج بلند میلاد در سال ۱۳۸۶ در غرب پایتخت ساخته شد و بلندترین برج کشور است."
    stop = stop_words()

    def answers(cfg):
        return {s[a0:a1] for seed in range(10) for _q, a0, a1 in [cloze_question(s, random.Random(seed), cfg, stop)]}

    assert answers(ClozeConfig(typed_questions=True, typed_answers=1.0, drop_words=0.0)) == {"۱۳۸۶"}  # the one typed word of the sentence
    assert len(answers(ClozeConfig(typed_questions=True, typed_answers=0.0, drop_words=0.0))) > 3


def test_cli_held_out_sets_leave_their_documents_out(sample_dir, qa_prepared, tmp_path):
    # a word-order "build config" over the sample documents with everything in test: every sample
    # document is then an evaluation document, so no text document is left to make questions from
    cfg = tmp_path / "wo.toml"
    cfg.write_text(f'corpora = ["{sample_dir / "documents.txt"}"]\nsplit = [0.0, 0.0, 1.0]\n', encoding="utf-8")
    out = tmp_path / "cloze.json"
    assert main(["prepare", "qa", "--cloze", "--text", str(sample_dir / "documents.txt"), "--qa-prepared",
                 str(qa_prepared), "--out", str(out), "--held-out", f"wordorder:{cfg}"]) == 0
    counts = json.loads(out.read_text(encoding="utf-8"))["fa_nlp"]["counts"]
    assert counts["text_documents_kept"] == 0 and counts["text_documents_read"] > 0
    assert counts["decontamination"]["per_set"]["wordorder:test"]["dropped_documents"] == counts["text_documents_read"]
