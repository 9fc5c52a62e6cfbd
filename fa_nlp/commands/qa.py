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
    p.add_argument("sources", nargs="+", metavar="FILE|NAME[:SPLIT]",
                   help="SQuAD json/jsonl file, or catalog name (pquad = all its splits) or NAME:SPLIT")
    p.add_argument("--normalize", action="store_true", help="count words after fa_nlp.text.normalize (slower)")
    p.add_argument("--lenient", action="store_true", help="skip and count malformed records instead of stopping")
    p.add_argument("--json", metavar="PATH", help="also write the numbers as JSON here")
    p.set_defaults(func=_stats)


def _expand(source: str) -> list[tuple[str, str]]:
    from pathlib import Path

    if Path(source).is_file() or ":" in source:
        from fa_nlp.data.qa_build import resolve_spec

        path = resolve_spec(source, "eval")
        return [(source, str(path))]
    from fa_nlp.data.qa_build import split_files

    return [(f"{source}:{split}", str(path)) for split, path in split_files(source).items()]


def _stats(args: argparse.Namespace) -> int:
    import json

    from fa_nlp.data.qa import qa_stats, read_qa_examples, stats_table
    from fa_nlp.io import write_json

    stats, reading = {}, {}
    for source in args.sources:
        for name, path in _expand(source):
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


def register_build(build_subparsers: argparse._SubParsersAction) -> None:
    b = build_subparsers.add_parser(
        "qa",
        help="SQuAD-style QA → validated examples → windowed train/eval features (run_qa.py layout)",
        description="Writes hf/ (DatasetDict train/eval features), examples/, report.json, manifest.json and "
        "README.md. --overlap is the number of tokens consecutive windows share (HF stride; run_qa.py's "
        "--doc_stride), not the step between windows.",
    )
    b.add_argument("--dataset", default="", metavar="NAME|FILE",
                   help="catalog name (train = its validation/train split, eval = its test split) or a file (both)")
    b.add_argument("--train", default="", metavar="NAME:SPLIT|FILE", help="source of the train features")
    b.add_argument("--eval", default="", metavar="NAME:SPLIT|FILE", help="source of the eval features")
    b.add_argument("--tokenizer", required=True, metavar="tokenizer.json", help="fast tokenizer (file or directory)")
    b.add_argument("--max-length", type=int, default=384, help="tokens per window (default 384)")
    b.add_argument("--overlap", type=int, default=128, help="tokens shared by consecutive windows (default 128)")
    b.add_argument("--no-pad", action="store_true", help="variable-length rows instead of padding to --max-length")
    b.add_argument("--no-normalize", action="store_true", help="keep raw text (what run_qa.py sees; parity)")
    b.add_argument("--lenient", action="store_true", help="skip and count malformed records instead of stopping")
    b.add_argument("--batch-size", type=int, default=4000, help="examples per feature batch")
    b.add_argument("--force", action="store_true", help="rebuild even when up to date")
    b.add_argument("--out", required=True, metavar="DIR")
    b.set_defaults(func=_build)


def _build(args: argparse.Namespace) -> int:
    from fa_nlp.data.qa_build import QABuildConfig, build

    cfg = QABuildConfig(
        dataset=args.dataset, train=args.train, eval=args.eval, tokenizer=args.tokenizer,
        max_length=args.max_length, overlap=args.overlap, pad_to_max_length=not args.no_pad,
        normalize=not args.no_normalize, lenient=args.lenient, batch_size=args.batch_size,
    )
    build(cfg, args.out, force=args.force)
    return 0
