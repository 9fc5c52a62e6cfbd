"""Skip accounting and located input errors."""

from __future__ import annotations

from fa_nlp.report import InputError, SkipReport


def test_read_equals_kept_plus_skipped_with_examples():
    r = SkipReport(max_examples=2)
    r.keep(3)
    for i in range(4):
        r.skip("too_short", example=f"s{i}")
    r.skip("url")
    r.check()
    d = r.to_dict()
    assert (d["read"], d["kept"], d["skipped"]) == (8, 3, 5)
    assert d["skipped_by_reason"] == {"too_short": 4, "url": 1}
    assert d["examples"]["too_short"] == ["s0", "s1"]
    other = SkipReport()
    other.skip("url", "http://x")
    r.merge(other)
    r.check()
    assert r.skipped["url"] == 2 and "url=2" in r.summary()


def test_input_error_names_file_and_line():
    e = InputError("corpus.txt", 12, "invalid UTF-8 at byte 5")
    assert str(e) == "corpus.txt:12: invalid UTF-8 at byte 5"
    assert str(InputError(None, None, "x")) == "<input>: x"


def test_fixes_are_counted_apart_and_merged():
    r = SkipReport()
    r.keep()
    r.fix("control_chars", "a.txt:1")
    other = SkipReport()
    other.fix("control_chars", "b.txt:3")
    r.merge(other)
    r.check()
    d = r.to_dict()
    assert d["fixed_by_reason"] == {"control_chars": 2} and d["read"] == 1
    assert d["fix_examples"]["control_chars"] == ["a.txt:1", "b.txt:3"]
    assert r.summary().endswith("fixed control_chars=2")
