"""A fusion LM of its own (`EvalConfig.fusion_lm_order`): evaluation fuses it (the n-gram baseline stays
the 3-gram), stores it with the run, and `predict` picks the same LM up from the run alone."""

from __future__ import annotations

import json

import pytest

from tests.tasks.wordorder.conftest import ORDERED, write_prepared


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    from fa_nlp.tasks.base import train_task as train
    from fa_nlp.training.config import TrainConfig

    root = tmp_path_factory.mktemp("fusion_lm")
    prepared = write_prepared(root, {"train": 60, "validation": 6, "test": 6}, [*ORDERED[:4], ORDERED[5]])
    cfg = TrainConfig(task="wordorder", device="cpu")
    cfg.model.d_model, cfg.model.d_ff = 32, 64
    cfg.data.prepared, cfg.data.max_tokens = str(prepared), 512
    cfg.optim.max_steps, cfg.optim.warmup_steps = 2, 1
    cfg.log.run_dir, cfg.log.progress = str(root / "run"), False
    cfg.log.eval_every, cfg.log.save_every, cfg.log.log_every, cfg.log.dev_metric_sentences = 2, 2, 1, 2
    train(cfg)
    return root / "run"


def test_evaluation_fuses_its_own_lm_and_predict_reuses_it(run_dir):
    import fa_nlp
    from fa_nlp.tasks.wordorder.evaluate import EvalConfig, evaluate_run

    m = evaluate_run(run_dir, EvalConfig(split="test", beam=2, constrained="on", progress=False,
                                         fusion_lm_order=4, fusion_lm_text="split", fusion_weights=(0.5, 1.0),
                                         fusion_tune_sentences=3))
    assert m["fusion_lm"]["order"] == 4 and m["fusion_lm"]["smoothing"] == "interpolated modified Kneser-Ney"
    assert "ngram3_beam10" in m["baselines"]  # the baseline is still the 3-gram
    assert (run_dir / "ngram-4.arpa").is_file() and (run_dir / "ngram-3.arpa").is_file()
    assert json.loads((run_dir / "fusion.json").read_text(encoding="utf-8"))["key"]["ngram_order"] == 4
    p = fa_nlp.load(run_dir)
    assert p.lm().order == 4
    src = "رفتم من کتابخانه به ."
    out = p.predict(src)
    assert sorted(out["output"].split()) == sorted(src.split()) and out["fusion"]


def test_fusion_lm_of_the_baselines_order_is_refused(run_dir):
    from fa_nlp.tasks.wordorder.evaluate import EvalConfig, evaluate_run

    with pytest.raises(ValueError, match="fusion_lm_order=3 equals ngram_order"):
        evaluate_run(run_dir, EvalConfig(split="test", beam=1, progress=False, fusion_lm_order=3, lm_weight=0.5))
