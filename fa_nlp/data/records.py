"""Shared record types and problem handling for every reader (plain, CoNLL-U, SQuAD, sources).

    from fa_nlp.data.records import Document, iter_lines, problem

Kept apart from the readers so that the catalog (`corpora`), the resolver (`sources`), the plain
readers and the SQuAD reader can all use them without importing each other.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from fa_nlp.report import InputError, SkipReport

# Reader kinds the catalog may name; `fa_nlp.data.readers.read_file` implements exactly these.
READER_KINDS = ("plain-lines", "plain-blank", "conllu", "squad", "parsinlu-jsonl", "sbd-gold")
QA_KINDS = ("squad", "parsinlu-jsonl")  # the kinds `fa_nlp.data.squad` reads


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


def strip_control_chars(text: str, path: str | Path, lineno: int, report: SkipReport | None = None) -> str:
    """`text` without C0 control characters (tab/newline/CR kept); each changed line is counted as a
    `control_chars` fix in `report`, with `file:line` and what was removed as its example."""
    if not CONTROL_CHARS.search(text):
        return text
    if report is not None:
        found = sorted({f"U+{ord(c):04X}" for c in "".join(CONTROL_CHARS.findall(text))})
        report.fix("control_chars", f"{path}:{lineno}: removed {', '.join(found)}")
    return CONTROL_CHARS.sub("", text)


def iter_lines(path: str | Path, lenient: bool = False,
               report: SkipReport | None = None) -> Iterator[tuple[int, str | InputError]]:
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


def problem(err: InputError, reason: str, lenient: bool, report: SkipReport | None) -> None:
    """Strict: raise. Lenient: count the skip (with the located message as its example)."""
    if not lenient:
        raise err from None  # callers may be handling their own marker exception: not part of the error
    if report is not None:
        report.skip(reason, str(err))
