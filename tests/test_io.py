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


# ---------------------------------------------------------------- crash leftovers, permissions


def _dead_pid() -> int:
    import subprocess
    import sys

    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid  # reaped: no process has this id now (reuse within the test is vanishingly unlikely)


def test_stale_tmp_dirs_of_killed_builds_are_removed(tmp_path):
    import os

    out = tmp_path / "ds"
    dead = tmp_path / f".ds.{_dead_pid()}.abc123.tmp"
    (dead / "parquet").mkdir(parents=True)
    (dead / "parquet" / "train.parquet").write_bytes(b"x" * 1000)
    live = tmp_path / f".ds.{os.getpid()}.live99.tmp"  # a build still running in this process: kept
    live.mkdir()
    other = tmp_path / f".other.{_dead_pid()}.abc.tmp"  # another output's leftovers: not ours to judge
    other.mkdir()
    notes: list[str] = []
    with atomic_dir(out, log=notes.append) as tmp:
        (tmp / "a.txt").write_text("1", encoding="utf-8")
    assert not dead.exists() and live.exists() and other.exists()
    assert len(notes) == 1 and notes[0].startswith(f"removed {dead}") and "killed" in notes[0]


def test_publish_killed_between_renames_is_recovered(tmp_path):
    from fa_nlp.data import builds

    out = tmp_path / "ds"
    stranded = tmp_path / f".ds.old-{_dead_pid()}"  # killed after `out → .old`, before `tmp → out`
    stranded.mkdir()
    (stranded / "manifest.json").write_text('{"build_key": "k1"}', encoding="utf-8")
    assert builds.is_up_to_date(out, "k1")  # readers see the old data again
    assert (out / "manifest.json").is_file() and not stranded.exists()
    # and a build that finds it first puts it back before swapping
    stranded.mkdir()
    (out / "manifest.json").rename(stranded / "manifest.json")
    out.rmdir()
    notes: list[str] = []
    with atomic_dir(out, log=notes.append) as tmp:
        assert (out / "manifest.json").is_file()  # old data visible while the new one is built
        (tmp / "manifest.json").write_text('{"build_key": "k2"}', encoding="utf-8")
    assert "recovered" in notes[0] and builds.is_up_to_date(out, "k2")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]


def test_outputs_follow_the_umask(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        with atomic_dir(tmp_path / "ds") as tmp:
            write_json(tmp / "m.json", {"a": 1})
        write_json(tmp_path / "f.json", {})
    finally:
        os.umask(old)
    mode = lambda p: stat.S_IMODE(p.stat().st_mode)
    assert mode(tmp_path / "ds") == 0o755
    assert mode(tmp_path / "ds" / "m.json") == 0o644 and mode(tmp_path / "f.json") == 0o644


def test_second_build_of_the_same_output_waits_then_refuses(tmp_path):
    import threading

    from fa_nlp.data import builds

    out = tmp_path / "ds"
    inside, release = threading.Event(), threading.Event()

    def first():
        with builds.publish(out, log=lambda m: None) as tmp:
            (tmp / "who").write_text("first", encoding="utf-8")
            inside.set()
            release.wait(10)

    t = threading.Thread(target=first)
    t.start()
    assert inside.wait(10)
    notes: list[str] = []
    with pytest.raises(FileExistsError, match=r"another build still holds .*\.ds\.lock"), \
            builds.publish(out, log=notes.append, wait_s=0.2):
        pass
    assert "waiting for it to finish" in notes[0]
    release.set()
    t.join()
    with builds.publish(out, log=notes.append, wait_s=5) as tmp:  # free again: no wait
        (tmp / "who").write_text("second", encoding="utf-8")
    assert (out / "who").read_text(encoding="utf-8") == "second" and len(notes) == 1


def test_an_up_to_date_rebuild_still_clears_a_killed_builds_temp_folder(tmp_path, capsys):
    """`--force` rebuild killed mid-way, then a plain rebuild: the output is up to date (nothing to
    publish), but the killed build's temp folder must not stay beside it forever."""
    from fa_nlp.data import builds

    out = tmp_path / "ds"
    with atomic_dir(out) as tmp:
        (tmp / "manifest.json").write_text('{"build_key": "k1"}', encoding="utf-8")
    stale = tmp_path / f".ds.{_dead_pid()}.abc123.tmp"
    stale.mkdir()
    assert builds.is_up_to_date(out, "k1")
    assert not stale.exists() and "unfinished build of a killed process" in capsys.readouterr().err


def test_every_reader_of_a_published_folder_puts_a_stranded_one_back(tmp_path):
    """Killed between `out -> .out.old-PID` and `tmp -> out`: the data is still on disk, and every
    reader (a build's manifest, a prepared dir, a word-order dataset's splits) restores it."""
    from fa_nlp.data import builds
    from fa_nlp.io import read_prepared_manifest
    from fa_nlp.tasks.wordorder.prepare import split_file

    def strand(name: str, files: dict[str, str]):
        old = tmp_path / f".{name}.old-{_dead_pid()}"
        for rel, text in files.items():
            (old / rel).parent.mkdir(parents=True, exist_ok=True)
            (old / rel).write_text(text, encoding="utf-8")
        return tmp_path / name

    ds = strand("wo", {"parquet/train.parquet": "x", "manifest.json": "{}"})
    assert split_file(ds, "train") == ds / "parquet" / "train.parquet"  # was None: "no train split"
    prep = strand("prep", {"manifest.json": '{"kind": "qa"}'})
    assert read_prepared_manifest(prep, "fa-nlp prepare-qa", "qa")["kind"] == "qa"
    build = strand("qa", {"manifest.json": '{"build_key": "k"}'})
    assert builds.read_manifest(build) == {"build_key": "k"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prep", "qa", "wo"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"src": "a\\ud800b"}', r"f\.jsonl:1: lone surrogate U\+D800 in field 'src'"),  # unpaired high half
        ('{"a": ["ok", {"b": "\\udc00"}]}', r"lone surrogate U\+DC00 in field 'a\.1\.b'"),  # nested: path named
    ],
)
def test_iter_jsonl_names_a_lone_surrogate(tmp_path, line, message):
    from fa_nlp.io import iter_jsonl
    from fa_nlp.report import InputError

    (tmp_path / "f.jsonl").write_text(line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        list(iter_jsonl(tmp_path / "f.jsonl"))
    (tmp_path / "f.jsonl").write_text('{"a": "\\ud83d\\ude00"}\n', encoding="utf-8")  # a pair: one emoji, fine
    assert list(iter_jsonl(tmp_path / "f.jsonl")) == [(1, {"a": "😀"})]
