"""Checkpoints: save/load round trip gives identical outputs; incomplete dirs are ignored."""

from __future__ import annotations

import torch

from fa_nlp.models import Seq2SeqTransformer, model_config
from fa_nlp.training import checkpoint


def test_save_load_identical_outputs(tmp_path):
    torch.manual_seed(0)
    cfg = model_config("tiny", vocab_size=30, dropout=0.1)
    model = Seq2SeqTransformer(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model(torch.randint(4, 30, (2, 5)), torch.randint(4, 30, (2, 4))).sum().backward()
    opt.step()
    from dataclasses import asdict

    path = checkpoint.save(tmp_path, 7, model, opt, extra_state={"model_config": asdict(cfg), "config": {"x": 1}})
    assert path.name == "step-000007" and sorted(p.name for p in path.iterdir()) == sorted(checkpoint.FILES)
    loaded, train_cfg = checkpoint.load_model(tmp_path)
    assert train_cfg == {"x": 1}
    model.eval()
    src, tgt = torch.randint(4, 30, (3, 6)), torch.randint(4, 30, (3, 5))
    assert torch.equal(model(src, tgt), loaded(src, tgt))
    assert loaded.lm_head is None and "lm_head.weight" not in loaded.state_dict()  # tie survives (one tensor)
    blobs = checkpoint.load_optim(path)  # weights_only load of plain state dicts
    assert blobs["optimizer"]["state"]


def test_latest_ignores_incomplete_and_stray_dirs(tmp_path):
    model = Seq2SeqTransformer(model_config("tiny", vocab_size=20))
    checkpoint.save(tmp_path, 2, model)
    (tmp_path / "checkpoints" / "step-000009").mkdir()  # no files: a crashed, non-atomic writer
    (tmp_path / "checkpoints" / ".step-000010.abc.tmp").mkdir()
    assert checkpoint.list_steps(tmp_path) == [2]
    assert checkpoint.latest(tmp_path).name == "step-000002"
