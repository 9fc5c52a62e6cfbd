"""`fa-nlp evaluate` (score a trained run) and `fa-nlp baseline` (word-order baselines without a model).

    fa-nlp evaluate runs/wordorder-tiny-cpu --split test --beam 5 --length-penalty 1.0 --constrained both
    fa-nlp evaluate RUN --split validation --max-sentences 500 --batch-size 128 --no-baselines
    fa-nlp baseline --dataset build/wordorder/sample --split test --ngram-order 3 --beam 10 --out baseline.json
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    from fa_nlp.config import add_config_arguments

    p = sub.add_parser("evaluate", help="decode a split with a trained run; write RUN/eval-<split>/ "
                                        "(predictions.jsonl, metrics.json, report.md, by_length.png)",
                       description="Settings: the flags below, or --config TOML plus --key=value overrides of "
                                   "any EvalConfig field (e.g. --lm_weight=0.5 --fusion=false).")
    add_config_arguments(p, "evaluation settings")
    p.add_argument("run", help="run directory written by `fa-nlp train` (or one checkpoint dir inside it)")
    p.add_argument("--split", default=None, help="default: test")
    p.add_argument("--step", type=int, default=None, help="checkpoint step (default: latest)")
    p.add_argument("--beam", type=int, default=None, help="beam size (1 = greedy only; >1 = greedy and beam); default 5")
    p.add_argument("--length-penalty", type=float, default=None,
                   help="GNMT alpha: beams ranked by logP / ((5+n)/6)**alpha (0 = raw log-probability); default 1")
    p.add_argument("--constrained", choices=["both", "on", "off"], default=None,
                   help="word-bag constrained decoding (outputs are permutations of the input words); default both")
    p.add_argument("--max-sentences", type=int, default=None, help="first N sentences only (0 = all)")
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--dataset", default=None, help="dataset dir to read the split from (default: the run's data)")
    p.add_argument("--device", default=None, help="auto | cpu | cuda")
    p.add_argument("--no-baselines", action="store_true", help="skip the shuffled and n-gram baselines")
    p.add_argument("--no-fusion", action="store_true", help="skip the shallow-fusion (+lm) systems")
    p.add_argument("--lm-weight", type=float, default=None,
                   help="fusion weight (default: chosen on the validation split and stored in RUN/fusion.json)")
    p.add_argument("--ngram-order", type=int, default=None)
    p.add_argument("--ngram-beam", type=int, default=None)
    p.add_argument("--max-lm-sentences", type=int, default=None, help="cap on n-gram LM training sentences (0 = all)")
    p.add_argument("--seed", type=int, default=None, help="seed for the sample sentences in report.md")
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


EVAL_ALIASES = {name: name for name in ("split", "step", "beam", "length_penalty", "constrained", "max_sentences",
                                        "batch_size", "dataset", "device", "lm_weight", "ngram_order", "ngram_beam",
                                        "max_lm_sentences", "seed")}
EVAL_ALIASES.update({"no_baselines": "baselines=false", "no_fusion": "fusion=false", "no_progress": "progress=false"})


QA_EVAL_ALIASES = {"split": "split", "step": "step", "max_sentences": "max_questions", "dataset": "prepared",
                   "device": "device", "seed": "seed", "no_progress": "progress=false"}


def _evaluate(args: argparse.Namespace) -> int:
    from fa_nlp.config import config_from_args
    from fa_nlp.tasks.base import run_task

    if run_task(args.run) == "qa":
        from fa_nlp.commands.qa_model import evaluate_qa

        return evaluate_qa(args, QA_EVAL_ALIASES)
    from fa_nlp.tasks.wordorder.evaluate import EvalConfig, all_systems, evaluate_run

    cfg = config_from_args(EvalConfig, args, aliases=EVAL_ALIASES)
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

    from fa_nlp.metrics.generation import generation_scores
    from fa_nlp.tasks.wordorder.baselines import NgramLM, ngram_baseline, shuffled_baseline
    from fa_nlp.tasks.wordorder.evaluate import read_split
    from fa_nlp.tasks.wordorder.prepare import split_file

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
