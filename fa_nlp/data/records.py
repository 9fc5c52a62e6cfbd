"""Shared record types and problem handling for every reader (plain, CoNLL-U, SQuAD, sources).

    from fa_nlp.data.records import Document, iter_lines, problem

Kept apart from the readers so that the catalog (`corpora`), the resolver (`sources`), the plain
readers and the SQuAD reader can all use them without importing each other.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator
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


# Never text, wherever it is read: C0 controls other than tab, newline and carriage return (a NUL
# from a damaged file, a form feed from a PDF dump, ESC from a terminal log), DEL, and C1 controls
# U+0080-U+009F (cp1252 punctuation decoded as Latin-1; U+0085 NEL, which `str.splitlines` treats as
# a line break). All are removed and counted as `control_chars` fixes, except NEL, which becomes a
# space so that the words on either side stay apart.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]+")
NEL = "\x85"
# Lone UTF-16 surrogates: only JSON escapes (`"\ud800"`) produce them (the UTF-8 decoder rejects
# their bytes). They are not Unicode text: every encoder (the tokenizers, Arrow, stdout) fails on them.
SURROGATES = re.compile(r"[\ud800-\udfff]")


def _codepoints(chars: str) -> str:
    return ", ".join(sorted({f"U+{ord(c):04X}" for c in chars}))


def _control_sub(m: re.Match) -> str:
    return " " * m.group().count(NEL)


def strip_control_chars(text: str, path: str | Path, lineno: int | str,
                        report: SkipReport | None = None) -> str:
    """`text` without control characters (tab/newline/CR kept, NEL made a space, see CONTROL_CHARS);
    each changed text is counted as a `control_chars` fix in `report`, with `file:line` (or record
    path) and what was removed as its example."""
    if not CONTROL_CHARS.search(text):
        return text
    if report is not None:
        report.fix("control_chars", f"{path}:{lineno}: removed {_codepoints(''.join(CONTROL_CHARS.findall(text)))}")
    return CONTROL_CHARS.sub(_control_sub, text)


class TextCleaner:
    """The one policy for text fields of structured records (JSON, JSONL), as lines get in `iter_lines`:

    - a lone surrogate is a located `InputError` (file, record path, character); lenient: replaced
      by U+FFFD (same length, so offsets into the text still hold) and counted as `lone_surrogate`;
    - control characters are removed (NEL: a space) and counted as `control_chars`.

    `notes`, when given, also collects `(kind, "where: what")` for each fix, so that a record can
    carry its own repairs (a QA question counts as fixed when its context was cleaned).
    """

    def __init__(self, path: str | Path, lenient: bool = False, report: SkipReport | None = None):
        self.path, self.lenient, self.report = path, lenient, report

    def _fix(self, kind: str, where: str, what: str, notes: list | None) -> None:
        if self.report is not None:
            self.report.fix(kind, f"{self.path}:{where}: {what}")
        if notes is not None:
            notes.append((kind, f"{where}: {what}"))

    def _surrogates(self, text: str, where: str, notes: list | None) -> str:
        m = SURROGATES.search(text)
        if m is None:
            return text
        what = f"lone surrogate U+{ord(m.group()):04X} at character {m.start()}"
        if not self.lenient:
            raise InputError(self.path, where, f"{what} (an unpaired \\u{ord(m.group()):04x} escape: not "
                             "Unicode text); fix the file, or use --lenient to replace it with U+FFFD")
        self._fix("lone_surrogate", where, f"{what} replaced by U+FFFD", notes)
        return SURROGATES.sub("\ufffd", text)

    def text(self, text: str, where: str, notes: list | None = None) -> str:
        """`text` cleaned (see the class docstring); `where` is its record path."""
        text = self._surrogates(text, where, notes)
        if not CONTROL_CHARS.search(text):
            return text
        self._fix("control_chars", where, f"removed {_codepoints(''.join(CONTROL_CHARS.findall(text)))}", notes)
        return CONTROL_CHARS.sub(_control_sub, text)

    def mapped(self, text: str, where: str, notes: list | None = None) -> tuple[str, Callable[[int], int]]:
        """(cleaned text, old offset -> new offset): for a context whose answers index it by character."""
        text = self._surrogates(text, where, notes)
        if not CONTROL_CHARS.search(text):
            return text, _identity
        removed = [m.start() + i for m in CONTROL_CHARS.finditer(text)
                   for i, c in enumerate(m.group()) if c != NEL]
        return self.text(text, where, notes), lambda pos: pos - bisect.bisect_left(removed, pos)


def _identity(pos: int) -> int:
    return pos


_BLOCK = 1 << 15  # bytes read and decoded at once by `iter_lines` (plus the rest of a longer line): small, memory stays low


def iter_lines(path: str | Path, lenient: bool = False, report: SkipReport | None = None,
               clean: bool = True) -> Iterator[tuple[int, str | InputError]]:
    """(line number, text without the line break) for every line; constant memory.

    A line that is not valid UTF-8 raises `InputError` (strict), or is yielded as that
    `InputError` (lenient), so the caller decides which unit to skip and keeps its line numbers.
    A UTF-8 BOM on the first line is dropped; control characters (see CONTROL_CHARS) are removed
    and each such line is counted as a `control_chars` fix in `report`. JSONL readers pass
    `clean=False` and clean the decoded fields instead (`TextCleaner`): an escaped `\\u0000` is the
    same character as a raw one, and removing characters from a line would move answer offsets.

    Lines are decoded and checked a block (~32 KiB of whole lines) at a time: one decode, one control-character
    search and one split per block instead of per line (a corpus reader's hot loop); a block with a
    problem is redone line by line, so errors and fixes are located exactly as before.
    """
    lineno = offset = 0
    with open(path, "rb") as fh:
        for block in _line_blocks(fh):
            try:
                text = block.decode("utf-8")
            except UnicodeDecodeError:
                for raw in _split_lf(block):
                    lineno += 1
                    yield lineno, _decode_line(raw, path, lineno, offset, lenient, report, clean)
                    offset += len(raw)
                continue
            offset += len(block)
            if lineno == 0 and text.startswith("\ufeff"):
                text = text[1:]
            lines = text.split("\n")
            if block.endswith(b"\n"):  # nothing after the last line break: no line there
                lines.pop()
            if "\r" in text:
                lines = [line.rstrip("\r") for line in lines]
            if clean and _has_control_chars(block):
                for line in lines:
                    lineno += 1
                    yield lineno, strip_control_chars(line, path, lineno, report)
                continue
            yield from enumerate(lines, lineno + 1)
            lineno += len(lines)


# CONTROL_CHARS in valid UTF-8 bytes: the C0 controls and DEL are those single bytes, a C1 control is \xc2
# then \x80-\x9f. Searched in the bytes: ~10x faster than the str pattern over a block (a literal lead byte
# and one `bytes.translate` instead of a per-character class test).
_C0_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")


def _has_control_chars(block: bytes) -> bool:
    """`CONTROL_CHARS.search(block.decode("utf-8"))`, for a block that decodes, at a tenth of its cost."""
    return len(block.translate(None, _C0_BYTES)) != len(block) or _C1_UTF8.search(block) is not None


def _line_blocks(fh) -> Iterator[bytes]:
    """Whole lines (split at b"\\n" only), about `_BLOCK` bytes at a time; a longer line comes whole."""
    parts: list[bytes] = []
    while chunk := fh.read(_BLOCK):
        cut = chunk.rfind(b"\n") + 1
        if not cut:
            parts.append(chunk)  # no line ends in this chunk: keep reading (joined once, not quadratic)
            continue
        parts.append(chunk[:cut])
        yield b"".join(parts)
        parts = [chunk[cut:]]
    last = b"".join(parts)
    if last:
        yield last


def _split_lf(block: bytes) -> list[bytes]:
    """`block` cut after each b"\\n" (bytes.splitlines would also cut at a lone b"\\r")."""
    lines = [line + b"\n" for line in block.split(b"\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]


def _decode_line(raw: bytes, path: str | Path, lineno: int, offset: int, lenient: bool,
                 report: SkipReport | None, clean: bool) -> str | InputError:
    """One line of a block that did not decode: its text, or (lenient) its located error."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        err = _decode_error(path, lineno, offset, e)
        if not lenient:
            raise err from None
        return err
    if lineno == 1 and text.startswith("\ufeff"):
        text = text[1:]
    text = text.rstrip("\r\n")
    return strip_control_chars(text, path, lineno, report) if clean else text


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
