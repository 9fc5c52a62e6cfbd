"""`fa-nlp build ...`: dataset builders (word order here; `fa-nlp build qa` is added by commands.qa).

    fa-nlp build wordorder --corpus sample --out build/wordorder/sample
    fa-nlp build wordorder --config fa_nlp/configs/wordorder-fa_text.toml --num-proc 2
    fa-nlp build wordorder --corpus fa_text/parsinlu --test-min-words 5 --test-max-words 15 --set seed=3

Every option is a config override: `--config` TOML first, then the named flags, then `--set KEY=VALUE`.
Only argparse at import time; the builder is imported inside the handler.
"""

from __future__ import annotations

import argparse
import importlib

# flag → config field (value parsed by the config schema, so TOML and CLI agree on types)
_WORDORDER_FLAGS = {
    "seed": "seed",
    "split_seed": "split_seed",
    "shuffles_per_sentence": "shuffles_per_sentence",
    "eval_shuffles_per_sentence": "eval_shuffles_per_sentence",
    "min_words": "min_words",
    "max_words": "max_words",
    "validation_min_words": "validation_min_words",
    "validation_max_words": "validation_max_words",
    "test_min_words": "test_min_words",
    "test_max_words": "test_max_words",
    "split": "split",
    "punctuation": "punctuation",
    "min_persian_ratio": "min_persian_ratio",
    "num_proc": "num_proc",
    "shard_size": "shard_size",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("build", help="build datasets (word order, QA)")
    sub = p.add_subparsers(dest="build_command", metavar="DATASET")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
    _register_wordorder(sub)
    try:
        qa = importlib.import_module("fa_nlp.commands.qa")
    except ModuleNotFoundError as e:
        if e.name != "fa_nlp.commands.qa":
            raise
        return
    if hasattr(qa, "register_build"):
        qa.register_build(sub)


def _register_wordorder(sub: argparse._SubParsersAction) -> None:
    w = sub.add_parser(
        "wordorder",
        help="shuffled words → ordered sentence pairs (split by document, deduplicated, seeded)",
        description="Build the word-order dataset: Parquet per split, HF DatasetDict (hf/), manifest.json and "
        "a README.md dataset card. A rebuild with unchanged inputs/config/code is a no-op.",
    )
    w.add_argument("--corpus", action="extend", nargs="+", default=None, metavar="NAME|PATH",
                   help="catalog name (e.g. fa_text/parsinlu, sample) or path; repeatable")
    w.add_argument("--config", default=None, metavar="TOML", help="named config (e.g. fa_nlp/configs/wordorder-*.toml)")
    w.add_argument("--out", default=None, metavar="DIR", help="output directory (default build/wordorder/<corpora>)")
    w.add_argument("--seed", type=int)
    w.add_argument("--split-seed", type=int, help="seed of the document→split hash (default: --seed)")
    w.add_argument("--shuffles-per-sentence", type=int, metavar="K", help="shuffled copies per training sentence")
    w.add_argument("--eval-shuffles-per-sentence", type=int, metavar="K", help="the same for validation/test")
    w.add_argument("--min-words", type=int)
    w.add_argument("--max-words", type=int)
    w.add_argument("--validation-min-words", type=int)
    w.add_argument("--validation-max-words", type=int)
    w.add_argument("--test-min-words", type=int)
    w.add_argument("--test-max-words", type=int)
    w.add_argument("--split", metavar="TRAIN,VAL,TEST", help="document ratios, e.g. 0.9,0.05,0.05")
    w.add_argument("--punctuation", choices=("detach", "keep", "drop"))
    w.add_argument("--min-persian-ratio", type=float)
    w.add_argument("--keep-urls", action="store_true", help="do not drop sentences with URLs/e-mails")
    w.add_argument("--no-dedup", action="store_true", help="keep exact duplicate sentences")
    w.add_argument("--lenient", action="store_true", help="skip and count malformed input lines instead of stopping")
    w.add_argument("--num-proc", type=int, help="worker processes (output is identical for any value)")
    w.add_argument("--shard-size", type=int, help="documents per work unit")
    w.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="any config field")
    w.add_argument("--force", action="store_true", help="rebuild even when the output is up to date")
    w.add_argument("--no-progress", action="store_true")
    w.set_defaults(func=run_wordorder)


def wordorder_overrides(args: argparse.Namespace) -> list[str]:
    out = []
    if args.corpus:
        out.append("corpora=" + ",".join(args.corpus))
    for flag, key in _WORDORDER_FLAGS.items():
        value = getattr(args, flag, None)
        if value is not None:
            out.append(f"{key}={value}")
    if args.keep_urls:
        out.append("drop_urls=false")
    if args.no_dedup:
        out.append("dedup=false")
    if args.lenient:
        out.append("lenient=true")
    return out + list(args.set)


def run_wordorder(args: argparse.Namespace) -> int:
    from fa_nlp.config import load_config
    from fa_nlp.data.wordorder import WordOrderConfig, build, default_out_dir

    _exit_cleanly_on_sigterm()
    cfg = load_config(WordOrderConfig, args.config, wordorder_overrides(args))
    out = args.out or default_out_dir(cfg)
    dsd = build(cfg, out, force=args.force, progress=not args.no_progress, log=print)
    print(f"wordorder: {out}: " + ", ".join(f"{s}={len(dsd[s])}" for s in dsd))
    return 0


def _exit_cleanly_on_sigterm() -> None:
    """`kill PID` raises SystemExit instead of dying mid-write, so the atomic publish removes its temp
    directory (Ctrl-C already does this through KeyboardInterrupt)."""
    import signal
    import sys

    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
