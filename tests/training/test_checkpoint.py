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
    (tmp_path / "config.json").write_text('{"config": {"task": "wordorder"}}', encoding="utf-8")  # as `train` writes
    _truncate(ck / "model.safetensors")
    rc = main(["evaluate", str(tmp_path), "--device", "cpu", "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 1 and err.startswith("fa-nlp: error: checkpoint step-000004: model.safetensors is damaged")


# ---------------------------------------------------------------- issue 20: permissions and messages


def test_checkpoint_files_follow_the_umask(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        ck = _two_checkpoints(tmp_path)
    finally:
        os.umask(old)
    modes = {f: stat.S_IMODE((ck / f).stat().st_mode) for f in checkpoint.FILES}
    assert modes == dict.fromkeys(checkpoint.FILES, 0o644)  # safetensors alone wrote 0600


def test_a_checkpoint_missing_a_file_is_named(tmp_path, capsys):
    ck = _two_checkpoints(tmp_path)
    (ck / "optim.pt").unlink()
    notes: list[str] = []
    assert checkpoint.latest_intact(tmp_path, log=notes.append).name == "step-000002"
    assert notes and notes[0].startswith("warning: checkpoint step-000004 is missing optim.pt")
    model, _ = checkpoint.load_model(tmp_path)  # evaluation: falls back too, and says so
    assert "step-000004 is missing optim.pt" in capsys.readouterr().err
    (ck / "model.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match="checkpoint step-000004 is missing model.safetensors, optim.pt"):
        checkpoint.resolve(tmp_path, 4)


def test_a_refused_pickle_keeps_its_cause_without_the_weights_only_advice(tmp_path):
    import fractions

    ck = _two_checkpoints(tmp_path)
    torch.save({"optimizer": fractions.Fraction(1, 2), "scheduler": None, "tensors": {}}, ck / "optim.pt")
    with pytest.raises(checkpoint.CheckpointError) as e:
        checkpoint.load_optim(ck)
    msg = str(e.value)
    assert "GLOBAL fractions.Fraction was not an allowed global" in msg  # the cause, past torch's 200th character
    assert "weights_only" not in msg and "safe_globals" not in msg and "\x1b" not in msg


def test_evaluation_says_a_damaged_optim_pt_does_not_matter(tmp_path, capsys):
    ck = _two_checkpoints(tmp_path)
    _truncate(ck / "optim.pt")
    model, _ = checkpoint.load_model(tmp_path)  # weights and state are intact: evaluation goes on
    err = capsys.readouterr().err
    assert "step-000004: optim.pt is damaged" in err and "fine for evaluation" in err
    _two_checkpoints(tmp_path)
    checkpoint.load_model(tmp_path)
    assert capsys.readouterr().err == ""  # an intact checkpoint: nothing to say
