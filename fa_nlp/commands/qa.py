"""`fa-nlp qa-stats` and `fa-nlp build qa`: QA dataset statistics and windowed features.

    fa-nlp qa-stats pquad ../shared/data/persianqa/pqa_test.json --json stats.json
    fa-nlp build qa --dataset pquad --tokenizer build/tok/qa/tokenizer.json --out build/qa/pquad
    fa-nlp build qa --train pquad:validation --eval pquad:test --tokenizer tok.json --max-length 128 --overlap 32 \\
        --no-normalize --out build/qa/pquad-128

Only argparse at import time; the library is imported inside the handlers.
"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "qa-stats",
        help="questions, unanswerable share and word lengths of QA files (SQuAD-style)",
        description="Per split: total questions, unanswerable, answerability %%, min/max/avg words of "
        "context, question and answer. Also validates answer offsets (read = kept + fixed + skipped).",
    )
    p.add_argument("sources", nargs="+", metavar="FILE|DIR|NAME[:SPLIT]",
                   help="SQuAD json/jsonl file, a directory or quoted glob of them, a catalog name "
                   "(pquad = all its splits) or NAME:SPLIT")
    p.add_argument("--normalize", action="store_true", help="count words after fa_nlp.text.normalize (slower)")
    p.add_argument("--lenient", action="store_true", help="skip and count malformed records instead of stopping")
    p.add_argument("--json", metavar="PATH", help="also write the numbers as JSON here")
    p.set_defaults(func=_stats)


def _stats(args: argparse.Namespace) -> int:
    import json

    from fa_nlp.io import write_json
    from fa_nlp.tasks.qa.build import qa_files
    from fa_nlp.tasks.qa.examples import qa_stats, read_qa_examples, stats_table

    stats, reading = {}, {}
    for source in args.sources:
        for name, path in qa_files(source):
            examples, report = read_qa_examples(path, normalize=args.normalize, lenient=args.lenient)
            stats[name], reading[name] = qa_stats(examples), report.to_dict()
            print(f"{name}: {report.summary()}")
    print()
    print(stats_table(stats))
    if args.json:
        write_json(args.json, {"stats": stats, "reading": reading})
    else:
        print()
        print(json.dumps(stats, ensure_ascii=False))
    return 0


# flag → config key (or fixed key=value for a switch); every other QABuildConfig field: --KEY=VALUE
BUILD_ALIASES = {
    "dataset": "dataset", "train": "train", "eval": "eval", "tokenizer": "tokenizer", "max_length": "max_length",
    "overlap": "overlap", "batch_size": "batch_size", "no_pad": "pad_to_max_length=false",
    "no_normalize": "normalize=false", "lenient": "lenient=true",
}


def register_build(build_subparsers: argparse._SubParsersAction) -> None:
    from fa_nlp.config import add_config_arguments

    b = build_subparsers.add_parser(
        "qa",
        help="SQuAD-style QA → validated examples → windowed train/eval features (run_qa.py layout)",
        description="Writes hf/ (DatasetDict train/eval features), examples/, report.json, manifest.json and "
        "README.md. --overlap is the number of tokens consecutive windows share (HF stride; run_qa.py's "
        "--doc_stride), not the step between windows. Every field of QABuildConfig can be set with --KEY=VALUE; "
        "defaults are the config's (max_length 384, overlap 128).",
        allow_abbrev=False,
    )
    add_config_arguments(b, "QA build config")
    b.add_argument("--dataset", metavar="NAME|FILE",
                   help="catalog name (train = its validation/train split, eval = its test split) or a file (both)")
    b.add_argument("--train", metavar="NAME:SPLIT|FILE", help="source of the train features")
    b.add_argument("--eval", metavar="NAME:SPLIT|FILE", help="source of the eval features")
    b.add_argument("--tokenizer", metavar="tokenizer.json", help="fast tokenizer (file or directory); required")
    b.add_argument("--max-length", help="tokens per window")
    b.add_argument("--overlap", help="tokens shared by consecutive windows")
    b.add_argument("--no-pad", action="store_true", help="variable-length rows instead of padding to --max-length")
    b.add_argument("--no-normalize", action="store_true", help="keep raw text (what run_qa.py sees; parity)")
    b.add_argument("--lenient", action="store_true", help="skip and count malformed records instead of stopping")
    b.add_argument("--batch-size", help="examples per feature batch")
    b.add_argument("--force", action="store_true", help="rebuild even when up to date")
    b.add_argument("--out", required=True, metavar="DIR")
    b.set_defaults(func=_build)


def _build(args: argparse.Namespace) -> int:
    from fa_nlp.config import config_from_args
    from fa_nlp.tasks.qa.build import QABuildConfig, build

    cfg = config_from_args(QABuildConfig, args, BUILD_ALIASES)
    if not cfg.tokenizer:
        raise ValueError("no tokenizer: give --tokenizer (a tokenizer.json or its directory) or tokenizer= in --config")
    build(cfg, args.out, force=args.force)
    return 0
