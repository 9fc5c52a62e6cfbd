"""`fa-nlp predict` / `fa_nlp.load` on word-order runs, and the fusion LM stored with the run as ARPA.

A tiny pointer run is trained on generated sentences (a few CPU steps), evaluated once (which
stores RUN/ngram-3.arpa and RUN/fusion.json), then asked to order sentences.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import random

import pytest

from fa_nlp.tasks.wordorder.arpa import ArpaLM, stored_lm, write_arpa
from fa_nlp.tasks.wordorder.baselines import NgramLM, order_words
from fa_nlp.tasks.wordorder.predict import is_permutation
from tests.tasks.wordorder.conftest import ORDERED as ALL_ORDERED
from tests.tasks.wordorder.conftest import shuffled_rows, write_prepared

ORDERED = ALL_ORDERED[:6]  # the sentences this file's runs learn from


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    return write_prepared(tmp_path_factory.mktemp("predict"), {"train": 60, "validation": 6, "test": 8}, ORDERED)


def _train(prepared, run, kind: str):
    from fa_nlp.tasks.base import train_task
    from fa_nlp.training.config import TrainConfig

    cfg = TrainConfig(device="cpu", task="wordorder")
    cfg.model.kind = kind
    cfg.model.d_model, cfg.model.d_ff = 32, 64
    cfg.data.prepared = str(prepared)
    cfg.data.max_tokens = 512
    cfg.optim.max_steps, cfg.optim.warmup_steps = 6, 1
    cfg.log.run_dir = str(run)
    cfg.log.eval_every, cfg.log.save_every, cfg.log.log_every = 100, 6, 1
    cfg.log.dev_metric_sentences, cfg.log.progress = 0, False
    train_task(cfg)
    return run


@pytest.fixture(scope="module")
def run_dir(prepared):
    from fa_nlp.tasks.wordorder.evaluate import EvalConfig, evaluate_run

    run = _train(prepared, prepared.parent / "run", "pointer")
    evaluate_run(run, EvalConfig(split="test", beam=3, baselines=False, progress=False, fusion_weights=(0.5, 1.0)))
    return run


# ---------------------------------------------------------------------------------------------- ARPA


def test_arpa_round_trip_gives_the_in_memory_probabilities(tmp_path):
    lm = NgramLM.train(ORDERED[:4], order=3)
    a = ArpaLM.read(write_arpa(lm, tmp_path / "lm.arpa"))
    text = (tmp_path / "lm.arpa").read_text(encoding="utf-8")
    assert text.startswith("\\data\\\nngram 1=") and text.rstrip().endswith("\\end\\") and "\\3-grams:" in text
    rng = random.Random(0)
    words = sorted(lm.vocab) + ["</s>", "ناشناخته"]  # seen words, the end, an unknown word
    for _ in range(1000):  # any context a sentence can have (seen or not: <s> only at the start), any word
        j = rng.randint(0, 2)
        ctx = ["<s>"] * j + [rng.choice(words[:-2]) for _ in range(2 - j)]
        w = rng.choice(words)
        assert a.logprob(ctx, w) == pytest.approx(lm.logprob(ctx, w), abs=1e-9)
    for s in ORDERED:
        assert a.sentence_logprob(s) == pytest.approx(lm.sentence_logprob(s), abs=1e-9)
    # and the n-gram baseline orders sentences identically with either
    for s in ORDERED:
        shuffled = " ".join(reversed(s.split()))
        assert order_words(a, shuffled, 5) == order_words(lm, shuffled, 5)


def test_a_damaged_arpa_file_is_named(tmp_path):
    lm = NgramLM.train(ORDERED, order=2)
    f = write_arpa(lm, tmp_path / "lm.arpa")
    lines = f.read_text(encoding="utf-8").splitlines()
    f.write_text("\n".join(lines[:-10]) + "\n", encoding="utf-8")  # truncated
    with pytest.raises(ValueError, match="header says"):
        ArpaLM.read(f)
    f.write_text("\\data\\\nngram 1=1\n\n\\1-grams:\nnot-a-number\tمن\n\\end\\\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"lm.arpa:5: not an ARPA line"):
        ArpaLM.read(f)


def test_evaluation_stores_the_lm_and_reuses_it_with_the_same_scores(run_dir):
    from fa_nlp.tasks.wordorder.evaluate import EvalConfig, evaluate_run

    hit = stored_lm(run_dir, 3)
    assert hit is not None and hit[1]["train_sentences"] == 60
    first = json.loads((run_dir / "eval-test" / "metrics.json").read_text(encoding="utf-8"))
    assert first["fusion"]["lm_weight"] in (0.5, 1.0)
    mtime = (run_dir / "ngram-3.arpa").stat().st_mtime_ns
    again = evaluate_run(run_dir, EvalConfig(split="test", beam=3, baselines=False, progress=False,
                                             fusion_weights=(0.5, 1.0)))
    assert (run_dir / "ngram-3.arpa").stat().st_mtime_ns == mtime  # read, not rewritten
    for name, s in first["systems"].items():
        assert again["systems"][name]["em"] == s["em"] and again["systems"][name]["bleu"] == s["bleu"]


# ---------------------------------------------------------------------------------------------- predict


def test_predictions_are_permutations_and_equal_evaluation_decoding(run_dir):
    import fa_nlp

    p = fa_nlp.load(run_dir, device="cpu")
    assert p.task == "wordorder"
    rows = [json.loads(x) for x in (run_dir / "eval-test" / "predictions.jsonl").read_text(encoding="utf-8").splitlines()]
    srcs = [r["shuffled"] for r in rows]
    fused = p.predict(srcs, beam=3)
    plain = p.predict(srcs, beam=3, lm_weight=0.0)
    for r, f, m in zip(rows, fused, plain):
        assert is_permutation(f["output"], r["shuffled"]) and f["fusion"] is True
        assert f["output"] == r["predictions"]["beam3+lm"]  # evaluation's decoding, same λ
        assert m["output"] == r["predictions"]["beam3"] and m["fusion"] is False
    one = p.predict(srcs[0], beam=3, n_best=3)
    assert isinstance(one, dict) and one["output"] == fused[0]["output"]
    scores = [h["score"] for h in one["n_best"]]
    assert scores == sorted(scores, reverse=True) and one["n_best"][0]["output"] == one["output"]
    assert all(is_permutation(h["output"], srcs[0]) for h in one["n_best"])
    assert len({h["output"] for h in one["n_best"]}) == len(one["n_best"])


@pytest.mark.parametrize(("text", "why"), [
    ("", "empty line"),                          # nothing to order
    ("hello world .", "no Persian letters"),     # not Persian
    ("من " * 80, "too long: 80 words, the model allows"),  # more words than decoder positions
])
def test_bad_input_is_a_clear_error(run_dir, text, why):
    import fa_nlp

    p = fa_nlp.load(run_dir, device="cpu")
    with pytest.raises(ValueError, match=why):
        p.predict([ORDERED[0], text])


def _predict(run_dir, argv, stdin=None, monkeypatch=None):
    from fa_nlp.tasks.wordorder.predictor import add_predict_arguments, predict_main

    parser = argparse.ArgumentParser()
    add_predict_arguments(parser)
    args = parser.parse_args(argv)
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return predict_main(run_dir, args)


def test_cli_arguments_file_and_jsonl(run_dir, tmp_path, capsys, monkeypatch):
    words = "رفتم کتابخانه به دوستم با دیروز من ."
    assert _predict(run_dir, [*words.split(), "--beam", "3"]) == 0
    out = capsys.readouterr().out.strip()
    assert is_permutation(out, words)
    f = tmp_path / "in.txt"
    f.write_text(f"{words}\n\nabc def\nسرد خیلی امروز هوا است .\n", encoding="utf-8")
    assert _predict(run_dir, ["--input", str(f), "--format", "jsonl", "--n-best", "2", "--beam", "3",
                              "--no-progress"]) == 0
    cap = capsys.readouterr()
    rows = [json.loads(x) for x in cap.out.splitlines()]
    assert len(rows) == 4  # one row per input line, skipped ones included
    assert rows[1] == {"where": f"{f}:2", "skipped": "empty line"}
    assert rows[2]["skipped"] == "no Persian letters" and rows[2]["where"].endswith(":3")
    assert is_permutation(rows[3]["output"], "سرد خیلی امروز هوا است .") and len(rows[3]["n_best"]) == 2
    assert "2 skipped" in cap.err and f"{f}:2" in cap.err
    # JSONL with a `src` field, from stdin
    line = json.dumps({"src": words}, ensure_ascii=False)
    assert _predict(run_dir, ["--lm-weight", "0", "--beam", "3"], stdin=line + "\n{bad json\n",
                    monkeypatch=monkeypatch) == 0
    out = capsys.readouterr().out.splitlines()
    assert is_permutation(out[0], words) and out[1] == ""


def test_fusion_needs_an_lm_and_builds_it_from_the_run_data_when_missing(run_dir, tmp_path):
    import shutil

    import fa_nlp

    bare = tmp_path / "bare"  # a run never evaluated: no LM, no tuned weight
    shutil.copytree(run_dir, bare, ignore=shutil.ignore_patterns("ngram-*", "fusion.json", "eval-*"))
    p = fa_nlp.load(bare, device="cpu")
    r = p.predict(ORDERED[0], beam=2)
    assert r["fusion"] is False and r["lm_weight"] == 0.0 and is_permutation(r["output"], ORDERED[0])
    assert math.isfinite(r["score"])
    p.train_cfg = {"data": {"prepared": str(tmp_path / "gone")}}  # the training data is not at hand
    with pytest.raises(ValueError, match="no n-gram LM stored"):
        p.predict(ORDERED[0], lm_weight=0.5)
    q = fa_nlp.load(bare, device="cpu")  # the data is at hand: the LM is trained once and stored
    assert q.predict(ORDERED[0], beam=2, lm_weight=0.5)["fusion"] is True
    assert (bare / "ngram-3.arpa").is_file() and stored_lm(bare, 3)[1]["train_sentences"] == 60


def test_through_the_generic_cli_verb(run_dir, capsys):
    from fa_nlp.cli import main

    words = "سرد خیلی امروز هوا است ."
    assert main(["predict", str(run_dir), *words.split(), "--beam", "2", "--format", "jsonl"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert is_permutation(row["output"], words) and row["beam"] == 2
    with pytest.raises(SystemExit):  # a QA flag on a word-order run is an argparse error
        main(["predict", str(run_dir), "--question", "چرا؟"])


def test_the_vocabulary_decoder_predicts_permutations_as_constrained_evaluation(prepared):
    import fa_nlp
    from fa_nlp.tasks.wordorder.predict import decode_texts

    run = _train(prepared, prepared.parent / "run-seq2seq", "seq2seq")
    p = fa_nlp.load(run, device="cpu")
    srcs = [r["src"] for r in shuffled_rows(6, "other", ORDERED)]
    got = p.predict(srcs, beam=3, lm_weight=0.0)
    want = decode_texts(p.model, p.tokenizer, srcs, beam_size=3, constrained=True)  # evaluate's beam3+constrained
    assert [g["output"] for g in got] == want and all(map(is_permutation, want, srcs))
    with pytest.raises(ValueError, match=r"too long: \d+ tokens, the model allows 64"):
        p.predict("کتاب‌ها " * 70)


def test_import_fa_nlp_stays_light_and_load_names_a_missing_run(tmp_path):
    import subprocess
    import sys

    code = "import sys, fa_nlp; assert callable(fa_nlp.load); print(sorted({'torch', 'hazm'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"  # `fa_nlp.load` imports the task (and torch) only when called
    import fa_nlp

    with pytest.raises(FileNotFoundError, match="no such run directory"):
        fa_nlp.load(tmp_path / "nope")
