"""Fill-mask through `fa_nlp.load` / `fa-nlp predict` on a tiny masked-LM run (sample text, a few CPU steps)."""

from __future__ import annotations

import argparse
import json

import pytest


@pytest.fixture(scope="module")
def mlm_run(sample_dir, qa_prepared, tmp_path_factory):
    from fa_nlp.config import load_config
    from fa_nlp.tasks.base import train_task
    from fa_nlp.tasks.mlm.prepare import prepare_mlm
    from fa_nlp.training.config import TrainConfig

    root = tmp_path_factory.mktemp("mlm_predict")
    prepare_mlm(str(sample_dir / "documents.txt"), qa_prepared / "tokenizer", root / "prep", max_len=48, dev_docs=3,
                log=lambda *a: None)
    train_task(load_config(TrainConfig, None, [
        "task=mlm", "device=cpu", "threads=1", f"data.prepared={root / 'prep'}", "data.dev_split=validation",
        f"log.run_dir={root / 'run'}", "log.progress=false", "model.kind=mlm", "model.preset=tiny",
        "data.max_tokens=1024", "optim.max_steps=3", "optim.warmup_steps=1", "log.eval_every=100000",
        "log.save_every=100000"]))
    return root / "run"


def test_fill_mask_gives_sorted_probabilities_per_mask(mlm_run):
    import fa_nlp

    p = fa_nlp.load(mlm_run, device="cpu")
    assert p.task == "mlm"
    r = p.predict("سازمان [MASK] از ورود یک سامانهٔ بارشی تازه به [MASK] خبر داد.", top_k=4)
    assert len(r["masks"]) == 2
    for top in r["masks"]:
        probs = [c["prob"] for c in top]
        assert len(top) == 4 and probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1 + 1e-6
        assert all(p.tokenizer.id_to_token(c["id"]) == c["token"] for c in top)
    assert "[MASK]" not in r["filled"] and r["filled"].startswith("سازمان ")
    # batched = one by one
    texts = ["تهران [MASK] ایران است.", "هوا امروز [MASK] است."]
    batch = p.predict(texts, top_k=3)
    assert [b["masks"] for b in batch] == [p.predict(t, top_k=3)["masks"] for t in texts]


@pytest.mark.parametrize(("text", "why"), [
    ("تهران پایتخت ایران است.", r"no \[MASK\]"),                 # nothing to fill
    ("", "empty line"),
    ("the [MASK] is blue", "no Persian letters"),
    ("کتاب " * 60 + "[MASK]", r"too long: \d+ tokens, the model allows 46"),  # max_len 48 - [CLS], [SEP]
])
def test_bad_input_is_a_clear_error(mlm_run, text, why):
    import fa_nlp

    with pytest.raises(ValueError, match=why):
        fa_nlp.load(mlm_run, device="cpu").predict(text)


def test_cli(mlm_run, tmp_path, capsys):
    from fa_nlp.tasks.mlm.predictor import add_predict_arguments, predict_main

    parser = argparse.ArgumentParser()
    add_predict_arguments(parser)
    assert predict_main(mlm_run, parser.parse_args(["تهران", "[MASK]", "ایران", "است.", "--top-k", "2"])) == 0
    filled, tops = capsys.readouterr().out.rstrip("\n").split("\t")
    assert "[MASK]" not in filled and len(tops.split()) == 2
    f = tmp_path / "in.txt"
    f.write_text("هوا امروز [MASK] است.\nبدون ماسک\n", encoding="utf-8")
    assert predict_main(mlm_run, parser.parse_args(["--input", str(f), "--format", "jsonl"])) == 0
    cap = capsys.readouterr()
    rows = [json.loads(x) for x in cap.out.splitlines()]
    assert len(rows[0]["masks"][0]) == 5 and rows[1] == {"where": f"{f}:2", "skipped": "no [MASK] in the text"}
    assert "1 skipped" in cap.err
