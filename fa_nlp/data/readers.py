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
from dataclasses import dataclass
from pathlib import Path

from fa_nlp.report import InputError, SkipReport

READER_KINDS = ("plain-lines", "plain-blank", "conllu", "squad", "parsinlu-jsonl", "sbd-gold")


@dataclass(frozen=True)
class Document:
    """One unit of running text. `id` is unique within what one call yields; `source` is the file."""

    id: str
    text: str
    source: str


# ---------------------------------------------------------------- decoding


def _decode_error(path: str | Path, lineno: int, line_offset: int, e: UnicodeDecodeError) -> InputError:
    bad = e.object[e.start : e.start + 4].hex(" ")
    return InputError(
        path,
        lineno,
        f"invalid UTF-8 at byte offset {line_offset + e.start} (byte {e.start} of the line; bytes {bad})",
    )


def decode_bytes(data: bytes, path: str | Path) -> str:
    """Decode a whole small file (JSON); on invalid UTF-8 name the line and byte offset."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        lineno = data.count(b"\n", 0, e.start) + 1
        line_start = data.rfind(b"\n", 0, e.start) + 1
        inner = UnicodeDecodeError(
            e.encoding, data[line_start:], e.start - line_start, e.end - line_start, e.reason
        )
        raise _decode_error(path, lineno, line_start, inner) from None


# C0 control characters except tab, newline and carriage return, plus DEL: never text (a NUL from a
# damaged file, a form feed from a PDF dump). Stripped where lines are decoded, and counted.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+")


def strip_control_chars(
    text: str, path: str | Path, lineno: int, report: SkipReport | None = None
) -> str:
    """`text` without C0 control characters (tab/newline/CR kept); each changed line is counted as a
    `control_chars` fix in `report`, with `file:line` and what was removed as its example."""
    if not CONTROL_CHARS.search(text):
        return text
    if report is not None:
        found = sorted({f"U+{ord(c):04X}" for c in "".join(CONTROL_CHARS.findall(text))})
        report.fix("control_chars", f"{path}:{lineno}: removed {', '.join(found)}")
    return CONTROL_CHARS.sub("", text)


def iter_lines(
    path: str | Path, lenient: bool = False, report: SkipReport | None = None
) -> Iterator[tuple[int, str | InputError]]:
    """(line number, text without the line break) for every line; constant memory.

    A line that is not valid UTF-8 raises `InputError` (strict), or is yielded as that
    `InputError` (lenient), so the caller decides which unit to skip and keeps its line numbers.
    A UTF-8 BOM on the first line is dropped; C0 control characters other than tab (NUL, form
    feed, ...) are removed and each such line is counted as a `control_chars` fix in `report`.
    """
    offset = 0
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                err = _decode_error(path, lineno, offset, e)
                if not lenient:
                    raise err from None
                offset += len(raw)
                yield lineno, err
                continue
            offset += len(raw)
            if lineno == 1 and text.startswith("\ufeff"):
                text = text[1:]
            yield lineno, strip_control_chars(text.rstrip("\r\n"), path, lineno, report)


def check_lenient(lenient: bool, report: SkipReport | None) -> None:
    """Lenient reading without a report would drop records with no trace: refuse it."""
    if lenient and report is None:
        raise ValueError("lenient=True needs report=SkipReport() so that every skipped record is counted")


def _problem(err: InputError, reason: str, lenient: bool, report: SkipReport | None) -> None:
    """Strict: raise. Lenient: count the skip (with the located message as its example)."""
    if not lenient:
        raise err from None  # callers may be handling their own marker exception: not part of the error
    if report is not None:
        report.skip(reason, str(err))


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
            yield Document(f"{path.stem}:{lineno}", text, str(path))
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
            _problem(
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
    doc_id: str | None = None
    doc_parts: list[str] = []
    n_docs = 0

    def sentences() -> Iterator[tuple[str | None, str | None, str, int]]:
        """(newdoc id or None, sent_id, text, first line) per valid sentence."""
        nonlocal doc_id
        comments: dict[str, str] = {}
        newdoc: str | None = None
        forms: list[tuple[str, bool]] = []
        span_end = 0
        start = 0
        bad = False
        n = 0
        for lineno, line in iter_lines(path, lenient, report):
            if isinstance(line, InputError):  # lenient: drop the sentence, counted once
                if not bad and report is not None:
                    report.skip("invalid_utf8", str(line))
                bad = True
                continue
            if not line.strip():
                if forms or comments:
                    n += 1
                    if not bad:
                        text = comments.get("text") or _rebuild(forms)
                        sent_id = comments.get("sent_id") or f"{path.stem}:{n}"
                        if report is not None:
                            report.keep()
                        yield newdoc, sent_id, text, start
                    newdoc = None
                comments, forms, bad, span_end = {}, [], False, 0
                continue
            if not forms and not comments:
                start = lineno
            if line.startswith("#"):
                key, sep, value = line[1:].partition("=")
                key = key.strip()
                if sep:
                    comments[key] = value.strip()
                    if key == "newdoc id":
                        newdoc = value.strip()
                elif key == "newdoc":
                    newdoc = ""
                continue
            cols = line.split("\t")
            err = None
            if len(cols) != 10:
                err = InputError(
                    path, lineno, f"CoNLL-U token line has {len(cols)} tab-separated columns, expected 10"
                )
            elif not _TOKEN_ID.match(cols[0]):
                err = InputError(path, lineno, f"CoNLL-U token line has a bad ID {cols[0]!r}")
            if err is not None:
                if not lenient:
                    raise err
                if not bad and report is not None:
                    report.skip("malformed_conllu", str(err))
                bad = True
                continue
            if "." in cols[0]:
                continue  # empty node: not part of the surface text
            if "-" in cols[0]:
                # a multiword token carries the surface form; skip the words it spans
                forms.append((cols[1], "SpaceAfter=No" not in cols[9]))
                span_end = int(cols[0].split("-")[1])
                continue
            if int(cols[0]) <= span_end:
                continue
            forms.append((cols[1], "SpaceAfter=No" not in cols[9]))
        if forms or comments:
            n += 1
            if not bad:
                text = comments.get("text") or _rebuild(forms)
                if report is not None:
                    report.keep()
                yield newdoc, comments.get("sent_id") or f"{path.stem}:{n}", text, start

    if unit == "sentence":
        for _newdoc, sent_id, text, _start in sentences():
            yield Document(sent_id, text, str(path))
        return

    # document mode: group sentences; the report counts sentences (the unit actually checked)
    for newdoc, _sent_id, text, _start in sentences():
        if newdoc is not None and doc_parts:
            n_docs += 1
            yield Document(doc_id or f"{path.stem}:d{n_docs}", " ".join(doc_parts), str(path))
            doc_parts = []
        if newdoc is not None:
            doc_id = newdoc or None
        doc_parts.append(text)
    if doc_parts:
        n_docs += 1
        yield Document(doc_id or f"{path.stem}:d{n_docs}", " ".join(doc_parts), str(path))


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
    for lineno, line in iter_lines(path, lenient, report):
        try:
            if isinstance(line, InputError):
                raise _Skip(line, "invalid_utf8")
            if not line.strip():
                raise _Skip(InputError(path, lineno, "empty line"), "empty")
            try:
                rec = json.loads(line)
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
            _problem(s.error, s.reason, lenient, report)
            continue
        if report is not None:
            report.keep()
        yield Document(rec["id"], rec["text"], str(path))


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
    if kind in ("squad", "parsinlu-jsonl"):
        from fa_nlp.data.squad import read_squad_documents

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
    (reader guessed, or `kind=`), or `"KIND:PATH"` (`"plain-blank:notes.txt"`).

    Catalog documents get ids `"<corpus name>:<file's own id>"`, unique across corpora; files
    marked `documents = false` in the catalog (the sample's qa.json, whose contexts repeat
    documents.txt) are left out.
    """
    from fa_nlp.data import corpora

    check_lenient(lenient, report)
    text = str(source)
    if kind is None and not isinstance(source, Path):
        head, sep, rest = text.partition(":")
        if sep and head in READER_KINDS:
            kind, text = head, rest
        elif not Path(text).exists():
            try:
                entries = corpora.resolve(text)
            except ValueError as e:
                raise FileNotFoundError(f"{text}: no such file, and not in the catalog: {e}") from None
            return _read_entries(entries, lenient, report)
    path = Path(text)
    if path.is_dir():
        raise ValueError(f"{path} is a directory: give a file, a catalog name or a selection like fa_text:A")
    if not path.is_file():
        raise FileNotFoundError(f"{text}: no such file, and not a catalog corpus (see `fa-nlp corpus list`)")
    return read_file(path, kind, lenient, report)


def _read_entries(entries, lenient: bool, report: SkipReport | None) -> Iterator[Document]:
    from fa_nlp.data import corpora

    for entry in entries:
        for f, path in zip(entry.files, corpora.corpus_files(entry), strict=True):
            if not f.documents:
                continue
            for doc in read_file(path, entry.file_kind(f), lenient, report):
                yield Document(f"{entry.name}:{doc.id}", doc.text, doc.source)
