"""The word-order task's command-line verbs: `fa-nlp build wordorder`, `prepare wordorder`, `evaluate RUN`.

    fa-nlp build wordorder --corpus sample --out build/wordorder/sample
    fa-nlp build wordorder --config fa_nlp/configs/wordorder-fa_text.toml --num-proc 2
    fa-nlp build wordorder --config fa_nlp/configs/wordorder-fa_text.toml --engine dask --address tcp://HEAD:8786
    fa-nlp build wordorder --corpus 'notes/*.txt' --corpus my_corpus_dir/ --test-min-words 5 --seed=3
    fa-nlp prepare wordorder --dataset build/wordorder/sample --tokenizer build/tok/sample --out build/prepared/sample
    fa-nlp evaluate runs/wordorder-tiny-cpu --split test --beam 5 --length-penalty 1.0 --constrained both

Settings: `--config` TOML first, then the named flags (aliases of config keys), then any
`--KEY=VALUE` (`fa_nlp.config.add_config_arguments`). Why here and not in `fa_nlp/commands/`: the
CLI is generated from the task registry (`WordOrderTask.add_*_arguments` call these), so a task's
flags live with the task.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys

from fa_nlp.config import add_config_arguments, config_from_args
from fa_nlp.tasks.wordorder.build import WordOrderConfig, build, default_out_dir
from fa_nlp.tasks.wordorder.evaluate import EvalConfig, evaluate_run
from fa_nlp.tasks.wordorder.prepare import prepare
from fa_nlp.tasks.wordorder.report import all_systems

# ---------------------------------------------------------------- build

# config keys that also have a named flag (`--split-seed 3` = `--split_seed=3`); values are parsed by the
# config schema, so TOML and CLI agree on types
_BUILD_KEYS = (
    "seed", "split_seed", "shuffles_per_sentence", "eval_shuffles_per_sentence", "min_words", "max_words",
    "validation_min_words", "validation_max_words", "test_min_words", "test_max_words", "split", "punctuation",
    "min_persian_ratio", "num_proc", "shard_size", "engine", "address",
)
_BUILD_HELP = {
    "split_seed": "seed of the document→split hash (default: --seed)",
    "shuffles_per_sentence": "shuffled copies per training sentence",
    "eval_shuffles_per_sentence": "the same for validation/test",
    "split": "document ratios, e.g. 0.9,0.05,0.05",
    "punctuation": "detach | keep | drop",
    "num_proc": "workers: local processes, or the local Dask cluster's (output is identical for any value)",
    "shard_size": "documents per work unit",
    "engine": "local (default) | dask (pip install 'fa-nlp[dask]'; same output, byte for byte)",
    "address": "Dask scheduler of a running cluster, e.g. tcp://HEAD:8786 (with --engine dask)",
}
_BUILD_METAVAR = {"engine": "ENGINE", "address": "ADDRESS", "seed": "SEED", "split_seed": "SEED", "shuffles_per_sentence": "K", "eval_shuffles_per_sentence": "K",
                  "split": "TRAIN,VAL,TEST", "punctuation": "POLICY", "min_persian_ratio": "RATIO"}
BUILD_ALIASES = {
    "corpus": "corpora",
    **{k: k for k in _BUILD_KEYS},
    "keep_urls": "drop_urls=false",
    "no_dedup": "dedup=false",
    "lenient": "lenient=true",
}
BUILD_DESCRIPTION = (
    "Build the word-order dataset: Parquet per split, HF DatasetDict (hf/), manifest.json and a README.md "
    "dataset card. A rebuild with unchanged inputs/config/code is a no-op. Every field of WordOrderConfig "
    "can be set with --KEY=VALUE.")


def add_build_arguments(w: argparse.ArgumentParser) -> None:
    add_config_arguments(w, "word-order config")
    w.add_argument("--corpus", action="extend", nargs="+", default=None, metavar="NAME|PATH",
                   help="catalog name or selection (sample, fa_text/parsinlu, fa_text:A+B), file, directory "
                   "(its *.txt files) or quoted glob ('notes/*.txt'); repeatable")
    w.add_argument("--out", default=None, metavar="DIR", help="output directory (default build/wordorder/<corpora>)")
    for key in _BUILD_KEYS:
        w.add_argument("--" + key.replace("_", "-"), dest=key, metavar=_BUILD_METAVAR.get(key, "N"),
                       help=_BUILD_HELP.get(key))
    w.add_argument("--keep-urls", action="store_true", help="do not drop sentences with URLs/e-mails")
    w.add_argument("--no-dedup", action="store_true", help="keep exact duplicate sentences")
    w.add_argument("--lenient", action="store_true", help="skip and count malformed input lines instead of stopping")
    w.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="deprecated: use --KEY=VALUE")
    w.add_argument("--force", action="store_true", help="rebuild even when the output is up to date")
    w.add_argument("--no-progress", action="store_true")


def build_main(args: argparse.Namespace) -> int:
    _exit_cleanly_on_sigterm()
    cfg = config_from_args(WordOrderConfig, args, BUILD_ALIASES, extra=args.set)
    out = args.out or default_out_dir(cfg)
    dsd = build(cfg, out, force=args.force, progress=not args.no_progress, log=print)
    print(f"wordorder: {out}: " + ", ".join(f"{s}={len(dsd[s])}" for s in dsd))
    return 0


def _exit_cleanly_on_sigterm() -> None:
    """`kill PID` raises SystemExit instead of dying mid-write, so the atomic publish removes its temp
    directory (Ctrl-C already does this through KeyboardInterrupt)."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


# ---------------------------------------------------------------- prepare


def add_prepare_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dataset", required=True, help="dir with parquet/{split}.parquet or {split}.jsonl")
    p.add_argument("--tokenizer", required=True, help="seq2seq tokenizer dir (fa-nlp tokenizer train)")
    p.add_argument("--out", required=True)
    p.add_argument("--max-len", type=int, default=256, help="skip (and count) longer pairs, in tokens")
    p.add_argument("--src-column", default=None, help="default: shuffled (parquet) / src (jsonl)")
    p.add_argument("--tgt-column", default=None, help="default: ordered (parquet) / tgt (jsonl)")
    p.add_argument("--json", action="store_true", help="print the whole manifest as JSON")


def prepare_main(args: argparse.Namespace) -> int:
    out = prepare(args.dataset, args.tokenizer, args.out, max_len=args.max_len, src_column=args.src_column,
                  tgt_column=args.tgt_column)
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    for split, c in out.get("counts", {}).items():
        extra = {k: v for k, v in c.items() if k not in ("pairs", "src_tokens", "tgt_tokens")}
        print(f"prepare: {split}: {c.get('pairs')} pairs, {c.get('src_tokens')} source / {c.get('tgt_tokens')} "
              f"target tokens" + (f", {extra}" if extra else ""))
    print(f"prepare: arrays written to {args.out}")
    return 0


# ---------------------------------------------------------------- evaluate

EVAL_ALIASES = {name: name for name in ("split", "step", "beam", "length_penalty", "constrained", "max_sentences",
                                        "batch_size", "dataset", "device", "lm_weight", "ngram_order", "ngram_beam",
                                        "max_lm_sentences", "seed")}
EVAL_ALIASES.update({"no_baselines": "baselines=false", "no_fusion": "fusion=false", "no_progress": "progress=false"})


def add_eval_arguments(p: argparse.ArgumentParser) -> None:
    add_config_arguments(p, "evaluation settings (any EvalConfig field, e.g. --lm_weight=0.5 --fusion=false)")
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


def evaluate_main(run_dir, args: argparse.Namespace) -> int:
    cfg = config_from_args(EvalConfig, args, aliases=EVAL_ALIASES)
    m = evaluate_run(run_dir, cfg)
    print(f"{m['split']}: {m['n']} sentences from {m['data']}")
    for name, s in all_systems(m).items():
        print(f"  {name:28s} EM {s['em']:6.2f}  BLEU {s['bleu']:6.2f}  chrF {s['chrf']:6.2f}")
    print(f"written: {m['out_dir']}/ (report.md, metrics.json, predictions.jsonl"
          + (")" if m.get("plot") else ", by_length.png)"))
    if m.get("plot"):
        print(f"note: {m['plot']}")
    return 0
