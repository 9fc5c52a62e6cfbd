"""One text policy for every reader: control characters (C0, DEL, C1 with NEL) removed and counted;
a lone surrogate (only JSON escapes make one) a located error, or with lenient a counted U+FFFD.

Each row states the rule; every reader (plain text, CoNLL-U, SQuAD JSON, ParsiNLU JSONL, sbd-gold
JSONL, stdin) must give the same text and the same `control_chars` / `lone_surrogate` counts.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from fa_nlp.data.readers import read_documents
from fa_nlp.data.squad import read_squad
from fa_nlp.report import InputError, SkipReport


def _squad(context: str, question: str = "پایتخت کجاست؟", answer: str = "تهران") -> dict:
    start = context.find(answer)
    return {"version": "v2", "data": [{"title": "t", "paragraphs": [{"context": context, "qas": [
        {"id": "q1", "question": question, "answers": [{"text": answer, "answer_start": start}],
         "is_impossible": False}]}]}]}


def _write_kind(tmp_path, kind: str, text: str):
    """A file of reader `kind` whose one document's text is `text` (JSON escapes: \\u0085, \\ud800)."""
    if kind == "plain":
        p = tmp_path / "t.txt"
        p.write_text(text + "\n", encoding="utf-8", errors="surrogatepass")
    elif kind == "conllu":
        p = tmp_path / "t.conllu"
        p.write_text(f"# sent_id = s1\n# text = {text}\n1\tx\t_\t_\t_\t_\t0\troot\t_\t_\n\n",
                     encoding="utf-8", errors="surrogatepass")
    elif kind == "squad":
        p = tmp_path / "t.json"
        p.write_text(json.dumps(_squad(text)), encoding="ascii")  # ensure_ascii: every character escaped
    elif kind == "parsinlu":
        p = tmp_path / "t.jsonl"
        rec = {"question": "کجا؟", "url": "u", "passage": text, "answers": [[text.find("تهران"), "تهران"]]}
        p.write_text(json.dumps(rec) + "\n", encoding="ascii")
    else:  # sbd-gold
        p = tmp_path / "t.jsonl"
        p.write_text(json.dumps({"id": "d1", "text": text, "sentences": [], "sent_ids": []}) + "\n", encoding="ascii")
    return p


KINDS = ["plain", "conllu", "squad", "parsinlu", "sbd"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("raw", "expected", "codes"),
    [
        ("تهران\x00 پایتخت", "تهران پایتخت", "U+0000"),  # NUL (a damaged file): removed
        ("تهران\x1b[0m پایتخت", "تهران[0m پایتخت", "U+001B"),  # ESC of a terminal colour code: removed
        ("تهران\x7f پایتخت", "تهران پایتخت", "U+007F"),  # DEL: removed
        ("تهران\x9d پایتخت", "تهران پایتخت", "U+009D"),  # C1 (cp1252 read as Latin-1): removed
        ("تهران\x85پایتخت", "تهران پایتخت", "U+0085"),  # NEL, a line break: a space, words stay apart
    ],
)
def test_control_characters_are_one_policy_in_every_reader(tmp_path, kind, raw, expected, codes):
    report = SkipReport()
    (doc,) = read_documents(_write_kind(tmp_path, kind, raw), report=report)
    assert doc.text == expected
    assert report.fixed["control_chars"] == 1
    assert codes in report.fix_examples["control_chars"][0]
    report.check()


@pytest.mark.parametrize("kind", ["squad", "parsinlu", "sbd"])
def test_a_lone_surrogate_is_a_located_error_or_a_counted_fix(tmp_path, kind):
    path = _write_kind(tmp_path, kind, "تهران \ud800پایتخت")
    with pytest.raises(InputError, match=r"lone surrogate U\+D800 at character 6") as e:
        list(read_documents(path))
    where = {"squad": ":data[0].paragraphs[0].context:", "parsinlu": ":1: passage:", "sbd": ":1: text:"}[kind]
    assert str(e.value).startswith(f"{path}{where}")
    report = SkipReport()
    (doc,) = read_documents(path, lenient=True, report=report)
    assert doc.text == "تهران \ufffdپایتخت"  # same length: offsets into it still hold
    assert report.fixed["lone_surrogate"] == 1
    doc.text.encode("utf-8")  # what every writer does next


def test_a_lone_surrogate_in_a_question_names_its_record(tmp_path):
    p = tmp_path / "q.json"
    ctx = "پایتخت ایران تهران است."
    obj = _squad(ctx)
    obj["data"][0]["paragraphs"][0]["qas"].append({"id": "q2", "question": "کجا\udfff؟", "answers": []})
    p.write_text(json.dumps(obj), encoding="ascii")
    with pytest.raises(InputError, match=r"^.*q\.json:data\[0\]\.paragraphs\[0\]\.qas\[1\]\.question: lone surrogate"):
        list(read_squad(p))


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
@pytest.mark.parametrize("raw_controls", [False, True])  # escaped (\u0000) or raw bytes in the string
def test_qa_answer_offsets_follow_the_cleaned_context(tmp_path, fmt, raw_controls):
    ctx = "در\x00 سال\x1b ۱۳۵۰\x85 در تهران چاپ شد."
    if fmt == "json":
        text = json.dumps(_squad(ctx, answer="تهران"), ensure_ascii=not raw_controls)
    else:
        text = json.dumps({"question": "کجا؟", "url": "", "passage": ctx,
                           "answers": [[ctx.find("تهران"), "تهران"]]}, ensure_ascii=not raw_controls) + "\n"
    if raw_controls:
        for c in "\x00\x1b":  # json.dumps escapes C0 even with ensure_ascii=False: write them raw
            text = text.replace(json.dumps(c)[1:-1], c)
    p = tmp_path / f"q.{fmt}"
    p.write_text(text, encoding="utf-8")
    report = SkipReport()
    (para,) = read_squad(p, report=report)
    assert para.context == "در سال ۱۳۵۰  در تهران چاپ شد."
    (a,) = para.questions[0].answers
    assert para.context[a.start : a.start + len(a.text)] == "تهران"
    assert report.fixed["control_chars"] == 1
    assert [k for k, _ in para.questions[0].fixes] == ["control_chars"]  # the question carries its context's fix


@pytest.mark.parametrize("verb", [["split", "--stats"], ["normalize"]])
def test_stdin_follows_the_same_policy(verb):
    r = subprocess.run([sys.executable, "-m", "fa_nlp", *verb], input="یک\x85دو\x00سه.\n".encode(),
                       capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.decode().replace("\u200c", " ") == "یک دوسه.\n"
    assert "fixed control_chars=1" in r.stderr.decode()
