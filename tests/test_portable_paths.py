"""Manifests and records name files portably: `$FA_NLP_DATA/...` or repository-relative, never the
absolute path of the machine that wrote them, and such names resolve back on another machine."""

from __future__ import annotations

import pytest

from fa_nlp.data.builds import input_record
from fa_nlp.settings import REPO_ROOT, portable_path, portable_text, resolve_portable


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    root = tmp_path / "mirror"
    (root / "fa_text").mkdir(parents=True)
    (root / "fa_text" / "a.txt").write_text("سلام\n", encoding="utf-8")
    monkeypatch.setenv("FA_NLP_DATA", str(root))
    return root


def test_data_files_are_named_from_the_data_root_and_resolve_back(data_dir, tmp_path, monkeypatch):
    f = data_dir / "fa_text" / "a.txt"
    assert portable_path(f) == "$FA_NLP_DATA/fa_text/a.txt"
    assert input_record(f)["path"] == "$FA_NLP_DATA/fa_text/a.txt"  # what build manifests record
    moved = tmp_path / "elsewhere"  # the same mirror on another machine
    data_dir.rename(moved)
    monkeypatch.setenv("FA_NLP_DATA", str(moved))
    assert resolve_portable("$FA_NLP_DATA/fa_text/a.txt") == moved.resolve() / "fa_text" / "a.txt"


def test_repository_files_are_relative_and_other_paths_unchanged(data_dir, tmp_path):
    assert portable_path(REPO_ROOT / "corpora" / "sample" / "qa.json") == "corpora/sample/qa.json"
    assert resolve_portable("corpora/sample/qa.json").is_file()
    outside = tmp_path / "x.txt"
    assert portable_path(outside) == str(outside)


def test_messages_embedding_paths_are_made_portable(data_dir):
    msg = f"{data_dir.resolve()}/fa_text/a.txt:3: removed U+007F; see {REPO_ROOT}/README.md"
    assert portable_text(msg) == "$FA_NLP_DATA/fa_text/a.txt:3: removed U+007F; see README.md"
