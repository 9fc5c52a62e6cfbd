"""fa_nlp.tasks.qa.examples: answer validation, accounting, normalization with offset maps, statistics."""

from __future__ import annotations

import json

import pytest

from fa_nlp.data.squad import Answer, SquadParagraph, SquadQuestion
from fa_nlp.tasks.qa.examples import (
    QAReadReport,
    check_answer,
    examples_from_paragraphs,
    nearest_occurrence,
    qa_stats,
    read_qa_examples,
    stats_table,
)

CTX = "تهران پایتخت ایران است. تهران شهری بزرگ است."


@pytest.mark.parametrize(
    ("text", "start", "expected"),
    [
        ("پایتخت", 6, (6, None)),  # offset right: kept as is
        ("تهران", 26, (24, "offset_moved_to_nearest")),  # off by 2: the second occurrence is nearest
        ("تهران", 3, (0, "offset_moved_to_nearest")),  # off: the first occurrence is nearest
        ("مشهد", 0, (None, "answer_not_in_context_dropped")),  # nowhere in the context
        ("  ", 0, (None, "empty_answer_dropped")),  # blank answer text
        ("ایران", -5, (13, "offset_moved_to_nearest")),  # negative offset is never trusted
    ],
)
def test_check_answer(text, start, expected):
    assert check_answer(CTX, text, start) == expected


def test_nearest_occurrence_ties_prefer_earlier():
    # "ab" at 0 and 4; start 2 is equally far from both
    assert nearest_occurrence("ab__ab", "ab", 2) == 0


def _para(questions, context=CTX, doc="d:0:0"):
    return SquadParagraph(doc, "عنوان", context, questions)


def _q(qid, question="پایتخت ایران کجاست؟", answers=(), impossible=False):
    return SquadQuestion(qid, question, [Answer(t, s) for t, s in answers], impossible)


def test_accounting_read_is_kept_plus_fixed_plus_skipped():
    paras = [
        _para([
            _q("1", answers=[("تهران", 0)]),  # kept
            _q("2", answers=[("تهران", 20)]),  # fixed (moved to 24)
            _q("3", answers=[("مشهد", 0)]),  # skipped: no valid answer left
            _q("1", answers=[("تهران", 0)]),  # skipped: duplicate id
            _q("4", question="  "),  # skipped: empty question
            _q("5", impossible=True, answers=[("تهران", 0)]),  # fixed: answers removed, stays unanswerable
            _q("6"),  # kept: no answers = unanswerable
        ]),
        _para([_q("7", answers=[("x", 0)])], context="   ", doc="d:0:1"),  # skipped: empty context
    ]
    examples, report = examples_from_paragraphs(paras, normalize=False), None

    report = QAReadReport()
    examples = examples_from_paragraphs(paras, report, normalize=False)
    report.check()
    assert (report.read, report.kept, report.fixed, report.skips.n_skipped) == (8, 2, 2, 4)
    assert dict(report.skips.skipped) == {
        "no_valid_answer": 1, "duplicate_id": 1, "empty_question": 1, "empty_context": 1,
    }
    assert report.fixes["offset_moved_to_nearest"] == 1
    assert report.fixes["answers_removed_from_unanswerable"] == 1
    by_id = {e.id: e for e in examples}
    assert by_id["2"].answer_starts == (24,)
    assert by_id["5"].is_impossible and by_id["6"].is_impossible
    assert not by_id["1"].is_impossible
    d = report.to_dict()
    assert d["read"] == d["kept"] + d["fixed"] + d["skipped"]


def test_normalization_maps_answer_offsets_and_back():
    # Arabic yeh/kaf, a Latin digit and a diacritic: normalization changes characters and length
    context = "كتاب علي در سال 1390 نوشته شد و كتابِ دوم بعداً آمد."
    answer = "سال 1390"
    start = context.index(answer)
    para = _para([_q("n1", question="كتاب كي نوشته شد؟", answers=[(answer, start)])], context=context)
    (ex,) = examples_from_paragraphs([para], normalize=True)
    assert ex.normalized and ex.original_context == context
    s = ex.answer_starts[0]
    assert ex.context[s : s + len(ex.answer_texts[0])] == ex.answer_texts[0]  # valid in normalized text
    assert "ك" not in ex.context and "ك" not in ex.question  # Arabic kaf normalized away
    os_, oe = ex.to_original(s, s + len(ex.answer_texts[0]))
    assert context[os_:oe] == answer  # back on the ORIGINAL text


def test_answer_changed_by_normalization_is_kept_and_counted():
    # normalization removes the kasra that ends the answer: the normalized answer maps back onto one
    # character less than was read, so the question is kept but counted as a fix, with the texts

    context = "نویسنده ژرژ سورلِ فرانسوی است."
    answer = "ژرژ سورلِ"
    para = _para([_q("k1", question="نویسنده کیست؟", answers=[(answer, context.index(answer))])], context=context)
    report = QAReadReport()
    (ex,) = examples_from_paragraphs([para], report, normalize=True)
    report.check()
    s, t = ex.answer_starts[0], ex.answer_texts[0]
    assert ex.context[s : s + len(t)] == t == "ژرژ سورل"
    assert (report.kept, report.fixed) == (0, 1)
    assert report.fixes == {"answer_span_changed_by_normalization": 1}
    assert "ژرژ سورلِ" in report.fix_examples["answer_span_changed_by_normalization"][0]


@pytest.mark.shared_data
@pytest.mark.parametrize("path", ["pquad/Validation.json", "persianqa/pqa_test.json", "parsinlu_rc/eval.jsonl"])
def test_real_files_normalized_answers_stay_valid(shared_data, path):
    # every kept answer is exactly its span of the normalized context; accounting adds up
    examples, report = read_qa_examples(shared_data / path, normalize=True)
    report.check()
    assert len(examples) == report.kept + report.fixed > 100
    for e in examples:
        assert "ك" not in e.context and "ي" not in e.context
        for t, s in zip(e.answer_texts, e.answer_starts):
            assert e.context[s : s + len(t)] == t


def test_no_normalize_keeps_raw_text():
    para = _para([_q("r1", question=" كتاب؟", answers=[("تهران", 0)])])
    (ex,) = examples_from_paragraphs([para], normalize=False)
    assert ex.question == " كتاب؟" and ex.context == CTX and not ex.normalized
    assert ex.to_original(0, 5) == (0, 5)


def test_stats_hand_computed():
    paras = [
        _para([_q("a", answers=[("تهران", 0), ("تهران شهری بزرگ", 24)]), _q("b")]),  # 2 answers; 1 unanswerable
        _para([_q("c", question="کجا؟", answers=[("یک دو", 0)])], context="یک دو سه", doc="d:1:0"),
    ]
    s = qa_stats(examples_from_paragraphs(paras, normalize=False))
    assert s["questions"] == 3 and s["unanswerable"] == 1 and s["answerability_pct"] == pytest.approx(66.67)
    assert s["contexts"] == 2
    assert s["context_words"] == {"min": 3, "max": 8, "avg": 5.5}  # CTX has 8 whitespace words
    assert s["question_words"] == {"min": 1, "max": 3, "avg": round(7 / 3, 2)}
    assert s["answer_words"] == {"min": 1, "max": 3, "avg": 2.0}  # 1, 3, 2 words
    table = stats_table({"x": s})
    assert "| x | 3 | 1 | 66.67% | 2 | 3/8/5.5 |" in table


def test_read_file_with_bad_offset(tmp_path):
    doc = {"data": [{"title": "t", "paragraphs": [{"context": CTX, "qas": [
        {"id": "q1", "question": "پایتخت؟", "answers": [{"text": "ایران", "answer_start": 99}], "is_impossible": False},
        {"id": "q2", "question": "بزرگ؟", "answers": [], "is_impossible": True},
    ]}]}]}
    path = tmp_path / "qa.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    examples, report = read_qa_examples(path, normalize=False)
    assert [e.id for e in examples] == ["q1", "q2"]
    assert examples[0].answer_starts == (CTX.index("ایران"),)
    assert (report.kept, report.fixed) == (1, 1)


def test_sample_file_reads_clean(sample_dir):
    examples, report = read_qa_examples(sample_dir / "qa.json", normalize=False)
    report.check()
    assert len(examples) == report.kept + report.fixed > 0
    for e in examples:
        for t, s in zip(e.answer_texts, e.answer_starts):
            assert e.context[s : s + len(t)] == t
