"""The MLM task's command-line verb: `fa-nlp prepare mlm` (plain text + a tokenizer → packed token rows).

    fa-nlp prepare mlm --text fa_text:A+B --tokenizer build/tok/qa --out build/mlm/prepared --max-len 128 \
        [--exclude build/qa/pquad/prepared/dev.contexts.jsonl build/qa/pquad/prepared/test.contexts.jsonl]

Why here: the CLI is generated from the task registry (`MLMTask.add_prepare_arguments` calls this).
`--qa-prepared DIR` (until now: tokenizer, extra text and exclusions from a prepared QA folder) still works
for one release as a deprecated alias of `--tokenizer DIR/tokenizer`, and says so.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from fa_nlp.data.decontaminate import DEFAULT_HELD_OUT
from fa_nlp.tasks.mlm.prepare import prepare_mlm


def add_prepare_arguments(m: argparse.ArgumentParser) -> None:
    m.add_argument("--text", nargs="+", default=["fa_text:A+B"], metavar="SOURCE",
                   help="text sources, read in order: corpus name / selection / file (read_documents), or a "
                        "*.contexts.jsonl a QA build writes (default: %(default)s)")
    m.add_argument("--tokenizer", help="QA-family tokenizer folder (fa-nlp tokenizer train --family qa) or its "
                                       "tokenizer.json; copied into --out")
    m.add_argument("--exclude", nargs="+", default=[], metavar="SOURCE",
                   help="texts to keep out (a QA folder's dev/test contexts, say): a document sharing a 13-word "
                        "run with any of them is dropped and counted")
    m.add_argument("--include", nargs="+", default=[], metavar="SOURCE",
                   help="texts added after --text as they are, neither normalized nor decontaminated: the "
                        "fine-tuning task's own training text (a QA folder's train.contexts.jsonl)")
    m.add_argument("--qa-prepared", help="deprecated: means --tokenizer QA_PREPARED/tokenizer")
    m.add_argument("--out", required=True)
    m.add_argument("--max-len", type=int, default=128, help="tokens per row, [CLS] and [SEP] included")
    m.add_argument("--dev-docs", type=int, default=200, help="documents held out for the dev loss")
    m.add_argument("--max-docs", type=int, default=0, help="first N documents of each text source only (0 = all)")
    m.add_argument("--normalize", choices=["yes", "no"], default="yes",
                   help="fa_nlp.text.normalize the text (the form a QA build gives its contexts by default)")
    m.add_argument("--lenient", action="store_true", help="skip and count unreadable lines")
    m.add_argument("--held-out", nargs="+", default=list(DEFAULT_HELD_OUT), metavar="SET",
                   help="evaluation sets whose text (13-word runs) leaves the pretraining text: catalog, "
                        "wordorder:BUILD_DIR_OR_CONFIG, or none (default: %(default)s)")
    m.add_argument("--seed", type=int, default=1234)
    m.add_argument("--json", action="store_true")


def _tokenizer(args: argparse.Namespace) -> str:
    """`--tokenizer`, or the deprecated `--qa-prepared DIR` read as `DIR/tokenizer` with a note naming
    the replacement (stderr: stdout is for results)."""
    if args.tokenizer and args.qa_prepared:
        raise ValueError("prepare mlm: give --tokenizer or the deprecated --qa-prepared, not both")
    if args.tokenizer:
        return args.tokenizer
    if not args.qa_prepared:
        raise ValueError("prepare mlm: give --tokenizer DIR (a QA-family tokenizer, fa-nlp tokenizer train --family qa)")
    qa = Path(args.qa_prepared)
    print(f"prepare mlm: --qa-prepared is deprecated and will be removed in the next release; it now means only "
          f"`--tokenizer {qa / 'tokenizer'}`. Its contexts no longer join or leave the MLM text on their own: for the "
          f"old rows add `--include {qa / 'train.contexts.jsonl'}` and "
          f"`--exclude {qa / 'dev.contexts.jsonl'} {qa / 'test.contexts.jsonl'}`", file=sys.stderr)
    return str(qa / "tokenizer")


def prepare_main(args: argparse.Namespace) -> int:
    meta = prepare_mlm(args.text, _tokenizer(args), args.out, exclude=args.exclude, include=args.include, max_len=args.max_len,
                       dev_docs=args.dev_docs, max_docs=args.max_docs, normalize=args.normalize == "yes",
                       lenient=args.lenient, seed=args.seed, held_out=args.held_out)
    if args.json:
        print(json.dumps(meta, ensure_ascii=False, indent=2))
    print(f"prepare mlm: arrays written to {args.out}")
    return 0
