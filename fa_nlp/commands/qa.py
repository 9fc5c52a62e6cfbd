"""`fa-nlp qa-stats`: QA dataset statistics (`fa-nlp build qa` is the QA task's, `fa_nlp.tasks.qa.verbs`).

    fa-nlp qa-stats pquad ../shared/data/persianqa/pqa_test.json --json stats.json

fa_nlp modules at the top; heavy third-party packages load inside the library functions that need them.
"""

from __future__ import annotations

import argparse

from fa_nlp.io import write_json
from fa_nlp.tasks.qa.build import qa_files
from fa_nlp.tasks.qa.examples import qa_stats, read_qa_examples, stats_table


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
