"""One QA data stage: `fa-nlp build qa` writes the training arrays (BUILD/prepared) in the same pass as
its hf/ features; the deprecated `prepare qa --build` (the old second step, which re-encodes the stored
examples and checks them against hf/) gives the same bytes, and still serves builds made before."""

from __future__ import annotations

import json
import shutil

import pytest

from fa_nlp.cli import main
from fa_nlp.tasks.qa.build import QABuildConfig, build
from fa_nlp.tasks.qa.prepare import PREPARED_DIR, load_qa_prepared
from fa_nlp.tasks.qa.prepare_legacy import prepare_qa


def _files(d):
    """Every file of a prepared dir but its manifest (which names its maker and timing), relative path → bytes."""
    return {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob("*"))
            if p.is_file() and p.name != "manifest.json"}


def _old_style(build_dir, dest):
    """A copy of a build as older versions wrote it: hf/, examples/, manifest, no prepared/."""
    shutil.copytree(build_dir, dest, ignore=shutil.ignore_patterns(PREPARED_DIR))
    return dest


def test_build_arrays_are_byte_identical_to_the_two_step_path(qa_build, tmp_path, capsys):
    old = _old_style(qa_build, tmp_path / "old-build")
    out = tmp_path / "p"
    # the same dev hold-out as the qa_build fixture (0.2, seed 7)
    assert main(["prepare", "qa", "--build", str(old), "--out", str(out), "--dev-fraction", "0.2", "--seed", "7"]) == 0
    err = capsys.readouterr().err
    assert "deprecated" in err and f"BUILD/{PREPARED_DIR}" in err  # says what replaces it
    assert "already holds" not in err  # an old build has no arrays of its own
    mine, theirs = _files(qa_build / PREPARED_DIR), _files(out)
    assert len(mine) > 20 and {"train.input_ids.npy", "dev.offsets.npy", "test.examples.jsonl",
                                "tokenizer/tokenizer.json"} <= set(mine)
    assert mine.keys() == theirs.keys()
    assert [k for k in mine if mine[k] != theirs[k]] == []
    meta = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert meta["checked_against_build"] and meta["counts"] == load_qa_prepared(qa_build).meta["counts"]


def test_no_pad_and_small_batches_give_the_same_arrays_as_the_two_step_path(sample_dir, tok_dir, tmp_path):
    """Rows shorter than max_length and example indices across batches: the one-pass arrays still match."""
    cfg = QABuildConfig(dataset=str(sample_dir / "qa.json"), tokenizer=str(tok_dir), max_length=48, overlap=12,
                        pad_to_max_length=False, batch_size=7, normalize=False, dev_fraction=0.3, seed=3)
    build(cfg, tmp_path / "b", log=lambda *a: None)
    old = _old_style(tmp_path / "b", tmp_path / "old")

    prepare_qa(old, tmp_path / "p", dev_fraction=0.3, seed=3, log=lambda *a: None)
    mine, theirs = _files(tmp_path / "b" / PREPARED_DIR), _files(tmp_path / "p")
    assert mine.keys() == theirs.keys() and [k for k in mine if mine[k] != theirs[k]] == []
    assert load_qa_prepared(tmp_path / "b").splits["train"].input_ids.shape[1] == 48  # padded on disk


def test_data_prepared_may_name_the_build_and_an_old_build_says_how_to_get_arrays(qa_build, tmp_path):
    assert load_qa_prepared(qa_build).path == qa_build / PREPARED_DIR
    old = _old_style(qa_build, tmp_path / "old")
    with pytest.raises(FileNotFoundError, match=r"rebuild it with `fa-nlp build qa .*--force`"):
        load_qa_prepared(old)


def test_dev_holdout_flags_are_build_config(sample_dir, tok_dir, tmp_path, capsys):
    out = tmp_path / "qa"
    argv = ["build", "qa", "--dataset", str(sample_dir / "qa.json"), "--tokenizer", str(tok_dir), "--max-length",
            "64", "--overlap", "16", "--no-progress", "--out", str(out)]
    assert main([*argv, "--dev-fraction", "0.3", "--seed", "3"]) == 0
    a = load_qa_prepared(out).meta
    assert a["dev"]["fraction"] == 0.3 and a["dev"]["seed"] == 3
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["prepared"]["counts"] == a["counts"]
    assert "Training arrays (prepared/)" in (out / "README.md").read_text(encoding="utf-8")
    dev_a = (out / PREPARED_DIR / "dev.examples.jsonl").read_bytes()
    capsys.readouterr()
    assert main([*argv, "--dev-fraction", "0.3", "--seed", "3"]) == 0  # same hold-out: up to date
    assert "up to date" in capsys.readouterr().out
    assert main([*argv, "--dev-fraction", "0.3", "--seed", "4", "--max-dev-questions", "2"]) == 0  # new key: rebuilt
    b = load_qa_prepared(out).meta
    assert b["dev"]["seed"] == 4 and 0 < b["counts"]["dev"]["questions"] <= a["counts"]["dev"]["questions"]
    assert (out / PREPARED_DIR / "dev.examples.jsonl").read_bytes() != dev_a
    assert b["counts"]["train"]["questions"] + b["counts"]["dev"]["questions"] == \
        a["counts"]["train"]["questions"] + a["counts"]["dev"]["questions"]


def test_prepare_qa_without_build_or_cloze_names_the_new_flow(tmp_path, capsys):
    assert main(["prepare", "qa", "--out", str(tmp_path / "p")]) == 1
    assert "`fa-nlp build qa` now writes the training arrays" in capsys.readouterr().err


def test_the_alias_on_a_current_build_says_its_arrays_are_already_there(qa_build, tmp_path, capsys):
    assert main(["prepare", "qa", "--build", str(qa_build), "--out", str(tmp_path / "p"), "--dev-fraction", "0.2",
                 "--seed", "7"]) == 0
    assert f"{qa_build / PREPARED_DIR} already holds these arrays" in capsys.readouterr().err
    assert _files(tmp_path / "p") == _files(qa_build / PREPARED_DIR)
