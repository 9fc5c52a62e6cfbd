"""`build qa`'s prepared/ + QATask: splits by context, arrays equal to the build's features, batches, loss, training."""

from __future__ import annotations

import json

import numpy as np
import torch

from fa_nlp.models import build_model
from fa_nlp.tasks.base import train_task
from fa_nlp.tasks.qa.prepare import load_qa_prepared
from fa_nlp.tasks.qa.task import QATask


def test_prepare_splits_by_context_and_keeps_everything(qa_build, qa_prepared):
    data = load_qa_prepared(qa_prepared)
    assert set(data.splits) == {"train", "dev", "test"}
    tr, dev, te = (data.splits[s] for s in ("train", "dev", "test"))
    ctx = lambda sp: {e.context for e in sp.examples()}  # noqa: E731
    assert ctx(tr) and ctx(dev) and not (ctx(tr) & ctx(dev))  # never a context on both sides
    from datasets import load_from_disk

    ex = load_from_disk(str(qa_build / "examples"))
    assert len(tr.examples()) + len(dev.examples()) == len(ex["train"])
    assert len(te.examples()) == len(ex["eval"])
    feats = load_from_disk(str(qa_build / "hf"))
    assert len(tr) + len(dev) == len(feats["train"]) and len(te) == len(feats["eval"])
    # every eval window's offsets are the build's offset_mapping (None outside the context)
    rows = te.features(np.arange(len(te)))
    for r in range(len(te)):
        assert rows["offset_mapping"][r] == feats["eval"][r]["offset_mapping"][: len(rows["offset_mapping"][r])]
        assert rows["example_id"][r] == feats["eval"][r]["example_id"]
    # dev questions come grouped by context (their first N cover whole contexts)
    seen, last = [], None
    for e in dev.examples():
        if e.context != last:
            assert e.context not in seen
            seen.append(e.context)
            last = e.context
    meta = data.meta
    assert meta["dev"]["by"] == "context" and meta["made_by"] == "fa-nlp build qa"
    assert (data.tokenizer_dir / "tokenizer.json").is_file()


def test_task_batches_and_loss(qa_prepared, qa_cfg, tmp_path):
    task = QATask()
    cfg = qa_cfg(qa_prepared, tmp_path / "r")
    task.load(cfg)
    mcfg = task.model_config(cfg)
    assert mcfg.kind == "span" and mcfg.n_segments == 2 and mcfg.max_len == 128
    b = task.batch("train", [0, 1, 2], epoch=0)
    assert b["n_targets"] == 6 and b["input_ids"].shape[1] == int(task.data.splits["train"].lengths[[0, 1, 2]].max())
    torch.manual_seed(0)
    model = build_model(mcfg)
    loss = task.loss(model, b)
    # random init: each cross-entropy is about log(window length)
    assert 0.5 * 6 * np.log(40) < loss.item() < 2 * 6 * np.log(130)


def test_training_runs_and_logs_dev_em_f1(qa_prepared, qa_cfg, tmp_path):
    out = train_task(qa_cfg(qa_prepared, tmp_path / "run", "optim.max_steps=6"))
    assert out["step"] == 6
    last = json.loads((tmp_path / "run" / "metrics.jsonl").read_text().splitlines()[-1])
    assert {"dev_loss", "dev_em", "dev_f1", "dev_has_f1", "dev_f1_best_thresh"} <= set(last)
    assert (tmp_path / "run" / "tokenizer" / "tokenizer.json").is_file()
