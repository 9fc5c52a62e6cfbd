"""Benchmark: `fa-nlp predict` throughput on CPU — word order (pointer, beam 10, with and without
fusion) in sentences/s, QA in questions/s on PQuAD Test contexts — each against a named baseline
measured in the same run.

    .venv/bin/python benchmarks/bench_predict.py                      # make bench-predict
    .venv/bin/python benchmarks/bench_predict.py --sentences 300 --questions 400 --threads 2

Set-up (a temp dir; the numbers do not depend on training, so the models are random and the
benchmark needs no training run): the CPU recipes' shapes — the pointer model of
`fa_nlp/configs/wordorder-pointer-cpu.toml` (sentencepiece 8k trained on PQuAD Validation
sentences) with a 3-gram LM on the same sentences stored with the run as ARPA and λ = 0.5 in
fusion.json; the `small` span model with 8k WordPiece, windows 384/128 (the QA recipe). Inputs:
sentences of 5–15 words from PQuAD *Test* contexts, shuffled (seeded); the first N PQuAD Test
questions with their raw contexts. Timed: `fa_nlp.load(RUN).predict(list)` — the code behind
`fa-nlp predict RUN --input FILE` — after a warm-up; loading the run is not timed.

Baselines (same inputs, same process, same threads):
  * word order: the 3-gram LM + beam 10 baseline (`order_words`, what `fa-nlp evaluate` reports
    as `ngram3_beam10`), and the model without fusion against the model with it;
  * QA: `fa-nlp evaluate`'s path on already-built windows (`window_logits` + post-processing):
    what predict adds is normalization, tokenization and windowing per request.
    The comparison with `transformers.pipeline("question-answering")` on the exported BERT model
    is `benchmarks/bench_export.py` (`make bench-export`); `transformers_pipeline_baseline` below
    is the hook that runs it here when asked (`--with-pipeline`).
Writes a JSON record via benchmarks/_record.py.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

LM_WEIGHT, BEAM = 0.5, 10


def _save_run(run: Path, model, cfg, task: str, tok_dir: Path) -> None:
    from fa_nlp.io import write_json
    from fa_nlp.training import checkpoint

    train_cfg = {"task": task, "data": {"prepared": ""}}
    checkpoint.save(run, 1, model, extra_state={"model_config": asdict(cfg), "config": train_cfg})
    write_json(run / "config.json", {"config": train_cfg})
    shutil.copytree(tok_dir, run / "tokenizer")


def _random_model(cfg, seed: int = 0):
    import torch

    from fa_nlp.models import build_model

    torch.manual_seed(seed)
    model = build_model(cfg)
    with torch.no_grad():  # random but not degenerate scores
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.02)
    return model


def wordorder_sentences(pquad: Path, split: str, n: int = 0, seed: int = 0) -> list[str]:
    """Sentences of 5-15 words from a PQuAD split's contexts (first n; 0 = all), words space-separated."""
    from fa_nlp.tasks.qa.examples import read_qa_examples
    from fa_nlp.text import split_sentences, words

    exs, _ = read_qa_examples(pquad / f"{split}.json")
    out, seen = [], set()
    for ctx in dict.fromkeys(e.context for e in exs):
        for s in split_sentences(ctx):
            w = words(s)
            if 5 <= len(w) <= 15 and s not in seen:
                seen.add(s)
                out.append(" ".join(w))
                if n and len(out) >= n:
                    return out
    return out


def make_wordorder_run(root: Path, pquad: Path) -> Path:
    from fa_nlp.io import write_json
    from fa_nlp.models import model_config
    from fa_nlp.tasks.wordorder.arpa import store_lm
    from fa_nlp.tasks.wordorder.baselines import NgramLM
    from fa_nlp.tokenization import train_seq2seq_tokenizer

    train = wordorder_sentences(pquad, "Validation")
    train_seq2seq_tokenizer(train, root / "wo-tok", vocab_size=8000)
    from fa_nlp.tokenization import load_tokenizer

    tok = load_tokenizer(root / "wo-tok")
    cfg = model_config("small", kind="pointer", pooling="attention", d_model=256, n_heads=4, n_encoder_layers=4,
                       n_decoder_layers=3, d_ff=1024, dropout=0.0, vocab_size=len(tok), pad_id=tok.pad_id,
                       bos_id=tok.bos_id, eos_id=tok.eos_id)
    run = root / "wo-run"
    _save_run(run, _random_model(cfg), cfg, "wordorder", root / "wo-tok")
    lm = NgramLM.train(train, order=3)
    store_lm(run, lm, {"order": 3, "train_sentences": lm.sentences, "train_file": "PQuAD Validation sentences"},
             {"data": "bench", "max_sentences": 0})
    write_json(run / "fusion.json", {"lm_weight": LM_WEIGHT, "tuned_on": None, "beam": BEAM})
    return run


def make_qa_run(root: Path, pquad: Path) -> Path:
    from fa_nlp.io import write_json
    from fa_nlp.models import model_config
    from fa_nlp.tasks.qa.examples import read_qa_examples
    from fa_nlp.tokenization import train_qa_tokenizer

    val, _ = read_qa_examples(pquad / "Validation.json")
    tok = train_qa_tokenizer(sorted({e.context for e in val}), root / "qa-tok", vocab_size=8000)
    cfg = model_config("small", kind="span", n_encoder_layers=4, n_segments=2, max_len=384,
                       vocab_size=tok.get_vocab_size(), pad_id=tok.token_to_id("[PAD]"), dropout=0.0)
    run = root / "qa-run"
    _save_run(run, _random_model(cfg), cfg, "qa", root / "qa-tok")
    write_json(run / "qa_windows.json", {"max_length": 384, "overlap": 128, "normalize": True})
    return run


CPU_SECONDS: dict[str, float] = {}  # process CPU time per timed step: the box is shared, wall time is noisy


def timed(name: str, fn, *args, **kw) -> tuple[float, object]:
    t, c = time.perf_counter(), time.process_time()
    out = fn(*args, **kw)
    CPU_SECONDS[name] = round(time.process_time() - c, 3)
    return time.perf_counter() - t, out


def bench_wordorder(run: Path, pquad: Path, n: int) -> dict:
    import fa_nlp
    from fa_nlp.tasks.wordorder.arpa import stored_lm
    from fa_nlp.tasks.wordorder.baselines import order_words
    from fa_nlp.tasks.wordorder.predict import is_permutation

    rng = random.Random(1234)
    refs = wordorder_sentences(pquad, "Test", n)
    srcs = []
    for s in refs:
        w = s.split()
        rng.shuffle(w)
        srcs.append(" ".join(w))
    p = fa_nlp.load(run, device="cpu", batch_size=64)
    p.predict(srcs[:8], beam=BEAM)  # warm-up (and the LM loaded)
    t_fused, fused = timed("wordorder_fusion", p.predict, srcs, beam=BEAM)
    t_plain, plain = timed("wordorder_no_fusion", p.predict, srcs, beam=BEAM, lm_weight=0.0)
    lm = stored_lm(run, 3)[0]
    t_ngram, ngram = timed("wordorder_ngram3", lambda: [order_words(lm, s, BEAM) for s in srcs])
    assert all(is_permutation(r["output"], s) for r, s in zip(fused + plain, srcs + srcs))
    assert all(is_permutation(o, s) for o, s in zip(ngram, srcs))
    words = sum(len(s.split()) for s in srcs)
    return {"sentences": len(srcs), "mean_words": round(words / len(srcs), 2), "beam": BEAM, "lm_weight": LM_WEIGHT,
            "predict_fusion_sentences_per_s": round(len(srcs) / t_fused, 2),
            "predict_no_fusion_sentences_per_s": round(len(srcs) / t_plain, 2),
            "baseline_ngram3_beam10_sentences_per_s": round(len(srcs) / t_ngram, 2),
            "ratio_fusion_vs_ngram3": round(t_ngram / t_fused, 3),
            "ratio_no_fusion_vs_ngram3": round(t_ngram / t_plain, 3),
            "ratio_fusion_vs_no_fusion": round(t_plain / t_fused, 3)}


def eval_path(p, exs) -> dict:
    """`fa-nlp evaluate`'s path on windows built beforehand (not timed): logits + post-processing."""
    from types import SimpleNamespace

    import numpy as np

    from fa_nlp.tasks.qa.inference import window_logits
    from fa_nlp.tasks.qa.postprocess import postprocess_predictions
    from fa_nlp.tasks.qa.windows import encode_windows, eval_offsets

    win = encode_windows([e.question.lstrip() for e in exs], [e.context for e in exs], p.tokenizer, 384, 128,
                         pad_to_max_length=False)
    zeros = np.zeros(len(win), dtype=np.int64)
    sp = SimpleNamespace(input_ids=win.input_ids, token_type_ids=win.token_type_ids, lengths=win.lengths,
                         start_positions=zeros, end_positions=zeros)
    feats = {"example_id": [exs[i].id for i in win.example_index.tolist()], "offset_mapping": eval_offsets(win)}

    def run():
        s, e = window_logits(p.model, sp, np.arange(len(win)), p.max_tokens, p.model_device)
        return postprocess_predictions(exs, feats, s, e, null_threshold=p.null_threshold)

    return {"windows": len(win), "run": run}


def transformers_pipeline_baseline(run: Path, items: list[dict]) -> dict | None:
    """Hook: questions/s of `transformers.pipeline("question-answering")` on the exported BERT-exact
    model, same questions. Implemented in benchmarks/bench_export.py (its own random BERT run and
    export); here only when `--with-pipeline` is given, else None."""
    return None


def bench_qa(run: Path, pquad: Path, n: int, with_pipeline: bool) -> dict:
    import fa_nlp
    from fa_nlp.tasks.qa.examples import read_qa_examples

    exs, _ = read_qa_examples(pquad / "Test.json")
    exs = exs[:n]
    items = [{"question": e.question, "context": e.original_context} for e in exs]
    p = fa_nlp.load(run, device="cpu")
    p.predict(items[:8])  # warm-up
    t_pred, got = timed("qa_predict", p.predict, items, batch_size=64)
    base = eval_path(p, exs)
    base["run"]()
    t_eval, ref = timed("qa_evaluate_path", base["run"])
    same = sum(g["answer"] == ref[e.id].text for g, e in zip(got, exs))
    assert all(g["answer"] == "" or it["context"][g["start"] : g["end"]] == g["answer"] for g, it in zip(got, items))
    out = {"questions": len(items), "windows": base["windows"], "max_length": 384, "overlap": 128,
           "predict_questions_per_s": round(len(items) / t_pred, 2),
           "baseline_evaluate_path_questions_per_s": round(len(items) / t_eval, 2),
           "ratio_predict_vs_evaluate_path": round(t_eval / t_pred, 3),
           "same_answers_as_evaluate_path": f"{same}/{len(items)}"}
    if with_pipeline:
        out["transformers_pipeline"] = transformers_pipeline_baseline(run, items)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sentences", type=int, default=200, help="word-order sentences (PQuAD Test, 5-15 words)")
    ap.add_argument("--questions", type=int, default=300, help="first N PQuAD Test questions")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--with-pipeline", action="store_true", help="also call transformers_pipeline_baseline")
    args = ap.parse_args(argv)

    import torch

    from benchmarks._record import real_data_root, record

    root_data = real_data_root()
    if root_data is None:
        return 2
    torch.set_num_threads(args.threads)
    tmp = Path(tempfile.mkdtemp(prefix="bench_predict_"))
    try:
        pquad = root_data / "pquad"
        wo = bench_wordorder(make_wordorder_run(tmp, pquad), pquad, args.sentences)
        print(f"word order (pointer, beam {BEAM}): {wo['predict_fusion_sentences_per_s']} sentences/s with fusion, "
              f"{wo['predict_no_fusion_sentences_per_s']} without; 3-gram LM + beam {BEAM} baseline "
              f"{wo['baseline_ngram3_beam10_sentences_per_s']} → {wo['ratio_fusion_vs_ngram3']}x / "
              f"{wo['ratio_no_fusion_vs_ngram3']}x the baseline")
        qa = bench_qa(make_qa_run(tmp, pquad), pquad, args.questions, args.with_pipeline)
        print(f"QA (span, 384/128): {qa['predict_questions_per_s']} questions/s; evaluate's path on pre-built windows "
              f"{qa['baseline_evaluate_path_questions_per_s']} → {qa['ratio_predict_vs_evaluate_path']}x "
              f"(same answers {qa['same_answers_as_evaluate_path']})")
        record("predict", {"threads": args.threads, "device": "cpu", "wordorder": wo, "qa": qa,
                           "cpu_seconds": CPU_SECONDS, "load_average": os.getloadavg(),
                           "command": "make bench-predict"})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
