"""`fa-nlp build ...`: dataset builders (word order here; `fa-nlp build qa` is added by commands.qa).

    fa-nlp build wordorder --corpus sample --out build/wordorder/sample
    fa-nlp build wordorder --config fa_nlp/configs/wordorder-fa_text.toml --num-proc 2
    fa-nlp build wordorder --corpus fa_text/parsinlu --test-min-words 5 --test-max-words 15 --seed=3
    fa-nlp build wordorder --corpus 'notes/*.txt' --corpus my_corpus_dir/ --out build/wordorder/mine

Settings: `--config` TOML first, then the named flags (aliases of config keys), then any
`--KEY=VALUE` (`fa_nlp.config.add_config_arguments`); `--set KEY=VALUE` is the old spelling.
Only argparse at import time; the builder is imported inside the handler.
"""

from __future__ import annotations

import argparse
import importlib

from fa_nlp.config import add_config_arguments

# config keys that also have a named flag (`--split-seed 3` = `--split_seed=3`); values are parsed by the
# config schema, so TOML and CLI agree on types
_WORDORDER_KEYS = (
    "seed", "split_seed", "shuffles_per_sentence", "eval_shuffles_per_sentence", "min_words", "max_words",
    "validation_min_words", "validation_max_words", "test_min_words", "test_max_words", "split", "punctuation",
    "min_persian_ratio", "num_proc", "shard_size",
)
_WORDORDER_HELP = {
    "split_seed": "seed of the document→split hash (default: --seed)",
    "shuffles_per_sentence": "shuffled copies per training sentence",
    "eval_shuffles_per_sentence": "the same for validation/test",
    "split": "document ratios, e.g. 0.9,0.05,0.05",
    "punctuation": "detach | keep | drop",
    "num_proc": "worker processes (output is identical for any value)",
    "shard_size": "documents per work unit",
}
_WORDORDER_METAVAR = {"seed": "SEED", "split_seed": "SEED", "shuffles_per_sentence": "K", "eval_shuffles_per_sentence": "K",
                      "split": "TRAIN,VAL,TEST", "punctuation": "POLICY", "min_persian_ratio": "RATIO"}
WORDORDER_ALIASES = {
    "corpus": "corpora",
    **{k: k for k in _WORDORDER_KEYS},
    "keep_urls": "drop_urls=false",
    "no_dedup": "dedup=false",
    "lenient": "lenient=true",
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
        "a README.md dataset card. A rebuild with unchanged inputs/config/code is a no-op. Every field of "
        "WordOrderConfig can be set with --KEY=VALUE.",
        allow_abbrev=False,
    )
    add_config_arguments(w, "word-order config")
    w.add_argument("--corpus", action="extend", nargs="+", default=None, metavar="NAME|PATH",
                   help="catalog name or selection (sample, fa_text/parsinlu, fa_text:A+B), file, directory "
                   "(its *.txt files) or quoted glob ('notes/*.txt'); repeatable")
    w.add_argument("--out", default=None, metavar="DIR", help="output directory (default build/wordorder/<corpora>)")
    for key in _WORDORDER_KEYS:
        w.add_argument("--" + key.replace("_", "-"), dest=key, metavar=_WORDORDER_METAVAR.get(key, "N"),
                       help=_WORDORDER_HELP.get(key))
    w.add_argument("--keep-urls", action="store_true", help="do not drop sentences with URLs/e-mails")
    w.add_argument("--no-dedup", action="store_true", help="keep exact duplicate sentences")
    w.add_argument("--lenient", action="store_true", help="skip and count malformed input lines instead of stopping")
    w.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="deprecated: use --KEY=VALUE")
    w.add_argument("--force", action="store_true", help="rebuild even when the output is up to date")
    w.add_argument("--no-progress", action="store_true")
    w.set_defaults(func=run_wordorder)


def run_wordorder(args: argparse.Namespace) -> int:
    from fa_nlp.config import config_from_args
    from fa_nlp.tasks.wordorder.build import WordOrderConfig, build, default_out_dir

    _exit_cleanly_on_sigterm()
    cfg = config_from_args(WordOrderConfig, args, WORDORDER_ALIASES, extra=args.set)
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
