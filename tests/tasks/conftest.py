"""Shared QA fixtures: the bundled sample's QA set → tokenizer → `build qa` (128/32) → `prepare-qa`."""

from __future__ import annotations

import json

import pytest
import torch

torch.set_num_threads(1)  # the box is shared: keep tests on one core


@pytest.fixture(scope="session")
def qa_build(sample_dir, tmp_path_factory):
    from fa_nlp.tasks.qa.build import QABuildConfig, build
    from fa_nlp.tokenization import train_qa_tokenizer

    ctxs = [p["context"] for a in json.loads((sample_dir / "qa.json").read_text(encoding="utf-8"))["data"]
            for p in a["paragraphs"]]
    root = tmp_path_factory.mktemp("qa_sample")
    train_qa_tokenizer(ctxs, root / "tok", vocab_size=400, min_frequency=1)
    cfg = QABuildConfig(dataset=str(sample_dir / "qa.json"), tokenizer=str(root / "tok"), max_length=128, overlap=32)
    build(cfg, root / "qa", log=lambda *a: None)
    return root / "qa"


@pytest.fixture(scope="session")
def qa_prepared(qa_build, tmp_path_factory):
    from fa_nlp.tasks.qa.prepare import prepare_qa

    out = tmp_path_factory.mktemp("qa_prepared") / "prep"
    prepare_qa(qa_build, out, dev_fraction=0.2, seed=7, log=lambda *a: None)
    return out


def qa_overrides(prepared, run_dir, *extra: str) -> list[str]:
    return [f"data.prepared={prepared}", f"log.run_dir={run_dir}", "threads=1", "log.progress=false", "task=qa",
            "model.kind=span", "model.preset=tiny", "data.dev_split=dev", "data.max_tokens=2048",
            "optim.label_smoothing=0.0", "optim.warmup_steps=5", "log.log_every=1", "log.eval_every=100000",
            "log.save_every=100000", "device=cpu", *extra]


@pytest.fixture(scope="session")
def qa_cfg():
    def make(prepared, run_dir, *extra):
        from fa_nlp.config import load_config
        from fa_nlp.training.config import TrainConfig

        return load_config(TrainConfig, None, qa_overrides(prepared, run_dir, *extra))

    return make
