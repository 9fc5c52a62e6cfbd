"""The repo's own sample corpus (corpora/sample): format, size, hard cases, and QA offsets.

Fast and stdlib-only (no hazm): the demo and every "runs anywhere" test depend on these files,
so a careless edit to documents.txt or qa.json must fail here, naming the document or question.
"""

from __future__ import annotations

import importlib.util
import json
import re
import statistics

import pytest

ID_LINE = re.compile(r"^# id: (sample-(\d\d)-[a-z0-9]+(?:-[a-z0-9]+)*)$")
# A run of terminal marks, optionally closed by a quote/bracket, then whitespace or end of line.
TERMINAL = re.compile(r"[.!?؟…]+[»)\"]*(?=\s|$)")


@pytest.fixture(scope="module")
def raw(sample_dir) -> str:
    data = (sample_dir / "documents.txt").read_bytes()
    return data.decode("utf-8")  # strict: invalid UTF-8 fails here


@pytest.fixture(scope="module")
def docs(raw) -> list[tuple[str, str]]:
    """(id, body) per blank-line-separated block, as fa_nlp's `plain-blank` reader sees them."""
    out = []
    for n, block in enumerate(raw.rstrip("\n").split("\n\n"), start=1):
        head, _, body = block.partition("\n")
        m = ID_LINE.match(head)
        assert m, f"document {n}: first line must be '# id: sample-NN-slug', got {head!r}"
        assert body.strip(), f"{m.group(1)}: empty document"
        out.append((m.group(1), body))
    return out


@pytest.fixture(scope="module")
def qa(sample_dir) -> dict:
    return json.loads((sample_dir / "qa.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def questions(qa) -> list[tuple[str, dict]]:
    """(context, question) pairs over the whole file."""
    return [(p["context"], q) for art in qa["data"] for p in art["paragraphs"] for q in p["qas"]]


# ---------------------------------------------------------------- documents.txt


def test_file_layout(raw):
    # one blank line between documents, none inside; no BOM, no CR, exactly one final newline
    assert not raw.startswith("\ufeff")
    assert "\r" not in raw
    assert "\n\n\n" not in raw, "documents are separated by ONE blank line"
    assert raw.endswith("\n") and not raw.endswith("\n\n")
    bad = [i for i, line in enumerate(raw.split("\n"), 1) if line != line.strip() and line.strip()]
    assert not bad, f"lines with leading/trailing whitespace: {bad}"


def test_document_count_and_ids(docs):
    ids = [d for d, _ in docs]
    assert len(docs) >= 24
    assert len(set(ids)) == len(ids), "document ids must be unique"
    numbers = [int(ID_LINE.match(f"# id: {d}").group(2)) for d in ids]
    assert numbers == list(range(1, len(ids) + 1)), "ids are numbered sample-01, sample-02, ... in order"


def test_sentence_count(docs):
    # rough: terminal-mark runs followed by whitespace/end (see corpora/sample/README.md, "Counts")
    assert sum(len(TERMINAL.findall(body)) for _, body in docs) >= 300


def test_most_sentences_are_plain_prose(docs):
    # the word-order model trains on these: most units should be 5-20 words
    lengths = [
        len(s.split())
        for _, body in docs
        for line in body.split("\n")
        for s in re.split(r"(?<=[.!?؟…])[»)\"]*\s+", line)
        if s.strip()
    ]
    assert 7 <= statistics.median(lengths) <= 15
    assert sum(5 <= n <= 20 for n in lengths) / len(lengths) >= 0.75


@pytest.mark.parametrize(
    ("pattern", "case"),
    [
        (r"^تهران - ایرنا: ", "newswire dateline at the start of a line"),
        (r"^۱\. .+\n۲\. ", "numbered recipe list (۱. ...)"),
        (r"\nانتخاب گلدان مناسب\n", "how-to heading without final punctuation"),
        (r"۱۴۰۲/۰۵/۱۲", "solar date with slashes"),
        (r"۵۵۰ ق\.م ", "BC abbreviation with an inner dot"),
        (r"۱۳۵۷ ه\.ش", "solar-hijri abbreviation"),
        (r"ساعت ۱۰:۳۰", "clock time"),
        (r"۲ بر ۱|\(2-1\)|۰-۰", "football scores"),
        (r"نسخهٔ 2\.0\.1 ", "software version"),
        (r"https://example\.com/fa ", "URL inside a sentence"),
        (r"info@example\.ir ", "e-mail address"),
        (r"گزارش\.pdf |data\.csv ", "file names with dots"),
        (r"۳\.۵ .*3\.5 ", "Persian and Latin decimals with a dot"),
        (r"۲٫۵", "decimal with the Arabic decimal separator"),
        (r"م\. ع\. کرمانی", "author initials"),
        (r"دکتر ح\. رضایی", "title + initial"),
        (r"\(ر\.ک\. ص\. ۸۷", "see-also and page abbreviations"),
        (r"ج\.ا\.ا ", "dotted acronym"),
        (r"Dr\. Smith", "Latin abbreviation"),
        (r"[!؟]» [^\s«]", "closing quote after ! or ؟, sentence continues"),
        (r"؟\) ", "question inside parentheses, sentence continues"),
        (r"\.\.\. \S", "three-dot ellipsis mid-sentence"),
        (r"… \S", "ellipsis character between sentences"),
        (r"؟!", "؟! run"),
        (r"[يك]", "Arabic yeh/kaf for the normalizer to fix"),
        (r"(?<![\w\u200c])می روم", "missing ZWNJ in a verb prefix"),
        (r"[۰-۹]:[۰-۹]{2} تا [0-9]{2}:[0-9]{2}", "Persian and Latin digits in one sentence"),
    ],
)
def test_hard_case_present(raw, pattern, case):
    # each hard case the corpus promises (README "Hard cases") must stay in it
    assert re.search(pattern, raw, flags=re.MULTILINE), f"missing hard case: {case} ({pattern})"


# ---------------------------------------------------------------- qa.json


def test_qa_shape(qa, questions):
    assert qa["version"] == "v2.0"
    assert len(qa["data"]) >= 6
    assert len(questions) >= 36
    assert sum(q["is_impossible"] for _, q in questions) >= 10
    assert sum(len(q["answers"]) >= 2 for _, q in questions) >= 5, "some questions have 2 alternative answers"
    ids = [q["id"] for _, q in questions]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"sample-q\d{3}", i) for i in ids)
    for _, q in questions:
        assert q["question"].strip().endswith("؟"), q["id"]
        assert isinstance(q["is_impossible"], bool), q["id"]
        # unanswerable <=> no answers (SQuAD v2 convention)
        assert q["is_impossible"] == (q["answers"] == []), q["id"]


def test_answer_offsets(questions):
    bad = [
        (q["id"], a)
        for context, q in questions
        for a in q["answers"]
        if not (
            isinstance(a["answer_start"], int)
            and a["text"]
            and context[a["answer_start"] : a["answer_start"] + len(a["text"])] == a["text"]
        )
    ]
    assert not bad, f"answer_start does not point at the answer text: {bad}"


def test_contexts_are_verbatim_document_lines(qa, docs):
    # each context is a whole line of the document named at the start of its title
    bodies = dict(docs)
    for art in qa["data"]:
        doc_id = art["title"].split(":")[0]
        assert doc_id in bodies, f"title {art['title']!r} does not start with a document id"
        for p in art["paragraphs"]:
            assert p["context"] in bodies[doc_id].split("\n"), f"{doc_id}: context is not a line of it"


def test_qa_json_matches_its_builder(sample_dir, qa):
    # qa.json is generated by tools/build_qa.py; a hand edit (or a document edit) makes it stale
    path = sample_dir / "tools" / "build_qa.py"
    spec = importlib.util.spec_from_file_location("sample_build_qa", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build() == qa, "qa.json is stale: run .venv/bin/python corpora/sample/tools/build_qa.py"
