"""`fa-nlp baseline`: word-order baselines without a model (`fa-nlp evaluate RUN` is generated from the
task registry: `fa_nlp.commands.tasks`, flags in `fa_nlp.tasks.<task>.verbs`).

    fa-nlp baseline --dataset build/wordorder/sample --split test --ngram-order 3 --beam 10 --out baseline.json
"""

from __future__ import annotations

import argparse

from fa_nlp.io import write_json
from fa_nlp.metrics.generation import generation_scores
from fa_nlp.tasks.wordorder.baselines import NgramLM, ngram_baseline, shuffled_baseline
from fa_nlp.tasks.wordorder.evaluate import read_split
from fa_nlp.tasks.wordorder.prepare import split_file


def register(sub: argparse._SubParsersAction) -> None:
    b = sub.add_parser("baseline", help="word-order baselines (shuffled input; n-gram LM + beam search) on a split")
    b.add_argument("--dataset", required=True, help="dataset dir with parquet/<split>.parquet or <split>.jsonl")
    b.add_argument("--split", default="test")
    b.add_argument("--ngram-order", type=int, default=3)
    b.add_argument("--beam", type=int, default=10)
    b.add_argument("--max-sentences", type=int, default=0)
    b.add_argument("--max-lm-sentences", type=int, default=0)
    b.add_argument("--out", default=None, help="write the scores as JSON here")
    b.set_defaults(func=_baseline)


def _baseline(args: argparse.Namespace) -> int:
    from pathlib import Path

    ds = Path(args.dataset)
    test_file, train_file = split_file(ds, args.split), split_file(ds, "train")
    if test_file is None or train_file is None:
        raise FileNotFoundError(f"{ds}: needs a train and a {args.split} split (parquet/<split>.parquet or <split>.jsonl)")
    rows = read_split(test_file, args.max_sentences)
    srcs, refs, lens = [r["src"] for r in rows], [r["tgt"] for r in rows], [r["n_words"] for r in rows]
    lm = NgramLM.train((r["tgt"] for r in read_split(train_file, args.max_lm_sentences)), order=args.ngram_order)
    out = {"data": str(test_file), "n": len(rows), "shuffled": generation_scores(shuffled_baseline(srcs), refs, lens),
           f"ngram{args.ngram_order}_beam{args.beam}": generation_scores(
               ngram_baseline(lm, srcs, args.beam, progress=True), refs, lens)}
    for k in ("shuffled", f"ngram{args.ngram_order}_beam{args.beam}"):
        print(f"{k:20s} EM {out[k]['em']:6.2f}  BLEU {out[k]['bleu']:6.2f}  chrF {out[k]['chrf']:6.2f}")
    if args.out:
        write_json(args.out, out)
        print(f"written: {args.out}")
    return 0
