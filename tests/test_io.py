"""Atomic outputs: a failed write never leaves a partial file or directory behind."""

from __future__ import annotations

import pytest

from fa_nlp.io import atomic_dir, atomic_open, sha256_file, write_json


def test_atomic_open_keeps_old_content_on_failure(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_open(target) as fh:
        fh.write("half")
        raise RuntimeError("interrupted")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]  # no temp file left


def test_atomic_dir_swaps_in_complete_directory(tmp_path):
    out = tmp_path / "ds"
    with atomic_dir(out) as tmp:
        (tmp / "a.txt").write_text("1", encoding="utf-8")
        assert not out.exists()  # nothing visible until the build completes
    assert (out / "a.txt").read_text(encoding="utf-8") == "1"
    with pytest.raises(ValueError), atomic_dir(out) as tmp:
        (tmp / "b.txt").write_text("2", encoding="utf-8")
        raise ValueError("boom")
    assert sorted(p.name for p in out.iterdir()) == ["a.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]


def test_write_json_and_sha(tmp_path):
    write_json(tmp_path / "x.json", {"متن": "سلام"})
    assert "سلام" in (tmp_path / "x.json").read_text(encoding="utf-8")  # not \u-escaped
    assert len(sha256_file(tmp_path / "x.json")) == 64


def test_iter_jsonl_locates_bad_lines(tmp_path):
    from fa_nlp.io import iter_jsonl
    from fa_nlp.report import InputError

    good = tmp_path / "g.jsonl"
    good.write_text('{"a": 1}\n\n["x"]\n', encoding="utf-8")
    assert list(iter_jsonl(good)) == [(1, {"a": 1}), (3, ["x"])]  # blank lines skipped, numbers kept
    bad_json = tmp_path / "b.jsonl"
    bad_json.write_text('{"a": 1}\n{"a": \n', encoding="utf-8")
    with pytest.raises(InputError, match=r"b.jsonl:2: malformed JSON"):
        list(iter_jsonl(bad_json))
    bad_utf8 = tmp_path / "u.jsonl"
    bad_utf8.write_bytes(b'{"a": 1}\n{"a": "\xff"}\n')
    with pytest.raises(InputError, match=r"u.jsonl:2: invalid UTF-8 at byte 7"):
        list(iter_jsonl(bad_utf8))
