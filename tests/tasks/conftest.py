"""Shared QA training settings (the sample's QA data: `qa_build`/`qa_prepared` in tests/conftest.py)."""

from __future__ import annotations

import pytest
import torch

torch.set_num_threads(1)  # the box is shared: keep tests on one core


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
