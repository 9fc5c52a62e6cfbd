"""fa_nlp.tasks.qa.build / `fa-nlp build qa` / `fa-nlp qa-stats`: outputs, manifest, idempotence, reports."""

from __future__ import annotations

import json

import pytest

from fa_nlp.cli import main
from fa_nlp.tasks.qa.build import QABuildConfig, build
from fa_nlp.tasks.qa.examples import QAExample
from fa_nlp.tasks.qa.features import feature_tables
from fa_nlp.tokenization import load_fast_tokenizer


def test_build_qa_cli(sample_dir, tok_dir, tmp_path, capsys):
    out = tmp_path / "qa"
    argv = ["build", "qa", "--dataset", str(sample_dir / "qa.json"), "--tokenizer", str(tok_dir),
            "--max-length", "48", "--overlap", "12", "--no-normalize", "--out", str(out)]
    assert main(argv) == 0
    from datasets import load_from_disk

    feats, examples = load_from_disk(str(out / "hf")), load_from_disk(str(out / "examples"))
    assert set(feats) == {"train", "eval"}
    assert set(feats["train"].column_names) == {"input_ids", "token_type_ids", "attention_mask",
                                                "start_positions", "end_positions"}
    assert {"offset_mapping", "example_id"} <= set(feats["eval"].column_names)
    row = feats["eval"][0]
    assert len(row["input_ids"]) == 48 and row["offset_mapping"][0] is None  # [CLS] has no offset
    assert len(feats["train"]) > len(examples["train"])  # small windows: several per example
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    r = report["reading"]["train"]
    assert r["read"] == r["kept"] + r["fixed"] + r["skipped"]
    w = report["windows"]["train"]
    assert w["windows"] == len(feats["train"]) and 0 < w["cls_window_share"] < 1
    assert w["labels_not_covering_answer"] == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["config"]["overlap"] == 12 and manifest["counts"]["train"]["features"] == len(feats["train"])
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "overlap=12" in card and "question:" in card
    capsys.readouterr()
    assert main(argv) == 0  # unchanged inputs/config/code: no-op
    assert "up to date" in capsys.readouterr().out


def test_build_normalized_keeps_original_maps(sample_dir, tok_dir, tmp_path):
    out = tmp_path / "qa_norm"
    assert main(["build", "qa", "--eval", str(sample_dir / "qa.json"), "--tokenizer", str(tok_dir / "tokenizer.json"),
                 "--out", str(out)]) == 0
    from datasets import load_from_disk

    ex = load_from_disk(str(out / "examples"))["eval"][0]
    assert ex["original_context"] and len(ex["context_offsets"]) == len(ex["context"]) + 1


def test_qa_stats_cli(sample_dir, tmp_path, capsys):
    path = tmp_path / "stats.json"
    assert main(["qa-stats", str(sample_dir / "qa.json"), "--json", str(path)]) == 0
    assert "| split | questions |" in capsys.readouterr().out
    (s,) = json.loads(path.read_text(encoding="utf-8"))["stats"].values()
    assert s["questions"] == s["answerable"] + s["unanswerable"] > 0


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.json", "missing.json: no such file or directory"),  # a path, not "unknown corpus"
        (lambda d: d, r"no \*.json/\*.jsonl files under this directory"),  # an empty folder
        (lambda d: d / "*.json", "the pattern matches no files"),  # an empty glob
    ],
)
def test_qa_stats_bad_paths_are_clear(tmp_path, capsys, make, message):
    import re

    assert main(["qa-stats", str(make(tmp_path))]) == 1
    err = capsys.readouterr().err
    assert re.search(message, err) and "unknown corpus" not in err


def test_qa_stats_directory_and_glob(sample_dir, tmp_path, capsys):
    import shutil

    (tmp_path / "sub").mkdir()
    shutil.copy(sample_dir / "qa.json", tmp_path / "sub" / "x.json")
    for spec in (tmp_path, tmp_path / "sub" / "*.json"):
        path = tmp_path / "stats.json"
        assert main(["qa-stats", str(spec), "--json", str(path)]) == 0
        assert list(json.loads(path.read_text(encoding="utf-8"))["stats"]) == [str(tmp_path / "sub" / "x.json")]


def test_build_qa_config_file_and_overrides(sample_dir, tok_dir, tmp_path):
    cfg = tmp_path / "qa.toml"
    cfg.write_text(f'eval = "{sample_dir / "qa.json"}"\ntokenizer = "{tok_dir}"\nmax_length = 64\n', encoding="utf-8")
    out = tmp_path / "qa"
    assert main(["build", "qa", "--config", str(cfg), "--overlap=16", "--samples=1", "--out", str(out)]) == 0
    c = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["config"]
    assert (c["max_length"], c["overlap"], c["samples"], c["pad_to_max_length"]) == (64, 16, 1, True)
    assert main(["build", "qa", "--eval", str(sample_dir / "qa.json"), "--out", str(out)]) == 1  # no tokenizer


def test_bad_input_is_a_clean_error(tmp_path, tok_dir, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"data": [', encoding="utf-8")
    assert main(["qa-stats", str(bad)]) == 1
    assert "bad.json" in capsys.readouterr().err


def test_window_report_counts_answers_that_fit_no_window(tok_dir):
    context = "تهران پایتخت ایران است و شهری بزرگ با جمعیتی زیاد است. " * 12
    long_answer = context[: len(context) // 2].strip()  # far more tokens than a 48-token window holds
    examples = [
        QAExample("short", "d", "t", "پایتخت؟", context, ("پایتخت",), (6,)),  # fits: labelled in one window
        QAExample("long", "d", "t", "چه؟", context, (long_answer,), (0,)),  # in no window: [CLS] everywhere
        QAExample("none", "d", "t", "کجا؟", context, (), ()),  # unanswerable: [CLS] everywhere
    ]
    table, rep = feature_tables(examples, load_fast_tokenizer(tok_dir), QABuildConfig(max_length=48, overlap=12),
                                "train")
    n_windows = len(table)
    assert rep["examples"] == 3 and rep["windows"] == n_windows and n_windows > 6
    assert rep["answerable_questions"] == 2 and rep["answerable_in_no_window"] == 1
    assert rep["labels_not_covering_answer"] == 0
    labelled = sum(s != 0 for s in table["start_positions"].to_pylist())
    assert rep["cls_windows"] == n_windows - labelled and labelled >= 1
    assert sum(k * v for k, v in rep["windows_per_example_hist"].items()) == n_windows


def test_build_key_ignores_batch_size_and_manifest_counts_reading(sample_dir, tok_dir, tmp_path, capsys):
    qa = str(sample_dir / "qa.json")
    out = tmp_path / "qa"
    manifest = build(QABuildConfig(eval=qa, tokenizer=str(tok_dir), max_length=64, overlap=16, batch_size=5), out)
    c = manifest["counts"]["eval"]
    assert c["read"] == c["kept"] + c["fixed"] + c["skipped"] and c["examples"] == c["kept"] + c["fixed"]
    assert "skipped_by_reason" in c
    logs = []
    build(QABuildConfig(eval=qa, tokenizer=str(tok_dir), max_length=64, overlap=16, batch_size=4000), out,
          log=logs.append)
    assert any("up to date" in m for m in logs)  # batch size is runtime only: same output, same key
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    for s in report["windows"]["eval"]["samples"]:  # samples are windows of THIS build's settings
        assert len(load_fast_tokenizer(tok_dir).encode(s["window_text"], add_special_tokens=False).ids) <= 64
