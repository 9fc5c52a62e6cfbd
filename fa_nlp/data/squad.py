"""SQuAD-style QA files → `SquadParagraph`s, one parser for every variant we have.

    from fa_nlp.data.squad import read_squad
    for para in read_squad("../shared/data/pquad/Validation.json"):
        print(para.doc_id, len(para.questions))

Variants: SQuAD v2 JSON (PQuAD), v2 with integer ids and `answer_end` (PersianQA), v1.1 JSON
without `is_impossible` (ParsiNLU `.json`), and ParsiNLU `.jsonl`
(`{"question", "url", "passage", "answers": [[start, text], ...]}`, one question per line).

Only *types* are checked here; values are kept as written (answer offsets are validated against
the context by `fa_nlp.tasks.qa.examples`), except for the text policy every reader applies
(`fa_nlp.data.records.TextCleaner`): control characters are removed (answer offsets re-mapped onto
the cleaned context) and counted, and a lone surrogate is an error (lenient: U+FFFD, counted).
Errors name the file and the record path, e.g.
`Validation.json:data[3].paragraphs[2].qas[1]: missing field "question"`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fa_nlp.data.records import Document, TextCleaner, check_lenient, decode_bytes, iter_lines, problem
from fa_nlp.report import InputError, SkipReport


@dataclass(frozen=True)
class Answer:
    """A reference answer as written in the file: `start` is a character offset into the context
    (unchecked here); `end` is kept when the file has `answer_end` (PersianQA)."""

    text: str
    start: int
    end: int | None = None


@dataclass(frozen=True)
class SquadQuestion:
    id: str
    question: str
    answers: list[Answer]
    is_impossible: bool
    # (kind, "record path: what") for each repair of this question's text or its context's
    fixes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class SquadParagraph:
    """One context with its questions. `doc_id` is unique within a file: `<stem>:<article>:<paragraph>`
    for JSON, `<stem>:<line>` for JSONL (whose `title` is the passage's source url)."""

    doc_id: str
    title: str
    context: str
    questions: list[SquadQuestion]


class _Bad(Exception):
    """A record-level problem: (record path, message). Turned into InputError or a skip."""

    def __init__(self, where: str, message: str, reason: str):
        super().__init__(message)
        self.where, self.message, self.reason = where, message, reason


def _field(obj: dict, key: str, types: type | tuple[type, ...], where: str, default: Any = ...) -> Any:
    if key not in obj:
        if default is not ...:
            return default
        raise _Bad(where, f"missing field {key!r}", "missing_field")
    value = obj[key]
    # bool is an int subclass: never accept it for an int field (and vice versa)
    if isinstance(value, bool) and bool not in (types if isinstance(types, tuple) else (types,)):
        ok = False
    else:
        ok = isinstance(value, types)
    if not ok:
        names = " or ".join(t.__name__ for t in (types if isinstance(types, tuple) else (types,)))
        raise _Bad(
            where, f"field {key!r} must be {names}, got {type(value).__name__} {value!r:.40}", "bad_type"
        )
    return value


def _obj(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise _Bad(where, f"expected an object, got {type(value).__name__}", "bad_type")
    return value


def _list(obj: dict, key: str, where: str) -> list:
    return _field(obj, key, list, where)


@dataclass
class _Text:
    """What cleaning one paragraph's text needs: the cleaner, the context's offset map, and the
    repairs made so far to the paragraph (title, context), which each of its questions carries."""

    clean: TextCleaner
    remap: Any  # old context offset -> cleaned context offset
    notes: list


def _answers_v2(raw: list, where: str, t: _Text, notes: list) -> list[Answer]:
    out = []
    for k, a in enumerate(raw):
        w = f"{where}.answers[{k}]"
        a = _obj(a, w)
        end = _field(a, "answer_end", int, w, default=None)
        text = t.clean.text(_field(a, "text", str, w), f"{w}.text", notes)
        start = t.remap(_field(a, "answer_start", int, w))
        out.append(Answer(text, start, None if end is None else t.remap(end)))
    return out


def _question_v2(q: Any, where: str, t: _Text) -> SquadQuestion:
    q = _obj(q, where)
    notes = list(t.notes)
    qid = _field(q, "id", (str, int), where)
    qid = t.clean.text(qid, f"{where}.id", notes) if isinstance(qid, str) else str(qid)
    question = t.clean.text(_field(q, "question", str, where), f"{where}.question", notes)
    answers = _answers_v2(_list(q, "answers", where), where, t, notes)
    # v1.1 files (ParsiNLU .json) have no is_impossible: every question is answerable
    impossible = _field(q, "is_impossible", bool, where, default=False)
    return SquadQuestion(qid, question, answers, impossible, tuple(notes))


def _load_json(path: Path) -> Any:
    text = decode_bytes(path.read_bytes(), path)
    try:
        return json.loads(text, strict=False)  # raw control characters in strings: cleaned and counted
    except json.JSONDecodeError as e:
        raise InputError(path, e.lineno, f"malformed JSON: {e.msg} (column {e.colno})") from None


def _read_json(path: Path, lenient: bool, report: SkipReport | None) -> Iterator[SquadParagraph]:
    def fail(bad: _Bad) -> None:
        problem(InputError(path, bad.where, bad.message), bad.reason, lenient, report)

    root = _load_json(path)
    clean = TextCleaner(path, lenient, report)
    try:
        data = _list(_obj(root, "<root>"), "data", "<root>")
    except _Bad as bad:
        raise InputError(path, bad.where, bad.message) from None  # nothing to salvage
    for i, article in enumerate(data):
        w_art = f"data[{i}]"
        try:
            article = _obj(article, w_art)
            art_notes: list = []
            title = clean.text(_field(article, "title", str, w_art, default=""), f"{w_art}.title", art_notes)
            paragraphs = _list(article, "paragraphs", w_art)
        except _Bad as bad:
            fail(bad)  # lenient: the article counts as one skip (its questions were never read)
            continue
        for j, para in enumerate(paragraphs):
            w_par = f"{w_art}.paragraphs[{j}]"
            try:
                para = _obj(para, w_par)
                notes = list(art_notes)
                context, remap = clean.mapped(_field(para, "context", str, w_par), f"{w_par}.context", notes)
                qas = _list(para, "qas", w_par)
            except _Bad as bad:
                fail(bad)
                continue
            questions = []
            for k, q in enumerate(qas):
                try:
                    questions.append(_question_v2(q, f"{w_par}.qas[{k}]", _Text(clean, remap, notes)))
                except _Bad as bad:
                    fail(bad)
                    continue
                if report is not None:
                    report.keep()
            yield SquadParagraph(f"{path.stem}:{i}:{j}", title, context, questions)


def _read_jsonl(path: Path, lenient: bool, report: SkipReport | None) -> Iterator[SquadParagraph]:
    """ParsiNLU reading comprehension JSONL: one (passage, question, answers) per line."""
    clean = TextCleaner(path, lenient, report)
    for lineno, line in iter_lines(path, lenient, report, clean=False):  # fields are cleaned, not the line
        try:
            if isinstance(line, InputError):
                raise _Bad(str(lineno), line.message, "invalid_utf8")
            if not line.strip():
                raise _Bad(str(lineno), "empty line", "empty")
            try:
                rec = json.loads(line, strict=False)
            except json.JSONDecodeError as e:
                raise _Bad(
                    str(lineno), f"malformed JSON: {e.msg} (column {e.colno})", "malformed_json"
                ) from None
            where = f"{lineno}"
            rec = _obj(rec, where)
            notes: list = []
            question = clean.text(_field(rec, "question", str, where), f"{where}: question", notes)
            passage, remap = clean.mapped(_field(rec, "passage", str, where), f"{where}: passage", notes)
            # eval.jsonl:194 has `"url": NaN` (a pandas export artefact): a missing url, not an error
            url = rec.get("url")
            url = clean.text(url, f"{where}: url", notes) if isinstance(url, str) else ""
            answers = []
            for k, a in enumerate(_list(rec, "answers", where)):
                w = f"{where}: answers[{k}]"
                if not isinstance(a, list) or len(a) != 2:
                    raise _Bad(w, f"expected [start, text], got {a!r:.60}", "bad_type")
                start, text = a
                if isinstance(start, bool) or not isinstance(start, int) or not isinstance(text, str):
                    raise _Bad(w, f"expected [int, str], got {a!r:.60}", "bad_type")
                answers.append(Answer(clean.text(text, w, notes), remap(start)))
        except _Bad as bad:
            problem(InputError(path, bad.where, bad.message), bad.reason, lenient, report)
            continue
        if report is not None:
            report.keep()
        doc_id = f"{path.stem}:{lineno}"
        yield SquadParagraph(doc_id, url, passage, [SquadQuestion(doc_id, question, answers, False, tuple(notes))])


def read_squad(
    path: str | Path, lenient: bool = False, report: SkipReport | None = None
) -> Iterator[SquadParagraph]:
    """Paragraphs of a SQuAD v1/v2 `.json` file or a ParsiNLU `.jsonl` file (chosen by suffix).

    `report` counts questions (the unit a QA build keeps or drops): in lenient mode a bad
    question is skipped, and a bad paragraph/article is one skip. Malformed JSON in a `.json`
    file always raises (nothing after the error can be trusted).
    """
    check_lenient(lenient, report)
    path = Path(path)
    if path.suffix == ".jsonl":
        return _read_jsonl(path, lenient, report)
    return _read_json(path, lenient, report)


def squad_documents(paragraphs: Iterable[SquadParagraph], source: str = "") -> Iterator[Document]:
    """Contexts as `Document`s for text pipelines; identical contexts are yielded once
    (ParsiNLU repeats passages), under the first paragraph's `doc_id`."""
    for doc, _dup in _documents(paragraphs, source):
        if not _dup:
            yield doc


def _documents(paragraphs: Iterable[SquadParagraph], source: str) -> Iterator[tuple[Document, bool]]:
    seen: set[bytes] = set()
    for para in paragraphs:
        key = hashlib.sha1(para.context.encode("utf-8")).digest()  # bounded memory per context
        dup = key in seen
        seen.add(key)
        yield Document(para.doc_id, para.context, source), dup


def read_squad_documents(
    path: str | Path, lenient: bool = False, report: SkipReport | None = None
) -> Iterator[Document]:
    """Unique contexts of a QA file. `report` counts paragraphs: kept, or skipped as
    `duplicate_context`; records lost to errors (lenient) are added as their own skips."""
    inner = SkipReport()
    for doc, dup in _documents(read_squad(path, lenient, inner), str(path)):
        if report is not None:
            report.skip("duplicate_context", doc.id) if dup else report.keep()
        if not dup:
            yield doc
    if report is not None:
        report.merge_skips(inner)
