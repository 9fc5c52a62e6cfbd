"""`iter_lines` reads, decodes and checks whole blocks of lines at once (the corpus readers' hot loop): it
must yield exactly what the plain line-by-line definition yields (text, line numbers, located UTF-8
errors, control-character fixes, BOM, CR), wherever the blocks happen to be cut."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from fa_nlp.data import records
from fa_nlp.data.records import CONTROL_CHARS, _control_sub, _decode_error
from fa_nlp.report import InputError, SkipReport


def _plain_iter_lines(path: Path, lenient: bool, report: SkipReport, clean: bool):
    """The definition: one line at a time (as `iter_lines` was written before it read blocks)."""
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
            text = text.rstrip("\r\n")
            if clean and CONTROL_CHARS.search(text):
                report.fix("control_chars", f"{path}:{lineno}")
                text = CONTROL_CHARS.sub(_control_sub, text)
            yield lineno, text


def _run(read, path: Path, lenient: bool, clean: bool):
    report = SkipReport()
    try:
        out = [(n, str(t) if isinstance(t, InputError) else t) for n, t in read(path, lenient, report, clean)]
    except InputError as e:
        out = ["raised", str(e)]
    return out, dict(report.fixed)


# pieces that exercise every path: Persian (2-byte) text, CR, BOM, C0/C1 controls, NEL, invalid bytes
_PIECES = [b"a", b"\n", b"\r", b"\xef\xbb\xbf", "آی".encode(), b"\x00", b"\xc2\x85", "\xab".encode(), b"\xff",
           b"\xe2\x82", b" ", b"\x1b", b"\x7f", b"\xc2\x9f"]


@pytest.mark.parametrize("block", [1, 2, 5, 64, 1 << 15])
def test_block_reading_equals_line_by_line(tmp_path, monkeypatch, block):
    monkeypatch.setattr(records, "_BLOCK", block)
    rng = random.Random(block)
    path = tmp_path / "f.txt"
    for _ in range(120):
        path.write_bytes(b"".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 40))))
        for lenient in (False, True):
            for clean in (True, False):
                got = _run(records.iter_lines, path, lenient, clean)
                assert got == _run(_plain_iter_lines, path, lenient, clean), path.read_bytes()


def test_a_long_line_spanning_many_blocks_comes_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(records, "_BLOCK", 16)
    path = tmp_path / "long.txt"
    line = "کلمه " * 1000
    path.write_text(f"{line}\nدوم\n", encoding="utf-8")
    assert list(records.iter_lines(path)) == [(1, line), (2, "دوم")]
