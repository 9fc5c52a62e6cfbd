"""Checkpoints: save/load round trip gives identical outputs; incomplete dirs are ignored."""

from __future__ import annotations

import pytest
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


def _two_checkpoints(tmp_path):
    from dataclasses import asdict

    cfg = model_config("tiny", vocab_size=20)
    model = Seq2SeqTransformer(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    for step in (2, 4):
        checkpoint.save(tmp_path, step, model, opt, extra_state={"model_config": asdict(cfg), "config": {}})
    return checkpoint.step_dir(tmp_path, 4)


def _truncate(path, keep: float = 0.5):
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


@pytest.mark.parametrize(
    ("file", "damage"),
    [
        ("model.safetensors", "truncate"),  # a copy cut short
        ("model.safetensors", "garbage"),  # not a safetensors file at all
        ("optim.pt", "truncate"),  # PytorchStreamReader failed reading zip archive
        ("optim.pt", "garbage"),
        ("state.json", "truncate"),  # Expecting ',' delimiter
        ("state.json", "garbage"),
    ],
)
def test_damaged_checkpoint_is_named_and_resume_falls_back(tmp_path, file, damage):
    ck = _two_checkpoints(tmp_path)
    if damage == "truncate":
        _truncate(ck / file)
    else:
        (ck / file).write_bytes(b"\x00\x01garbage" * 7)
    with pytest.raises(checkpoint.CheckpointError, match=rf"^checkpoint step-000004: {file} is damaged \("):
        checkpoint.verify(ck)
    notes: list[str] = []
    assert checkpoint.latest_intact(tmp_path, log=notes.append).name == "step-000002"
    assert "step-000004" in notes[0] and "falling back" in notes[0] and "step-000002" in notes[1]
    if file != "optim.pt":  # evaluation reads state and weights only
        with pytest.raises(checkpoint.CheckpointError, match=f"step-000004: {file} is damaged"):
            checkpoint.load_model(tmp_path)


def test_every_checkpoint_damaged_is_an_error(tmp_path):
    _two_checkpoints(tmp_path)
    for step in (2, 4):
        _truncate(checkpoint.step_dir(tmp_path, step) / "model.safetensors")
    with pytest.raises(checkpoint.CheckpointError, match="none of the 2 checkpoints .* is intact"):
        checkpoint.latest_intact(tmp_path, log=lambda m: None)
    assert checkpoint.latest_intact(tmp_path / "empty") is None


def test_evaluate_cli_on_a_damaged_checkpoint(tmp_path, capsys):
    from fa_nlp.cli import main

    ck = _two_checkpoints(tmp_path)
    _truncate(ck / "model.safetensors")
    rc = main(["evaluate", str(tmp_path), "--device", "cpu", "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 1 and err.startswith("fa-nlp: error: checkpoint step-000004: model.safetensors is damaged")
