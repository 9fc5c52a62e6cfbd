"""Corpus readers: plain text and CoNLL-U files → `Document`s, streamed, with located errors.

    from fa_nlp.data.readers import read_documents
    for doc in read_documents("fa_text/ud_persian"):   # a catalog name, a path, or "kind:path"
        print(doc.id, doc.text[:40])

Files are read as bytes line by line and decoded here, so invalid UTF-8 is reported with its
line number and byte offset, and memory stays constant in the file size. Strict mode (the
default) raises `InputError` on the first problem; `lenient=True` counts it in the (required) `SkipReport`
(reason + example) and goes on, so `read == kept + skipped` always holds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from fa_nlp.data.records import (  # noqa: F401 (Document, iter_lines, READER_KINDS: public here too)
    QA_KINDS,
    READER_KINDS,
    Document,
    TextCleaner,
    check_lenient,
    decode_bytes,
    iter_lines,
    problem,
)
from fa_nlp.data.sources import Source, SourceFile, resolve
from fa_nlp.data.squad import read_squad_documents
from fa_nlp.report import InputError, SkipReport

# ---------------------------------------------------------------- plain text

_ID_LINE = re.compile(r"^#\s*id:\s*(\S+)\s*$")


def read_plain(
    path: str | Path, mode: str = "line", lenient: bool = False, report: SkipReport | None = None
) -> Iterator[Document]:
    """Plain UTF-8 text: one document per line (`mode="line"`) or per blank-line-separated block
    (`mode="blank"`). Ids are `"<stem>:<n>"` (n = 1-based line number in line mode, 1-based block
    number in blank mode); in blank mode a first line `# id: XYZ` sets the id instead.

    Line mode counts empty/whitespace-only lines as skipped `empty` (they are not documents);
    in blank mode the block separators are not counted at all.
    """
    check_lenient(lenient, report)
    path = Path(path)
    if mode not in ("line", "blank"):
        raise ValueError(f"read_plain: mode must be 'line' or 'blank', not {mode!r}")
    if mode == "line":
        stem, str_path = path.stem, str(path)  # once per file, not per line
        for lineno, text in iter_lines(path, lenient, report):
            if isinstance(text, InputError):
                if report is not None:
                    report.skip("invalid_utf8", str(text))
                continue
            if not text.strip():
                if report is not None:
                    report.skip("empty", f"{path}:{lineno}")
                continue
            if report is not None:
                report.keep()
            yield Document(f"{stem}:{lineno}", text, str_path)
        return
    yield from _read_blocks(path, lenient, report)


def _read_blocks(path: Path, lenient: bool, report: SkipReport | None) -> Iterator[Document]:
    block: list[str] = []
    start = 0
    bad = False
    n = 0
    seen: dict[str, int] = {}

    def flush() -> Document | None:
        nonlocal n
        n += 1
        lines = block
        doc_id = f"{path.stem}:{n}"
        m = _ID_LINE.match(lines[0])
        if m:
            doc_id, lines = m.group(1), lines[1:]
        if doc_id in seen:
            problem(
                InputError(path, start, f"duplicate document id {doc_id!r} (first at line {seen[doc_id]})"),
                "duplicate_id",
                lenient,
                report,
            )
            return None
        seen[doc_id] = start
        text = "\n".join(lines).strip()
        if not text:
            if report is not None:
                report.skip("empty", f"{path}:{start}")
            return None
        if report is not None:
            report.keep()
        return Document(doc_id, text, str(path))

    for lineno, text in iter_lines(path, lenient, report):
        if isinstance(text, InputError):  # lenient: the whole block is dropped, counted once
            if not bad and report is not None:
                report.skip("invalid_utf8", str(text))
            bad = True
            continue
        if text.strip():
            if not block:
                start = lineno
            block.append(text)
            continue
        if block and not bad:
            doc = flush()
            if doc is not None:
                yield doc
        elif block or bad:
            n += 1
        block, bad = [], False
    if block and not bad:
        doc = flush()
        if doc is not None:
            yield doc


# ---------------------------------------------------------------- CoNLL-U

_TOKEN_ID = re.compile(r"^(?:[1-9][0-9]*|[1-9][0-9]*-[1-9][0-9]*|[0-9]+\.[1-9][0-9]*)$")


def read_conllu(
    path: str | Path, unit: str = "sentence", lenient: bool = False, report: SkipReport | None = None
) -> Iterator[Document]:
    """CoNLL-U → one document per sentence (`# text`, id `# sent_id`) or per `# newdoc` document
    (`unit="document"`: sentence texts joined with a space; id from `# newdoc id`).

    A sentence without `# text` gets its text rebuilt from the FORM column and `SpaceAfter=No`.
    Token lines must have 10 tab-separated columns and a valid ID, else `InputError` at file:line.
    Files without any `# newdoc` are one document in document mode.
    """
    check_lenient(lenient, report)
    path = Path(path)
    if unit not in ("sentence", "document"):
        raise ValueError(f"read_conllu: unit must be 'sentence' or 'document', not {unit!r}")
    sentences = _conllu_sentences(path, lenient, report)
    if unit == "sentence":
        for _newdoc, sent_id, text in sentences:
            yield Document(sent_id, text, str(path))
        return
    yield from _conllu_documents(path, sentences)  # the report counts sentences (the unit actually checked)


@dataclass
class _ConlluBlock:
    """One sentence block being read: its comments, `# newdoc` marker, surface forms, and whether it is bad."""

    comments: dict[str, str] = field(default_factory=dict)
    newdoc: str | None = None  # "" = `# newdoc` without an id
    forms: list[tuple[str, bool]] = field(default_factory=list)  # (form, space after)
    span_end: int = 0  # last word id covered by the current multiword token
    bad: bool = False

    @property
    def empty(self) -> bool:
        return not self.forms and not self.comments

    def comment(self, line: str) -> None:
        key, sep, value = line[1:].partition("=")
        key = key.strip()
        if sep:
            self.comments[key] = value.strip()
            if key == "newdoc id":
                self.newdoc = value.strip()
        elif key == "newdoc":
            self.newdoc = ""

    def token(self, line: str, path: Path, lineno: int) -> InputError | None:
        """Add a token line's surface form; a malformed line is returned as the error, not added."""
        cols = line.split("\t")
        if len(cols) != 10:
            return InputError(path, lineno, f"CoNLL-U token line has {len(cols)} tab-separated columns, expected 10")
        if not _TOKEN_ID.match(cols[0]):
            return InputError(path, lineno, f"CoNLL-U token line has a bad ID {cols[0]!r}")
        if "." in cols[0]:
            return None  # empty node: not part of the surface text
        if "-" in cols[0]:
            # a multiword token carries the surface form; skip the words it spans
            self.forms.append((cols[1], "SpaceAfter=No" not in cols[9]))
            self.span_end = int(cols[0].split("-")[1])
            return None
        if int(cols[0]) > self.span_end:
            self.forms.append((cols[1], "SpaceAfter=No" not in cols[9]))
        return None

    def sentence(self, path: Path, n: int) -> tuple[str | None, str, str]:
        """(newdoc id or None, sent_id, text): `# text`, else rebuilt from the forms and SpaceAfter=No."""
        text = self.comments.get("text") or _rebuild(self.forms)
        return self.newdoc, self.comments.get("sent_id") or f"{path.stem}:{n}", text


def _conllu_sentences(
    path: Path, lenient: bool, report: SkipReport | None
) -> Iterator[tuple[str | None, str, str]]:
    """(newdoc id or None, sent_id, text) per valid sentence; bad ones raise (strict) or are counted once."""
    block = _ConlluBlock()
    n = 0
    for lineno, line in iter_lines(path, lenient, report):
        if isinstance(line, InputError):  # lenient: drop the sentence, counted once
            if not block.bad and report is not None:
                report.skip("invalid_utf8", str(line))
            block.bad = True
            continue
        if not line.strip():
            if block.empty:  # a stray blank line (or a lone `# newdoc`): the marker carries on
                block = _ConlluBlock(newdoc=block.newdoc)
                continue
            n += 1
            if not block.bad:
                if report is not None:
                    report.keep()
                yield block.sentence(path, n)
            block = _ConlluBlock()
            continue
        if line.startswith("#"):
            block.comment(line)
            continue
        err = block.token(line, path, lineno)
        if err is not None:
            if not lenient:
                raise err
            if not block.bad and report is not None:
                report.skip("malformed_conllu", str(err))
            block.bad = True
    if not block.empty:
        n += 1
        if not block.bad:
            if report is not None:
                report.keep()
            yield block.sentence(path, n)


def _conllu_documents(path: Path, sentences: Iterator[tuple[str | None, str, str]]) -> Iterator[Document]:
    """Sentences grouped by `# newdoc` (texts joined by a space); no marker at all = one document."""
    doc_id: str | None = None
    parts: list[str] = []
    n_docs = 0
    for newdoc, _sent_id, text in sentences:
        if newdoc is not None and parts:
            n_docs += 1
            yield Document(doc_id or f"{path.stem}:d{n_docs}", " ".join(parts), str(path))
            parts = []
        if newdoc is not None:
            doc_id = newdoc or None
        parts.append(text)
    if parts:
        n_docs += 1
        yield Document(doc_id or f"{path.stem}:d{n_docs}", " ".join(parts), str(path))


def _rebuild(forms: list[tuple[str, bool]]) -> str:
    out = []
    for form, space in forms:
        out.append(form)
        if space:
            out.append(" ")
    return "".join(out).strip()


# ---------------------------------------------------------------- JSONL with text (sbd-gold)


def read_sbd_gold(
    path: str | Path, lenient: bool = False, report: SkipReport | None = None
) -> Iterator[Document]:
    """`ud_fa_sbd` JSONL (`{"id", "text", "sentences", "sent_ids"}`) → its documents' raw text.

    Only `id` and `text` are read here; sentence spans are gold data for the splitter's scorer.
    """
    check_lenient(lenient, report)
    path = Path(path)
    clean = TextCleaner(path, lenient, report)
    for lineno, line in iter_lines(path, lenient, report, clean=False):  # fields are cleaned, not the line
        try:
            if isinstance(line, InputError):
                raise _Skip(line, "invalid_utf8")
            if not line.strip():
                raise _Skip(InputError(path, lineno, "empty line"), "empty")
            try:
                rec = json.loads(line, strict=False)
            except json.JSONDecodeError as e:
                raise _Skip(
                    InputError(path, lineno, f"malformed JSON: {e.msg} (column {e.colno})"), "malformed_json"
                ) from None
            if not isinstance(rec, dict):
                raise _Skip(
                    InputError(path, lineno, f"expected an object, got {type(rec).__name__}"), "bad_type"
                )
            for key in ("id", "text"):
                if key not in rec:
                    raise _Skip(InputError(path, lineno, f"missing field {key!r}"), "missing_field")
                if not isinstance(rec[key], str):
                    raise _Skip(InputError(path, lineno, f"field {key!r} must be str"), "bad_type")
        except _Skip as s:
            problem(s.error, s.reason, lenient, report)
            continue
        if report is not None:
            report.keep()
        yield Document(clean.text(rec["id"], f"{lineno}: id"), clean.text(rec["text"], f"{lineno}: text"), str(path))


class _Skip(Exception):
    def __init__(self, error: InputError, reason: str):
        super().__init__(str(error))
        self.error, self.reason = error, reason


# ---------------------------------------------------------------- dispatch


def read_file(
    path: str | Path, kind: str | None = None, lenient: bool = False, report: SkipReport | None = None
) -> Iterator[Document]:
    """Documents of one file with the reader `kind` (guessed from the file when None)."""
    check_lenient(lenient, report)
    path = Path(path)
    kind = kind or guess_kind(path)
    if kind == "plain-lines":
        return read_plain(path, "line", lenient, report)
    if kind == "plain-blank":
        return read_plain(path, "blank", lenient, report)
    if kind == "conllu":
        return read_conllu(path, "sentence", lenient, report)
    if kind == "sbd-gold":
        return read_sbd_gold(path, lenient, report)
    if kind in QA_KINDS:
        if kind == "parsinlu-jsonl" and path.suffix != ".jsonl":
            raise ValueError(f"{path}: the parsinlu-jsonl reader needs a .jsonl file")
        return read_squad_documents(path, lenient, report)
    raise ValueError(f"unknown reader kind {kind!r}; known: {', '.join(READER_KINDS)}")


def guess_kind(path: Path) -> str:
    """Reader kind from the suffix, and for `.txt`/`.jsonl` from the first line."""
    suffix = path.suffix.lower()
    if suffix == ".conllu":
        return "conllu"
    if suffix == ".json":
        return "squad"
    with open(path, "rb") as fh:
        first = fh.readline(1 << 16).decode("utf-8", "replace").lstrip("\ufeff")
    if suffix == ".jsonl":
        try:
            rec = json.loads(first)
        except json.JSONDecodeError:
            rec = {}
        return "parsinlu-jsonl" if isinstance(rec, dict) and "passage" in rec else "sbd-gold"
    return "plain-blank" if _ID_LINE.match(first.rstrip("\r\n")) else "plain-lines"


def read_documents(
    source: str | Path, lenient: bool = False, report: SkipReport | None = None, kind: str | None = None
) -> Iterator[Document]:
    """Documents of a catalog corpus (`"pquad"`), a catalog selection (`"fa_text:A+B"`), a file
    (reader guessed, or `kind=`), `"KIND:PATH"` (`"plain-blank:notes.txt"`), a directory (its
    `*.txt` files) or a glob (`"notes/*.txt"`): whatever `fa_nlp.data.sources.resolve` accepts.

    Catalog documents get ids `"<corpus name>:<file's own id>"`, unique across corpora; files
    marked `documents = false` in the catalog (the sample's qa.json, whose contexts repeat
    documents.txt) are left out. Documents of a directory or glob get `"<relative path>:<id>"`.
    """
    check_lenient(lenient, report)
    src = resolve(source, kind=kind)
    if src.shape == "file":  # one file: its reader's own ids, and its errors now, not at the first next()
        return read_file(src.path, src.kind, lenient, report)
    return (doc for _f, doc in read_source(src, lenient, report))


def read_source(
    src: Source, lenient: bool = False, report: SkipReport | None = None
) -> Iterator[tuple[SourceFile, Document]]:
    """(source file, document with its source-wide id) for every document of a resolved `Source`."""
    check_lenient(lenient, report)
    for f in src.files(documents_only=True):
        for doc in read_file(f.path, f.kind, lenient, report):
            yield f, Document(f.doc_id(doc.id), doc.text, doc.source)
