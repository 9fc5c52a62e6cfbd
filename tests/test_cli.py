"""CLI errors: user mistakes end with one `fa-nlp: error: ...` line and exit status 1, never a traceback."""

from __future__ import annotations

import pytest

from fa_nlp.cli import main


@pytest.mark.parametrize(
    "argv",
    [
        ["split", "{d}"],
        ["split", "--doc-mode", "file", "{d}"],
        ["normalize", "{d}"],
        ["tokenizer", "train", "--text", "{d}", "--out", "{out}", "--vocab-size", "50"],
    ],
)
def test_directory_where_a_file_is_expected(tmp_path, capsys, argv):
    d = tmp_path / "folder"
    d.mkdir()
    rc = main([a.format(d=d, out=tmp_path / "out") for a in argv])
    err = capsys.readouterr().err
    assert rc == 1
    assert err.startswith(f"fa-nlp: error: {d} is a directory") and "Traceback" not in err


def test_an_empty_directory_as_a_qa_source_is_a_clear_error(tmp_path, capsys):
    """`--squad` takes a file, a glob or a directory of SQuAD files (the one corpus resolver): an empty
    directory is an error naming it and saying what was looked for."""
    d = tmp_path / "folder"
    d.mkdir()
    rc = main(["tokenizer", "train", "--family", "qa", "--squad", str(d), "--out", str(tmp_path / "out"),
               "--vocab-size", "50"])
    err = capsys.readouterr().err
    assert rc == 1 and "Traceback" not in err
    assert err.startswith(f"fa-nlp: error: {d}: no *.json/*.jsonl files under this directory")
