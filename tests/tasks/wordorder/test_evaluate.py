"""End to end on a tiny run made by the real pipeline (prepare -> train a few CPU steps -> evaluate)."""

from __future__ import annotations

import json

import pytest

from fa_nlp.tasks.wordorder.predict import is_permutation
from tests.tasks.wordorder.conftest import write_prepared


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    from fa_nlp.tasks.base import train_task as train
    from fa_nlp.training.config import TrainConfig

    root = tmp_path_factory.mktemp("eval")
    prepared = write_prepared(root, {"train": 80, "validation": 8, "test": 12})
    cfg = TrainConfig(task="wordorder", device="cpu")
    cfg.model.d_model, cfg.model.d_ff = 32, 64
    cfg.data.prepared = str(prepared)
    cfg.data.max_tokens = 512
    cfg.optim.max_steps, cfg.optim.warmup_steps = 4, 1
    cfg.log.run_dir = str(root / "run")
    cfg.log.eval_every, cfg.log.save_every, cfg.log.log_every = 2, 4, 1
    cfg.log.dev_metric_sentences, cfg.log.progress = 4, False
    train(cfg)
    return root / "run"


def test_training_loop_logs_quick_dev_metrics(run_dir):
    rows = [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text(encoding="utf-8").splitlines()]
    dev = [r for r in rows if "dev_em" in r]
    assert dev and all(0 <= r["dev_em"] <= 100 and 0 <= r["dev_bleu"] <= 100 for r in dev)


def _cli(argv):
    from fa_nlp.cli import main

    return main(argv)


def test_evaluate_writes_predictions_metrics_report_and_plot(run_dir, capsys):
    assert _cli(["evaluate", str(run_dir), "--split", "test", "--beam", "3", "--batch-size", "5",
                 "--no-progress", "--ngram-beam", "4"]) == 0
    assert "EM" in capsys.readouterr().out
    out = run_dir / "eval-test"
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["n"] == 12 and metrics["data"].endswith("test.eval.jsonl")  # every test pair, as prepare read it
    assert set(metrics["systems"]) == {"greedy", "greedy+constrained", "beam3", "beam3+constrained",
                                       "greedy+constrained+lm", "beam3+constrained+lm"}
    fusion = json.loads((run_dir / "fusion.json").read_text(encoding="utf-8"))  # stored with the run
    assert fusion["tuned_on"] == "validation" and fusion["sentences"] == 8
    assert metrics["fusion"]["lm_weight"] == fusion["lm_weight"] in (0.25, 0.5, 0.75, 1.0, 1.5)
    assert metrics["systems"]["beam3+constrained+lm"]["lm_weight"] == fusion["lm_weight"]
    for s in metrics["systems"].values():
        assert 0 <= s["em"] <= 100 and 0 <= s["bleu"] <= 100 and s["sentences_per_s"] > 0
        assert "tok:none" in s["signatures"]["bleu"] and s["signatures"]["em"].startswith("em|")
        assert sum(b["n"] for b in s["by_length"].values()) == 12
        if s["constrained"]:
            assert s["permutation_rate"] == 100.0 and s["decode_stats"]["truncated"] == 0
    assert set(metrics["baselines"]) == {"shuffled", "ngram3_beam4"}
    assert metrics["baselines"]["ngram3_beam4"]["lm"]["train_sentences"] == 80
    # the test sentences are reorderings of training sentences: the trigram LM gets most right
    assert metrics["baselines"]["ngram3_beam4"]["em"] > metrics["baselines"]["shuffled"]["em"]

    rows = [json.loads(x) for x in (out / "predictions.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 12
    for r in rows:
        assert is_permutation(r["predictions"]["beam3+constrained"], r["shuffled"])
        assert is_permutation(r["predictions"]["baseline:ngram3_beam4"], r["shuffled"])
    report = (out / "report.md").read_text(encoding="utf-8")
    assert report.count("- shuffled: ") == 5 and "| beam3+constrained |" in report
    assert (out / "by_length.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_evaluate_options_and_limits(run_dir):
    from fa_nlp.tasks.wordorder.evaluate import EvalConfig, evaluate_run

    m = evaluate_run(run_dir, EvalConfig(split="validation", beam=1, constrained="on", max_sentences=3,
                                         baselines=False, fusion=False, progress=False))
    assert list(m["systems"]) == ["greedy+constrained"] and m["n"] == 3 and m["baselines"] == {}
    assert (run_dir / "eval-validation" / "report.md").is_file()


def test_fusion_with_weight_zero_is_exactly_the_model(run_dir):
    from fa_nlp.tasks.wordorder.evaluate import EvalConfig, evaluate_run

    m = evaluate_run(run_dir, EvalConfig(split="test", beam=3, constrained="on", lm_weight=0.0, baselines=False,
                                         progress=False))
    preds = [json.loads(x)["predictions"] for x in
             (run_dir / "eval-test" / "predictions.jsonl").read_text(encoding="utf-8").splitlines()]
    assert m["fusion"] == {"lm_weight": 0.0, "tuned_on": None}
    for p in preds:
        assert p["beam3+constrained+lm"] == p["beam3+constrained"]
        assert p["greedy+constrained+lm"] == p["greedy+constrained"]


def test_evaluate_errors_are_clear(run_dir, tmp_path):
    from fa_nlp.tasks.wordorder.evaluate import EvalConfig, evaluate_run

    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        evaluate_run(tmp_path, EvalConfig(progress=False))
    with pytest.raises(FileNotFoundError, match="no nosuch split"):
        evaluate_run(run_dir, EvalConfig(split="nosuch", dataset=str(tmp_path), progress=False))
    with pytest.raises(ValueError, match="constrained must be one of"):
        evaluate_run(run_dir, EvalConfig(constrained="maybe", progress=False))


def test_baseline_command(run_dir, tmp_path, capsys):
    ds = run_dir.parent / "dataset"
    assert _cli(["baseline", "--dataset", str(ds), "--beam", "4", "--out", str(tmp_path / "b.json")]) == 0
    res = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))
    assert res["n"] == 12 and res["ngram3_beam4"]["em"] >= res["shuffled"]["em"]


def test_read_split_counts_words_not_punctuation_marks(tmp_path):
    from fa_nlp.tasks.wordorder.evaluate import read_split

    f = tmp_path / "test.jsonl"
    f.write_text('{"id": "a", "src": "رفتم . من «خانه» به", "tgt": "من به « خانه » رفتم ."}\n', encoding="utf-8")
    (row,) = read_split(f)
    assert row["n_words"] == 4  # « » . are tokens but not words: same measure as the dataset's length bounds
