"""Readers: plain text and CoNLL-U → Documents; located errors; lenient accounting; dispatch."""

from __future__ import annotations

import json
import tracemalloc

import pytest

from fa_nlp.data.readers import Document, guess_kind, read_conllu, read_documents, read_plain, read_sbd_gold
from fa_nlp.report import InputError, SkipReport


def _write(tmp_path, name, text: str | bytes):
    p = tmp_path / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return p


# ---------------------------------------------------------------- plain text


@pytest.mark.parametrize(
    ("text", "expected_ids", "skipped"),
    [
        # one document per line; ids are <stem>:<line number>
        ("سلام دنیا\nکتاب خوب است.\n", ["t:1", "t:2"], {}),
        # an empty or blank line is not a document: counted as `empty`, numbering keeps file lines
        ("یک\n\n   \nدو\n", ["t:1", "t:4"], {"empty": 2}),
        # no final newline, CRLF line ends
        ("یک\r\nدو", ["t:1", "t:2"], {}),
        # a BOM on the first line is dropped
        ("\ufeffیک\n", ["t:1"], {}),
    ],
)
def test_plain_lines(tmp_path, text, expected_ids, skipped):
    report = SkipReport()
    docs = list(read_plain(_write(tmp_path, "t.txt", text), report=report))
    assert [d.id for d in docs] == expected_ids
    assert all("\r" not in d.text and "\ufeff" not in d.text for d in docs)
    assert dict(report.skipped) == skipped and report.read == report.kept + report.n_skipped


def test_plain_blank_ids(tmp_path):
    text = "# id: tehran\nتهران پایتخت ایران است.\nشهری بزرگ است.\n\n\nاصفهان نصف جهان است.\n\n# id: shiraz\nشیراز\n"
    docs = list(read_plain(_write(tmp_path, "docs.txt", text), mode="blank"))
    assert docs == [
        # `# id:` line sets the id and is not part of the text; lines of a block keep their newline
        Document("tehran", "تهران پایتخت ایران است.\nشهری بزرگ است.", str(tmp_path / "docs.txt")),
        # no id line: <stem>:<block number>
        Document("docs:2", "اصفهان نصف جهان است.", str(tmp_path / "docs.txt")),
        Document("shiraz", "شیراز", str(tmp_path / "docs.txt")),
    ]


def test_plain_blank_duplicate_id(tmp_path):
    p = _write(tmp_path, "d.txt", "# id: a\nیک\n\n# id: a\nدو\n")
    with pytest.raises(InputError, match=r"d.txt:4: duplicate document id 'a' \(first at line 1\)"):
        list(read_plain(p, mode="blank"))
    report = SkipReport()
    assert [d.text for d in read_plain(p, mode="blank", lenient=True, report=report)] == ["یک"]
    assert report.skipped == {"duplicate_id": 1} and report.read == 2


def test_invalid_utf8_names_line_and_offset(tmp_path):
    # "یک\n" and "دو\n" are 5 bytes each, so line 3 starts at byte 10; "س" is 2 bytes: 0xff is at 12
    data = "یک\n".encode() + "دو\n".encode() + "س".encode() + b"\xff\n" + "چهار\n".encode()
    p = _write(tmp_path, "bad.txt", data)
    with pytest.raises(InputError) as e:
        list(read_plain(p))
    assert str(e.value).startswith(
        f"{p}:3: invalid UTF-8 at byte offset 12 (byte 2 of the line; bytes ff 0a)"
    )
    report = SkipReport()
    docs = list(read_plain(p, lenient=True, report=report))
    assert [d.id for d in docs] == ["bad:1", "bad:2", "bad:4"]  # line numbers survive the skip
    assert report.read == 4 and report.kept == 3 and report.skipped == {"invalid_utf8": 1}
    assert "bad.txt:3: invalid UTF-8" in report.examples["invalid_utf8"][0]


def test_invalid_utf8_in_blank_block_drops_block_once(tmp_path):
    # block 2 has two bad lines: one skip for the block, not one per line
    p = _write(tmp_path, "b.txt", "یک\n\nبد ".encode() + b"\xff\n\xfe\n\n" + "سه\n".encode())
    report = SkipReport()
    docs = list(read_plain(p, mode="blank", lenient=True, report=report))
    assert [d.id for d in docs] == ["b:1", "b:3"]
    assert report.skipped == {"invalid_utf8": 1} and report.read == 3


def test_plain_is_streamed(tmp_path):
    # constant memory: reading a ~2.5 MB file must not hold it (peak far below the file size)
    p = tmp_path / "big.txt"
    with open(p, "w", encoding="utf-8") as fh:
        fh.writelines(f"جمله شماره {i} برای آزمایش حافظه است.\n" for i in range(60_000))
    size = p.stat().st_size
    tracemalloc.start()
    n = sum(1 for _ in read_plain(p))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert n == 60_000
    assert peak < size / 10, (peak, size)


# ---------------------------------------------------------------- CoNLL-U

CONLLU = """# newdoc id = news-1
# sent_id = s1
# text = کتاب را خواندم.
1	کتاب	کتاب	NOUN	N	_	3	obj	_	_
2	را	را	ADP	P	_	1	case	_	_
3	خواندم	خواند	VERB	V	_	0	root	_	SpaceAfter=No
4	.	.	PUNCT	DELM	_	3	punct	_	_

# sent_id = s2
1-2	کتابش	_	_	_	_	_	_	_	_
1	کتاب	کتاب	NOUN	N	_	3	nsubj	_	_
2	ش	او	PRON	PRO	_	1	nmod	_	_
3	رسید	رسید	VERB	V	_	0	root	_	SpaceAfter=No
3.1	x	x	X	X	_	_	_	_	_
4	!	!	PUNCT	DELM	_	3	punct	_	_

# newdoc id = news-2
# sent_id = s3
# text = سلام.
1	سلام.	سلام	INTJ	_	_	0	root	_	_
"""


def test_conllu_sentences(tmp_path):
    report = SkipReport()
    docs = list(read_conllu(_write(tmp_path, "t.conllu", CONLLU), report=report))
    assert [(d.id, d.text) for d in docs] == [
        ("s1", "کتاب را خواندم."),  # from `# text`
        ("s2", "کتابش رسید!"),  # rebuilt: multiword token form, SpaceAfter=No, empty node ignored
        ("s3", "سلام."),  # last sentence without a trailing blank line
    ]
    assert report.read == report.kept == 3


def test_conllu_documents(tmp_path):
    docs = list(read_conllu(_write(tmp_path, "t.conllu", CONLLU), unit="document"))
    assert [(d.id, d.text) for d in docs] == [("news-1", "کتاب را خواندم. کتابش رسید!"), ("news-2", "سلام.")]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        # 9 columns instead of 10
        (
            "1\tکتاب\tکتاب\tNOUN\tN\t_\t0\troot\t_",
            "t.conllu:4: CoNLL-U token line has 9 tab-separated columns",
        ),
        # spaces instead of tabs
        ("1 کتاب کتاب NOUN N _ 0 root _ _", "t.conllu:4: CoNLL-U token line has 1 tab-separated columns"),
        # ID must be a positive integer, a range or a decimal
        ("x\tکتاب\tکتاب\tNOUN\tN\t_\t0\troot\t_\t_", "t.conllu:4: CoNLL-U token line has a bad ID 'x'"),
        ("0\tکتاب\tکتاب\tNOUN\tN\t_\t0\troot\t_\t_", "bad ID '0'"),
    ],
)
def test_conllu_malformed(tmp_path, line, message):
    text = (
        "# sent_id = a\n# text = خوب\n1\tخوب\tخوب\tADJ\tAJ\t_\t0\troot\t_\t_\n"
        + line
        + "\n\n# sent_id = b\n# text = بد\n1\tبد\tبد\tADJ\tAJ\t_\t0\troot\t_\t_\n"
    )
    p = _write(tmp_path, "t.conllu", text)
    with pytest.raises(InputError) as e:
        list(read_conllu(p))
    assert message in str(e.value)
    report = SkipReport()
    assert [d.id for d in read_conllu(p, lenient=True, report=report)] == ["b"]  # bad sentence dropped
    assert report.skipped == {"malformed_conllu": 1} and report.read == 2 and report.kept == 1


# ---------------------------------------------------------------- sbd-gold and dispatch


def test_sbd_gold(tmp_path):
    rows = [
        json.dumps({"id": "d0", "text": "یک. دو.", "sentences": [[0, 3], [4, 7]], "sent_ids": ["a", "b"]}),
        json.dumps({"text": "بدون شناسه"}),
        "[1, 2]",
    ]
    p = _write(tmp_path, "g.jsonl", "\n".join(rows) + "\n")
    with pytest.raises(InputError, match="g.jsonl:2: missing field 'id'"):
        list(read_sbd_gold(p))
    report = SkipReport()
    assert [d.id for d in read_sbd_gold(p, lenient=True, report=report)] == ["d0"]
    assert report.skipped == {"missing_field": 1, "bad_type": 1} and report.read == 3


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("a.txt", "یک\nدو\n", "plain-lines"),  # plain text: one document per line
        ("b.txt", "# id: x\nیک\n", "plain-blank"),  # a first `# id:` line means blank-separated documents
        ("c.conllu", "# text = یک\n", "conllu"),
        ("d.json", "{}", "squad"),
        ("e.jsonl", '{"question": "؟", "passage": "متن", "answers": []}\n', "parsinlu-jsonl"),
        ("f.jsonl", '{"id": "x", "text": "متن", "sentences": []}\n', "sbd-gold"),
    ],
)
def test_guess_kind(tmp_path, name, content, kind):
    assert guess_kind(_write(tmp_path, name, content)) == kind


def test_read_documents_dispatch(tmp_path):
    p = _write(tmp_path, "notes.txt", "یک\n\nدو\n")
    assert [d.id for d in read_documents(p)] == ["notes:1", "notes:3"]  # guessed: plain-lines
    assert [d.id for d in read_documents(f"plain-blank:{p}")] == ["notes:1", "notes:2"]  # KIND:PATH
    assert [d.id for d in read_documents(str(p), kind="plain-blank")] == ["notes:1", "notes:2"]
    with pytest.raises(FileNotFoundError, match="did you mean pquad"):
        list(read_documents("pquadd"))
    # a directory is its *.txt files (ids from relative paths); see tests/data/test_sources.py
    assert [d.id for d in read_documents(tmp_path)] == ["notes.txt:1", "notes.txt:3"]


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("source", "n_docs"),
    [
        ("fa_text/ud_persian", 4110),  # lines in its README
        ("ud_fa_sbd", 60 + 60 + 146 + 146),  # documents in its README
        ("persianqa", 93),  # paragraphs
        ("parsinlu_rc", 593 + 125 + 555),  # unique contexts per split
    ],
)
def test_read_catalog_corpus(shared_data, source, n_docs):
    report = SkipReport()
    docs = list(read_documents(source, report=report))
    assert len(docs) == n_docs
    assert len({d.id for d in docs}) == n_docs and all(d.id.startswith(f"{source}:") for d in docs)
    report.check()


@pytest.mark.shared_data
def test_read_selection_is_union(shared_data):
    from fa_nlp.data import corpora

    names = {e.name for e in corpora.select(group="fa_text", tier=["B"])}
    docs = list(read_documents("fa_text:B"))
    assert {d.id.split(":")[0] for d in docs} == names
    # README line counts of the tier B folders: armanemo 7,239 + iPerUDT 3,000 + Pars-ABSA 1,717
    assert len(docs) == 7239 + 3000 + 1717


def test_read_sample_corpus(sample_dir):
    docs_file = sample_dir / "documents.txt"
    if not docs_file.is_file():
        pytest.skip("corpora/sample/documents.txt not written yet")
    docs = list(read_documents("sample"))
    n_id_lines = sum(
        1 for line in docs_file.read_text(encoding="utf-8").splitlines() if line.startswith("# id:")
    )
    # every document has its `# id:` id, prefixed by the corpus name; qa.json (documents = false) is left out
    assert len(docs) == n_id_lines == len({d.id for d in docs})
    assert all(d.id.startswith("sample:") and d.source == str(docs_file) for d in docs)


@pytest.mark.parametrize(
    "read",
    [
        lambda p: read_plain(p, lenient=True),
        lambda p: read_conllu(p, lenient=True),
        lambda p: read_sbd_gold(p, lenient=True),
        lambda p: read_documents(p, lenient=True),
    ],
)
def test_lenient_without_report_is_refused(tmp_path, read):
    # lenient reading with nowhere to count the skips would drop records silently
    p = _write(tmp_path, "t.txt", "یک\n")
    with pytest.raises(ValueError, match="lenient=True needs report"):
        list(read(p))


# ---------------------------------------------------------------- control characters


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("کتاب\x00را خواندم\n", "کتابرا خواندم"),  # NUL (a damaged file): removed, not a word break
        ("یک\x0cدو\x1b[0m سه\n", "یکدو[0m سه"),  # form feed, ESC: removed
        ("یک\tدو\n", "یک\tدو"),  # tab is text: kept
        ("یک\x7fدو\n", "یکدو"),  # DEL: removed
    ],
)
def test_control_chars_are_stripped_and_counted(tmp_path, raw, expected):
    p = _write(tmp_path, "c.txt", raw)
    report = SkipReport()
    (doc,) = read_plain(p, report=report)
    assert doc.text == expected
    fixes = report.to_dict()["fixed_by_reason"]
    if expected == raw.rstrip("\n"):
        assert fixes == {}
    else:
        assert fixes == {"control_chars": 1}
        assert report.to_dict()["fix_examples"]["control_chars"][0].startswith(f"{p}:1: removed U+")
        assert "fixed control_chars=1" in report.summary()
    report.check()  # a fix is not a skip: read = kept + skipped still holds


def test_control_chars_in_blank_blocks_and_conllu(tmp_path):
    p = _write(tmp_path, "b.txt", "# id: x\nیک\x00 دو\n\nسه\n")
    report = SkipReport()
    assert [d.text for d in read_plain(p, mode="blank", report=report)] == ["یک دو", "سه"]
    assert report.fixed["control_chars"] == 1
    conllu = "# sent_id = s1\n# text = یک\x00 دو\n1\tیک\t_\t_\t_\t_\t0\troot\t_\t_\n2\tدو\t_\t_\t_\t_\t1\tdep\t_\t_\n\n"
    report = SkipReport()
    assert [d.text for d in read_conllu(_write(tmp_path, "c.conllu", conllu), report=report)] == ["یک دو"]
    assert report.fixed["control_chars"] == 1
