"""`fa-nlp evaluate` (score a trained run) and `fa-nlp baseline` (word-order baselines without a model).

    fa-nlp evaluate runs/wordorder-tiny-cpu --split test --beam 5 --length-penalty 1.0 --constrained both
    fa-nlp evaluate RUN --split validation --max-sentences 500 --batch-size 128 --no-baselines
    fa-nlp baseline --dataset build/wordorder/sample --split test --ngram-order 3 --beam 10 --out baseline.json
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="decode a split with a trained run; write RUN/eval-<split>/ "
                                        "(predictions.jsonl, metrics.json, report.md, by_length.png)")
    p.add_argument("run", help="run directory written by `fa-nlp train` (or one checkpoint dir inside it)")
    p.add_argument("--split", default="test")
    p.add_argument("--step", type=int, default=None, help="checkpoint step (default: latest)")
    p.add_argument("--beam", type=int, default=5, help="beam size (1 = greedy only; >1 = greedy and beam)")
    p.add_argument("--length-penalty", type=float, default=1.0,
                   help="GNMT alpha: beams ranked by logP / ((5+n)/6)**alpha (0 = raw log-probability)")
    p.add_argument("--constrained", choices=["both", "on", "off"], default="both",
                   help="word-bag constrained decoding (outputs are permutations of the input words)")
    p.add_argument("--max-sentences", type=int, default=0, help="first N sentences only (0 = all)")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--dataset", default=None, help="dataset dir to read the split from (default: the run's data)")
    p.add_argument("--device", default="auto", help="auto | cpu | cuda")
    p.add_argument("--no-baselines", action="store_true", help="skip the shuffled and n-gram baselines")
    p.add_argument("--ngram-order", type=int, default=3)
    p.add_argument("--ngram-beam", type=int, default=10)
    p.add_argument("--max-lm-sentences", type=int, default=0, help="cap on n-gram LM training sentences (0 = all)")
    p.add_argument("--seed", type=int, default=1234, help="seed for the sample sentences in report.md")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=_evaluate)

    b = sub.add_parser("baseline", help="word-order baselines (shuffled input; n-gram LM + beam search) on a split")
    b.add_argument("--dataset", required=True, help="dataset dir with parquet/<split>.parquet or <split>.jsonl")
    b.add_argument("--split", default="test")
    b.add_argument("--ngram-order", type=int, default=3)
    b.add_argument("--beam", type=int, default=10)
    b.add_argument("--max-sentences", type=int, default=0)
    b.add_argument("--max-lm-sentences", type=int, default=0)
    b.add_argument("--out", default=None, help="write the scores as JSON here")
    b.set_defaults(func=_baseline)


def _evaluate(args: argparse.Namespace) -> int:
    from fa_nlp.evaluate import EvalConfig, all_systems, evaluate_run

    cfg = EvalConfig(split=args.split, beam=args.beam, length_penalty=args.length_penalty,
                     constrained=args.constrained, max_sentences=args.max_sentences, batch_size=args.batch_size,
                     step=args.step, dataset=args.dataset, device=args.device, baselines=not args.no_baselines,
                     ngram_order=args.ngram_order, ngram_beam=args.ngram_beam,
                     max_lm_sentences=args.max_lm_sentences, seed=args.seed, progress=not args.no_progress)
    m = evaluate_run(args.run, cfg)
    print(f"{m['split']}: {m['n']} sentences from {m['data']}")
    for name, s in all_systems(m).items():
        print(f"  {name:28s} EM {s['em']:6.2f}  BLEU {s['bleu']:6.2f}  chrF {s['chrf']:6.2f}")
    print(f"written: {m['out_dir']}/ (report.md, metrics.json, predictions.jsonl"
          + (")" if m.get("plot") else ", by_length.png)"))
    if m.get("plot"):
        print(f"note: {m['plot']}")
    return 0


def _baseline(args: argparse.Namespace) -> int:
    from pathlib import Path

    from fa_nlp.baselines import NgramLM, ngram_baseline, shuffled_baseline
    from fa_nlp.evaluate import read_split
    from fa_nlp.metrics.generation import generation_scores
    from fa_nlp.seq2seq_data import split_file

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
        from fa_nlp.io import write_json

        write_json(args.out, out)
        print(f"written: {args.out}")
    return 0
