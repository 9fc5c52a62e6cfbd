"""SQuAD parsing: every variant we ship, located errors, lenient accounting, real-file counts."""

from __future__ import annotations

import json

import pytest

from fa_nlp.data.squad import Answer, read_squad, read_squad_documents
from fa_nlp.report import InputError, SkipReport

CTX = "تهران پایتخت ایران است."


def _v2(qas, context=CTX, **article):
    return {
        "version": "v2",
        "data": [{"title": "ایران", **article, "paragraphs": [{"context": context, "qas": qas}]}],
    }


def _write(tmp_path, name, obj):
    p = tmp_path / name
    p.write_text(obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("qa", "expected"),
    [
        # PQuAD: string id, v2 unanswerable flag
        (
            {
                "id": "1601001",
                "question": "پایتخت ایران کجاست؟",
                "answers": [{"text": "تهران", "answer_start": 0}],
                "is_impossible": False,
            },
            ("1601001", [Answer("تهران", 0)], False),
        ),
        # PQuAD unanswerable: empty answers, is_impossible true
        (
            {"id": "q2", "question": "پایتخت فرانسه کجاست؟", "answers": [], "is_impossible": True},
            ("q2", [], True),
        ),
        # PersianQA: integer id (kept as its string), answer_end kept raw
        (
            {
                "id": 7,
                "question": "پایتخت؟",
                "answers": [{"answer_start": 0, "answer_end": 5, "text": "تهران"}],
                "is_impossible": False,
            },
            ("7", [Answer("تهران", 0, 5)], False),
        ),
        # ParsiNLU .json (v1.1): no is_impossible → answerable
        (
            {"id": "u-u-i-d", "question": "کجا؟", "answers": [{"answer_start": 0, "text": "تهران"}]},
            ("u-u-i-d", [Answer("تهران", 0)], False),
        ),
        # a wrong offset is NOT an error here: values are kept raw for fa_nlp.tasks.qa.examples to validate
        (
            {"id": "x", "question": "کجا؟", "answers": [{"answer_start": 99, "text": "شیراز"}]},
            ("x", [Answer("شیراز", 99)], False),
        ),
    ],
)
def test_variants(tmp_path, qa, expected):
    (para,) = read_squad(_write(tmp_path, "f.json", _v2([qa])))
    (q,) = para.questions
    assert (q.id, q.answers, q.is_impossible) == expected
    assert para.context == CTX and para.title == "ایران" and para.doc_id == "f:0:0"


def test_parsinlu_jsonl(tmp_path):
    rows = [
        {
            "question": "پایتخت کجاست؟",
            "url": "https://fa.wikipedia.org/x",
            "passage": CTX,
            "answers": [[0, "تهران"]],
        },
        {
            "question": "کجا؟",
            "url": float("nan"),
            "passage": CTX,
            "answers": [[0, "تهران"], [0, "تهران پایتخت"]],
        },
    ]
    p = _write(tmp_path, "dev.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    paras = list(read_squad(p))
    assert [x.doc_id for x in paras] == ["dev:1", "dev:2"]
    assert paras[0].title == "https://fa.wikipedia.org/x"
    assert paras[1].title == ""  # NaN url (a real ParsiNLU artefact) is a missing url
    assert paras[1].questions[0].answers == [Answer("تهران", 0), Answer("تهران پایتخت", 0)]
    # identical passages are one document
    assert [d.id for d in read_squad_documents(p)] == ["dev:1"]


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        # the error names the record path and the field
        (_v2([{"id": "a", "answers": []}]), "f.json:data[0].paragraphs[0].qas[0]: missing field 'question'"),
        (
            _v2([{"id": "a", "question": "؟", "answers": [{"text": "x"}]}]),
            "f.json:data[0].paragraphs[0].qas[0].answers[0]: missing field 'answer_start'",
        ),
        # types are checked: a string offset, a bool id, a non-bool flag
        (
            _v2([{"id": "a", "question": "؟", "answers": [{"text": "x", "answer_start": "3"}]}]),
            "answers[0]: field 'answer_start' must be int, got str",
        ),
        (_v2([{"id": True, "question": "؟", "answers": []}]), "field 'id' must be str or int, got bool"),
        (
            _v2([{"id": "a", "question": "؟", "answers": [], "is_impossible": "no"}]),
            "field 'is_impossible' must be bool",
        ),
        (
            {"data": [{"title": "t", "paragraphs": [{"qas": []}]}]},
            "data[0].paragraphs[0]: missing field 'context'",
        ),
        ({"version": 1}, "f.json:<root>: missing field 'data'"),
        # malformed JSON: line of the error
        ('{"data": [\n  {"title": "t",,}\n]}', "f.json:2: malformed JSON"),
    ],
)
def test_errors_are_located(tmp_path, obj, message):
    with pytest.raises(InputError) as e:
        list(read_squad(_write(tmp_path, "f.json", obj)))
    assert message in str(e.value)


def test_invalid_utf8_json(tmp_path):
    p = tmp_path / "bad.json"
    # line 2 starts at byte 11; the bad byte is its 12th (0-based 11)
    p.write_bytes(b'{"data": [\n{"title": "' + b"\xff\xfe" + b'", "paragraphs": []}]}')
    with pytest.raises(
        InputError, match=r"bad.json:2: invalid UTF-8 at byte offset 22 \(byte 11 of the line"
    ):
        list(read_squad(p))


def test_jsonl_errors_and_lenient(tmp_path):
    good = json.dumps({"question": "؟", "passage": CTX, "answers": [[0, "تهران"]]})
    lines = [
        good,
        "{not json",
        json.dumps({"passage": CTX, "answers": []}),
        "",
        json.dumps({"question": "؟", "passage": CTX, "answers": [["0", "x"]]}),
        good,
    ]
    p = _write(tmp_path, "e.jsonl", "\n".join(lines) + "\n")
    with pytest.raises(InputError, match="e.jsonl:2: malformed JSON"):
        list(read_squad(p))
    report = SkipReport()
    paras = list(read_squad(p, lenient=True, report=report))
    assert [x.doc_id for x in paras] == ["e:1", "e:6"]
    assert report.read == 6 and report.kept == 2 and report.read == report.kept + report.n_skipped
    assert report.skipped == {"malformed_json": 1, "missing_field": 1, "empty": 1, "bad_type": 1}
    assert "e.jsonl:3: missing field 'question'" in report.examples["missing_field"][0]


def test_lenient_json_counts_questions(tmp_path):
    qas = [
        {"id": "a", "question": "؟", "answers": []},
        {"id": "b", "answers": []},  # missing question → skipped
        {"id": "c", "question": "؟", "answers": [{"text": 1, "answer_start": 0}]},  # bad type → skipped
    ]
    report = SkipReport()
    (para,) = read_squad(_write(tmp_path, "f.json", _v2(qas)), lenient=True, report=report)
    assert [q.id for q in para.questions] == ["a"]
    assert (report.read, report.kept, report.n_skipped) == (3, 1, 2)
    report.check()


# Counts from the READMEs of ../shared/data (questions, unanswerable).
REAL = [
    ("pquad/Validation.json", 7976, 1981),
    ("pquad/Test.json", 8002, 1914),
    ("persianqa/pqa_test.json", 930, 279),
    ("parsinlu_rc/train.json", 600, 0),
    ("parsinlu_rc/dev.json", 125, 0),
    ("parsinlu_rc/eval.json", 570, 0),
    ("parsinlu_rc/train.jsonl", 600, 0),
    ("parsinlu_rc/dev.jsonl", 125, 0),
    ("parsinlu_rc/eval.jsonl", 570, 0),
]


@pytest.mark.shared_data
@pytest.mark.parametrize(("rel", "n_questions", "n_impossible"), REAL)
def test_real_counts(shared_data, rel, n_questions, n_impossible):
    report = SkipReport()
    paras = list(read_squad(shared_data / rel, report=report))
    qs = [q for p in paras for q in p.questions]
    assert len(qs) == n_questions == report.kept == report.read
    assert sum(q.is_impossible for q in qs) == n_impossible
    assert len({q.id for q in qs}) == n_questions  # ids are unique within a file
    assert len({p.doc_id for p in paras}) == len(paras)


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("rel", "n_contexts"), [("parsinlu_rc/train.json", 593), ("parsinlu_rc/eval.jsonl", 555)]
)
def test_real_documents_dedupe(shared_data, rel, n_contexts):
    # unique-context counts from parsinlu_rc/README.md
    assert len(list(read_squad_documents(shared_data / rel))) == n_contexts


def test_lenient_without_report_is_refused(tmp_path):
    # a lenient read must have a SkipReport to count into: nothing is dropped without a trace
    p = _write(tmp_path, "f.json", _v2([]))
    with pytest.raises(ValueError, match="lenient=True needs report"):
        read_squad(p, lenient=True)
