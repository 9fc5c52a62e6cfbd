"""The MLM task's command-line verb: `fa-nlp prepare mlm` (plain text → packed token rows).

    fa-nlp prepare mlm --text fa_text:A+B --qa-prepared build/qa/prepared --out build/mlm/prepared --max-len 128

Why here: the CLI is generated from the task registry (`MLMTask.add_prepare_arguments` calls this).
"""

from __future__ import annotations

import argparse
import json

from fa_nlp.data.decontaminate import DEFAULT_HELD_OUT
from fa_nlp.tasks.mlm.prepare import prepare_mlm


def add_prepare_arguments(m: argparse.ArgumentParser) -> None:
    m.add_argument("--text", default="fa_text:A+B", help="corpus name / selection / path (read_documents)")
    m.add_argument("--qa-prepared", required=True, help="prepared QA dir: its tokenizer, its TRAIN contexts "
                                                        "(added) and its dev/test contexts (kept out)")
    m.add_argument("--out", required=True)
    m.add_argument("--max-len", type=int, default=128, help="tokens per row, [CLS] and [SEP] included")
    m.add_argument("--dev-docs", type=int, default=200, help="documents held out for the dev loss")
    m.add_argument("--max-docs", type=int, default=0, help="first N text documents only (0 = all)")
    m.add_argument("--normalize", choices=["auto", "yes", "no"], default="auto",
                   help="fa_nlp.text.normalize the text (auto: as the QA build did)")
    m.add_argument("--lenient", action="store_true", help="skip and count unreadable lines")
    m.add_argument("--held-out", nargs="+", default=list(DEFAULT_HELD_OUT), metavar="SET",
                   help="evaluation sets whose text (13-word runs) leaves the pretraining text: catalog, "
                        "wordorder:BUILD_DIR_OR_CONFIG, or none (default: %(default)s)")
    m.add_argument("--seed", type=int, default=1234)
    m.add_argument("--json", action="store_true")


def prepare_main(args: argparse.Namespace) -> int:
    norm = None if args.normalize == "auto" else args.normalize == "yes"
    meta = prepare_mlm(args.text, args.qa_prepared, args.out, max_len=args.max_len, dev_docs=args.dev_docs,
                       max_docs=args.max_docs, normalize=norm, lenient=args.lenient, seed=args.seed,
                       held_out=args.held_out)
    if args.json:
        print(json.dumps(meta, ensure_ascii=False, indent=2))
    print(f"prepare mlm: arrays written to {args.out}")
    return 0
