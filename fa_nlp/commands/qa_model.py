"""`fa-nlp prepare-qa | prepare-mlm | prepare-cloze`: data for QA fine-tuning and pretraining
(training is `fa-nlp train --config fa_nlp/configs/qa-*.toml | mlm-*.toml`; `fa-nlp evaluate RUN`
dispatches QA runs to `fa_nlp.tasks.qa.evaluate`).

    fa-nlp prepare-qa --build build/qa/pquad --out build/qa/prepared --dev-fraction 0.1
    fa-nlp prepare-mlm --text fa_text:A+B --qa-prepared build/qa/prepared --out build/mlm/prepared --max-len 128
    fa-nlp prepare-cloze --text fa_text:A+B --qa-prepared build/qa/prepared --out build/qa/cloze.json
"""

from __future__ import annotations

import argparse
import json

from fa_nlp.config import add_config_arguments


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("prepare-qa", help="QA windows of a `build qa` output → numpy arrays (train / dev by "
                                          "context / test) for `fa-nlp train` with task = \"qa\"")
    p.add_argument("--build", required=True, help="directory written by `fa-nlp build qa`")
    p.add_argument("--out", required=True)
    p.add_argument("--tokenizer", default=None, help="default: the one named in the build's manifest")
    p.add_argument("--dev-fraction", type=float, default=0.1, help="share of the training questions held out as "
                                                                  "dev, whole contexts only")
    p.add_argument("--max-dev-questions", type=int, default=0, help="cap on dev questions (0 = none)")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--no-check", action="store_true", help="skip the token-for-token check against hf/")
    p.add_argument("--json", action="store_true", help="print the manifest as JSON")
    p.set_defaults(func=_prepare_qa)

    m = sub.add_parser("prepare-mlm", help="plain text (+ QA training contexts) → packed token rows for "
                                           "masked-LM pretraining (task = \"mlm\")")
    m.add_argument("--text", default="fa_text:A+B", help="corpus name / selection / path (read_documents)")
    m.add_argument("--qa-prepared", required=True, help="prepare-qa output: its tokenizer, its TRAIN contexts "
                                                        "(added) and its dev/test contexts (kept out)")
    m.add_argument("--out", required=True)
    m.add_argument("--max-len", type=int, default=128, help="tokens per row, [CLS] and [SEP] included")
    m.add_argument("--dev-docs", type=int, default=200, help="documents held out for the dev loss")
    m.add_argument("--max-docs", type=int, default=0, help="first N text documents only (0 = all)")
    m.add_argument("--normalize", choices=["auto", "yes", "no"], default="auto",
                   help="fa_nlp.text.normalize the text (auto: as the QA build did)")
    m.add_argument("--lenient", action="store_true", help="skip and count unreadable lines")
    m.add_argument("--seed", type=int, default=1234)
    m.add_argument("--json", action="store_true")
    m.set_defaults(func=_prepare_mlm)

    c = sub.add_parser("prepare-cloze", help="plain text (+ QA training contexts) → cloze questions (SQuAD-v2 "
                                             "JSON) for self-supervised QA pretraining; then `build qa --train`")
    c.add_argument("--text", default="fa_text:A+B", help="corpus name / selection / path (read_documents)")
    c.add_argument("--qa-prepared", required=True, help="prepare-qa output: its TRAIN contexts (added), its "
                                                        "dev/test contexts (kept out), its normalization")
    c.add_argument("--out", required=True, help="JSON file to write")
    c.add_argument("--max-questions", type=int, default=0, help="stop after N questions (0 = all)")
    c.add_argument("--max-docs", type=int, default=0, help="first N text documents only (0 = all)")
    c.add_argument("--lenient", action="store_true", help="skip and count unreadable lines")
    c.add_argument("--json", action="store_true")
    add_config_arguments(c, "cloze settings (ClozeConfig: seed, questions_per_passage, unanswerable, ...)")
    c.set_defaults(func=_prepare_cloze)


def _prepare_qa(args) -> int:
    from fa_nlp.tasks.qa.prepare import prepare_qa

    meta = prepare_qa(args.build, args.out, tokenizer=args.tokenizer, dev_fraction=args.dev_fraction,
                      seed=args.seed, max_dev_questions=args.max_dev_questions, check=not args.no_check)
    if args.json:
        print(json.dumps(meta, ensure_ascii=False, indent=2))
    print(f"prepare-qa: arrays written to {args.out}")
    return 0


def _prepare_mlm(args) -> int:
    from fa_nlp.tasks.mlm.prepare import prepare_mlm

    norm = None if args.normalize == "auto" else args.normalize == "yes"
    meta = prepare_mlm(args.text, args.qa_prepared, args.out, max_len=args.max_len, dev_docs=args.dev_docs,
                       max_docs=args.max_docs, normalize=norm, lenient=args.lenient, seed=args.seed)
    if args.json:
        print(json.dumps(meta, ensure_ascii=False, indent=2))
    print(f"prepare-mlm: arrays written to {args.out}")
    return 0


def _prepare_cloze(args) -> int:
    from fa_nlp.config import config_from_args
    from fa_nlp.tasks.qa.cloze import ClozeConfig, prepare_cloze

    cfg = config_from_args(ClozeConfig, args)
    counts = prepare_cloze(args.text, args.qa_prepared, args.out, cfg, max_questions=args.max_questions,
                           max_docs=args.max_docs, lenient=args.lenient)
    if args.json:
        print(json.dumps(counts, ensure_ascii=False, indent=2))
    return 0


def evaluate_qa(args: argparse.Namespace, aliases: dict[str, str]) -> int:
    """`fa-nlp evaluate RUN` for a run whose config says task = "qa"."""
    from fa_nlp.config import config_from_args
    from fa_nlp.tasks.qa.evaluate import QAEvalConfig, evaluate_qa_run

    cfg = config_from_args(QAEvalConfig, args, aliases=aliases)
    m = evaluate_qa_run(args.run, cfg)
    print(f"{m['split']}: {m['questions']} questions ({m['windows']} windows) from {m['prepared']}; "
          f"null threshold {m['null_threshold']:.4f} ({m['null_threshold_selection']['chosen_on']})")
    for name, s in {"model": m["model"], **m["baselines"]}.items():
        p = s["persian"]
        print(f"  {name:34s} EM {p['exact']:6.2f}  F1 {p['f1']:6.2f}  HasAns F1 {p['HasAns_f1']:6.2f}  "
              f"NoAns EM {p['NoAns_exact']:6.2f}  (plain EM {s['plain']['exact']:6.2f} F1 {s['plain']['f1']:6.2f})")
    print(f"written: {m['out_dir']}/ (predictions.json, metrics.json, report.md"
          + (", attention.png)" if str(m.get("attention_plot", "")).endswith(".png") else ")"))
    return 0
