"""CLI end to end on a toy Persian dataset: prepare -> train (with --key=value overrides) -> resume ->
attention heat map; and `fa-nlp model summary`."""

from __future__ import annotations

import json

from fa_nlp.cli import main

SENTENCES = ["من به خانه رفتم .", "کتاب‌ها را دیروز خواندم .", "او در سال ۱۴۰۲ به مدرسه آمد .",
             "هوا امروز سرد است ؟"] * 20


def test_prepare_train_resume_attention_plot(tmp_path, capsys):
    from fa_nlp.tokenization import train_seq2seq_tokenizer

    tok = train_seq2seq_tokenizer(SENTENCES, tmp_path / "tok", vocab_size=400)
    ds = tmp_path / "ds"
    ds.mkdir()
    rows = [{"src": " ".join(reversed(s.split())), "tgt": s} for s in SENTENCES]
    for split in ("train", "validation"):
        (ds / f"{split}.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    assert main(["prepare", "--dataset", str(ds), "--tokenizer", str(tok), "--out", str(tmp_path / "prep")]) == 0
    run = tmp_path / "run"
    args = ["train", "--config", "fa_nlp/configs/smoke.toml", f"--data.prepared={tmp_path / 'prep'}",
            f"--log.run_dir={run}", "--log.progress=false", "--optim.max_steps=4", "--log.save_every=2",
            "--log.eval_every=2"]
    assert main([*args, "--stop-at", "2"]) == 0
    assert main([*args, "--resume"]) == 0
    steps = [json.loads(ln)["step"] for ln in (run / "metrics.jsonl").read_text().splitlines()]
    assert steps == sorted(set(steps)) and steps[-1] == 4
    assert (run / "tokenizer" / "spm.model").is_file() and (run / "curves.png").is_file()
    out = tmp_path / "att.png"
    assert main(["attention-plot", "--run", str(run), "--src", rows[0]["src"], "--tgt", rows[0]["tgt"],
                 "--layer", "decoder.-1.cross", "--out", str(out)]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG"
    assert main(["train", "--config", "fa_nlp/configs/smoke.toml", "--optim.nope=1"]) == 1  # unknown key
    assert "optim.nope" in capsys.readouterr().err


def test_model_summary(capsys):
    assert main(["model", "summary", "--model", "base", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert 40e6 <= info["total"] <= 60e6
    assert sum(info["modules"].values()) == info["total"]
    assert main(["model", "summary", "--model", "small"]) == 0
    assert "decoder.3" in capsys.readouterr().out
