"""The training loop: it learns, resumes exactly, stops cleanly on NaN, and keeps its run dir honest."""

from __future__ import annotations

import json
import math

import pytest

from fa_nlp.config import load_config
from fa_nlp.tasks.base import train_task as train
from fa_nlp.training import checkpoint
from fa_nlp.training.loop import TrainConfig, TrainingDiverged, lr_factor


def _losses(run_dir) -> dict[int, float]:
    rows = [json.loads(ln) for ln in (run_dir / "metrics.jsonl").read_text().splitlines()]
    return {r["step"]: r["loss"] for r in rows if "loss" in r}


def test_tiny_model_learns_to_sort(toy_prepared, toy, tmp_path):
    cfg = load_config(TrainConfig, None, toy.overrides(toy_prepared, tmp_path / "run", "optim.max_steps=600",
                                                       "log.log_every=50", "log.eval_every=300"))
    summary = train(cfg)
    assert summary["step"] == 600
    model, saved_cfg = checkpoint.load_model(tmp_path / "run")
    assert saved_cfg["optim"]["max_steps"] == 600
    src, tgt = toy.sort_pairs(300, "held-out")
    pred = toy.greedy(model, src)
    em = sum(p == t for p, t in zip(pred, tgt)) / len(tgt)
    assert em >= 0.95, f"exact match {em:.3f} after 600 steps"
    rows = [json.loads(ln) for ln in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert {"step", "loss", "lr", "grad_norm", "tokens_per_s"} <= set(rows[0])
    assert any("dev_loss" in r for r in rows)
    assert (tmp_path / "run" / "curves.png").stat().st_size > 1000
    assert (tmp_path / "run" / "config.json").is_file()


@pytest.mark.parametrize("reshuffle", [False, True])
def test_resume_reproduces_the_uninterrupted_run(toy_prepared, toy, tmp_path, reshuffle):
    # dropout on (RNG state must be restored), grad accumulation, an epoch boundary inside each half,
    # and (second case) sources reshuffled per epoch: the shuffles must not depend on where a run started
    extra = ["optim.max_steps=12", "optim.grad_accum=2", "model.dropout=0.1", "data.max_train_examples=200",
             "data.max_tokens=300", f"data.reshuffle_source_words={reshuffle}"]
    straight = load_config(TrainConfig, None, toy.overrides(toy_prepared, tmp_path / "a", *extra))
    train(straight)
    resumed = load_config(TrainConfig, None, toy.overrides(toy_prepared, tmp_path / "b", *extra))
    first = train(resumed, stop_at=6)
    assert first["step"] == 6 and checkpoint.list_steps(tmp_path / "b") == [6]
    second = train(resumed, resume=True)
    assert second["epoch"] >= 1, "the test should cross an epoch boundary"
    a, b = _losses(tmp_path / "a"), _losses(tmp_path / "b")
    assert sorted(a) == sorted(b) == list(range(1, 13))
    for step in a:
        assert abs(a[step] - b[step]) <= 1e-6, (step, a[step], b[step])


def test_resume_skips_a_damaged_checkpoint_and_a_half_written_metrics_line(toy_prepared, toy, tmp_path, capsys):
    # killed mid-write: the last checkpoint's weights are cut short and metrics.jsonl ends mid-row
    extra = ["optim.max_steps=6", "log.save_every=2", "data.max_train_examples=200", "data.max_tokens=300"]
    cfg = load_config(TrainConfig, None, toy.overrides(toy_prepared, tmp_path / "run", *extra))
    train(cfg, stop_at=4)
    assert checkpoint.list_steps(tmp_path / "run")[-2:] == [2, 4]
    weights = checkpoint.step_dir(tmp_path / "run", 4) / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    with open(tmp_path / "run" / "metrics.jsonl", "a", encoding="utf-8") as fh:
        fh.write('{"step": 5, "loss": 1.2')
    summary = train(cfg, resume=True)
    out = capsys.readouterr().out
    assert "checkpoint step-000004: model.safetensors is damaged" in out and "falling back" in out
    assert "dropped a half-written last line" in out
    assert summary["step"] == 6
    assert sorted(_losses(tmp_path / "run")) == list(range(1, 7))  # steps 3-4 relogged once, no stray row
    checkpoint.verify(checkpoint.step_dir(tmp_path / "run", 4))  # rewritten whole by the resumed run


def test_nan_loss_stops_and_keeps_last_good_checkpoint(toy_prepared, toy, tmp_path):
    cfg = load_config(TrainConfig, None, toy.overrides(toy_prepared, tmp_path / "run", "optim.max_steps=20",
                                                       "log.save_every=3", "debug.inject_nan_at_step=5"))
    with pytest.raises(TrainingDiverged, match=r"loss became nan .* step 5.*step-000003"):
        train(cfg)
    assert checkpoint.list_steps(tmp_path / "run") == [3]
    model, _ = checkpoint.load_model(tmp_path / "run")
    assert all(p.isfinite().all() for p in model.parameters())


def test_nan_between_log_steps_is_caught_before_the_next_checkpoint(toy_prepared, toy, tmp_path):
    # the host looks at the finiteness flag only at log/eval/save steps: NaN at step 5 is noticed at the
    # step-6 save, which is then not written; the step-3 checkpoint stays the latest
    cfg = load_config(TrainConfig, None, toy.overrides(toy_prepared, tmp_path / "run", "optim.max_steps=20",
                                                       "log.log_every=4", "log.save_every=3",
                                                       "debug.inject_nan_at_step=5"))
    with pytest.raises(TrainingDiverged, match=r"loss became nan .*at step 5 \(noticed at step 6\).*step-000003"):
        train(cfg)
    assert checkpoint.list_steps(tmp_path / "run") == [3]
    rows = [json.loads(ln) for ln in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [4] and math.isfinite(rows[0]["loss"])  # rows only at log steps


def test_fp16_is_refused(toy_prepared, toy, tmp_path):
    cfg = load_config(TrainConfig, None, toy.overrides(toy_prepared, tmp_path / "run", "dtype=fp16"))
    with pytest.raises(ValueError, match="loss scaling"):
        train(cfg)


def test_time_budget_stops_with_a_checkpoint(toy_prepared, toy, tmp_path):
    # a budget of ~0 minutes ends the loop after its first step, with a checkpoint and a logged row
    cfg = load_config(TrainConfig, None, toy.overrides(toy_prepared, tmp_path / "run", "optim.max_steps=50",
                                                       "optim.max_minutes=0.000001"))
    out = train(cfg)
    assert out["stopped_by_time_budget"] and out["step"] == 1
    assert checkpoint.list_steps(tmp_path / "run") == [1]


def test_existing_run_needs_resume(toy_prepared, toy, tmp_path):
    cfg = load_config(TrainConfig, None, toy.overrides(toy_prepared, tmp_path / "run", "optim.max_steps=2"))
    train(cfg)
    with pytest.raises(FileExistsError, match="--resume"):
        train(cfg)


def test_unknown_config_key_is_rejected(toy_prepared, toy, tmp_path):
    from fa_nlp.config import ConfigError

    with pytest.raises(ConfigError, match="optim.learning_rate"):
        load_config(TrainConfig, None, toy.overrides(toy_prepared, tmp_path, "optim.learning_rate=1"))


@pytest.mark.parametrize(("step", "expected"), [
    (0, 0.1),      # first warmup step: 1/10 of peak
    (9, 1.0),      # end of warmup: peak
    (55, 0.55),    # half-way through the cosine: (1 + 0.1) / 2
    (100, 0.1),    # end: floor
    (500, 0.1),    # past the end: stays at the floor
])
def test_lr_schedule(step, expected):
    assert math.isclose(lr_factor(step, warmup=10, total=100, min_ratio=0.1), expected, abs_tol=1e-9)
