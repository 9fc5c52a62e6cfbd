"""Export fixtures: a tiny `arch = "bert"` span run trained a few steps through the real loop on the
bundled sample's QA windows (`qa_prepared`, tests/conftest.py); an MLM run saved at random init (parity needs only
weights, not a good model)."""

from __future__ import annotations

import shutil
from dataclasses import asdict

import pytest
import torch

from fa_nlp.config import load_config
from fa_nlp.io import write_json
from fa_nlp.models import build_model, model_config
from fa_nlp.tasks.base import train_task
from fa_nlp.training import checkpoint
from fa_nlp.training.config import TrainConfig

torch.set_num_threads(1)  # the box is shared: keep tests on one core


@pytest.fixture(scope="session")
def bert_qa_run(qa_prepared, tmp_path_factory):
    run = tmp_path_factory.mktemp("bert_qa") / "run"
    over = [f"data.prepared={qa_prepared}", f"log.run_dir={run}", "threads=1", "log.progress=false", "task=qa",
            "model.kind=span", "model.preset=tiny", "model.arch=bert", "data.dev_split=dev",
            "data.max_tokens=2048", "optim.label_smoothing=0.0", "optim.warmup_steps=2", "optim.max_steps=8",
            "optim.lr=3e-3", "log.eval_every=100000", "log.save_every=100000", "device=cpu"]
    train_task(load_config(TrainConfig, None, over))
    return run


def save_random_run(run, kind: str, tokenizer_dir, vocab_size: int, seed: int = 0, **model_kw):
    """A run folder holding one checkpoint of a freshly initialised model (weights jittered so that
    biases and norms are not at their trivial init values)."""
    torch.manual_seed(seed)
    cfg = model_config("tiny", vocab_size=vocab_size, kind=kind, n_segments=2, max_len=128, **model_kw)
    model = build_model(cfg).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    train_cfg = {"task": "mlm" if kind == "mlm" else "qa", "data": {"prepared": ""}}
    checkpoint.save(run, 1, model, extra_state={"model_config": asdict(cfg), "config": train_cfg})
    write_json(run / "config.json", {"config": train_cfg})
    shutil.copytree(tokenizer_dir, run / "tokenizer")
    return model
