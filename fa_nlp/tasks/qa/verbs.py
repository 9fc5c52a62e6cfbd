"""The QA task's command-line verbs: `fa-nlp build qa` (features + training arrays), `prepare qa --cloze`, `evaluate RUN`.

    fa-nlp build qa --dataset pquad --tokenizer build/tok/qa/tokenizer.json --out build/qa/pquad --dev-fraction 0.1
    fa-nlp build qa --train pquad:validation --eval pquad:test --tokenizer tok.json --max-length 128 --overlap 32 \\
        --no-normalize --out build/qa/pquad-128
    fa-nlp prepare qa --cloze --text fa_text:A+B --qa-prepared build/qa/pquad/prepared --out build/qa/cloze.json
    fa-nlp evaluate runs/qa-pquad-cpu --split test

`fa-nlp build qa` writes the arrays `fa-nlp train` reads (OUT/prepared/: data.prepared). The old second
step, `prepare qa --build B --out P`, is a deprecated alias for one release (`prepare_legacy`): it
still turns an older build folder into arrays, and says what replaces it.

Why here: the CLI is generated from the task registry (`QATask.add_*_arguments` call these), so the
QA flags live with the QA task and `fa-nlp evaluate` of a QA run accepts exactly these.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from fa_nlp.config import add_config_arguments, config_from_args
from fa_nlp.data.decontaminate import DEFAULT_HELD_OUT
from fa_nlp.tasks.qa.build import QABuildConfig, build
from fa_nlp.tasks.qa.cloze import ClozeConfig, prepare_cloze
from fa_nlp.tasks.qa.evaluate import QAEvalConfig, evaluate_qa_run
from fa_nlp.tasks.qa.prepare import MANIFEST, PREPARED_DIR, resolve_prepared
from fa_nlp.tasks.qa.prepare_legacy import REPLACED_BY, prepare_qa

# flag → config key (or fixed key=value for a switch); every other QABuildConfig field: --KEY=VALUE
BUILD_ALIASES = {
    "dataset": "dataset", "train": "train", "eval": "eval", "tokenizer": "tokenizer", "max_length": "max_length",
    "overlap": "overlap", "batch_size": "batch_size", "no_pad": "pad_to_max_length=false",
    "no_normalize": "normalize=false", "lenient": "lenient=true", "dev_fraction": "dev_fraction", "seed": "seed",
    "max_dev_questions": "max_dev_questions",
}
BUILD_DESCRIPTION = (
    "Writes hf/ (DatasetDict train/eval features), examples/, prepared/ (the numpy train/dev/test arrays "
    "`fa-nlp train` reads: data.prepared = OUT/prepared), report.json, manifest.json and README.md. "
    "--overlap is the number of tokens consecutive windows share (HF stride; run_qa.py's --doc_stride), not "
    "the step between windows. Every field of QABuildConfig can be set with --KEY=VALUE; defaults are the "
    "config's (max_length 384, overlap 128).")


def add_build_arguments(b: argparse.ArgumentParser) -> None:
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
    b.add_argument("--dev-fraction", help="share of the train questions held out as the dev split, whole contexts "
                                          "only (default 0.1)")
    b.add_argument("--seed", help="seed of the dev hold-out (default 1234)")
    b.add_argument("--max-dev-questions", help="cap on dev questions (default 0 = none)")
    b.add_argument("--force", action="store_true", help="rebuild even when up to date")
    b.add_argument("--no-progress", action="store_true", help="no progress bars (logs and CI)")
    b.add_argument("--out", required=True, metavar="DIR")


def build_main(args: argparse.Namespace) -> int:
    cfg = config_from_args(QABuildConfig, args, BUILD_ALIASES)
    if not cfg.tokenizer:
        raise ValueError("no tokenizer: give --tokenizer (a tokenizer.json or its directory) or tokenizer= in --config")
    build(cfg, args.out, force=args.force, progress=not args.no_progress)
    return 0


# ---------------------------------------------------------------- prepare: arrays, or cloze questions


def add_prepare_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, help="arrays: a directory; --cloze: the JSON file to write")
    d = p.add_argument_group("deprecated (--build): arrays from an older `fa-nlp build qa` folder; new builds "
                             "write them to BUILD/prepared, with --dev-fraction/--seed/--max-dev-questions")
    d.add_argument("--build", default=None, help="DEPRECATED: directory written by an older `fa-nlp build qa`")
    d.add_argument("--tokenizer", default=None, help="default: the one named in the build's manifest")
    d.add_argument("--dev-fraction", type=float, default=0.1, help="share of the training questions held out as "
                                                                  "dev, whole contexts only")
    d.add_argument("--max-dev-questions", type=int, default=0, help="cap on dev questions (0 = none)")
    d.add_argument("--no-check", action="store_true", help="skip the token-for-token check against hf/")
    p.add_argument("--seed", type=int, default=None, help="with --cloze: ClozeConfig.seed; with --build: the dev "
                                                         "hold-out seed (default 1234)")
    p.add_argument("--json", action="store_true", help="print the manifest (or the cloze counts) as JSON")
    c = p.add_argument_group("cloze questions (--cloze): plain text (+ QA training contexts) → SQuAD-v2 JSON "
                             "for self-supervised QA pretraining; then `fa-nlp build qa --train FILE`")
    c.add_argument("--cloze", action="store_true", help="write cloze questions instead of arrays")
    c.add_argument("--text", default="fa_text:A+B", help="corpus name / selection / path (read_documents)")
    c.add_argument("--qa-prepared", default=None, help="prepared QA dir (BUILD/prepared, or the QA build dir): its "
                                                       "TRAIN contexts (added), its dev/test contexts (kept out), "
                                                       "its normalization")
    c.add_argument("--max-questions", type=int, default=0, help="stop after N questions (0 = all)")
    c.add_argument("--max-docs", type=int, default=0, help="first N text documents only (0 = all)")
    c.add_argument("--lenient", action="store_true", help="skip and count unreadable lines")
    c.add_argument("--held-out", nargs="+", default=list(DEFAULT_HELD_OUT), metavar="SET",
                   help="evaluation sets whose text (13-word runs) leaves the cloze passages: catalog, "
                        "wordorder:BUILD_DIR_OR_CONFIG, or none (default: %(default)s)")
    add_config_arguments(p, "cloze settings (ClozeConfig: questions_per_passage, unanswerable, ...)")


def prepare_main(args: argparse.Namespace) -> int:
    if args.cloze:
        return _prepare_cloze(args)
    if not args.build:
        raise ValueError("prepare qa: `fa-nlp build qa` now writes the training arrays (OUT/prepared); "
                         "`prepare qa` makes cloze questions (--cloze), or, deprecated, arrays from an older build "
                         "(--build DIR)")
    if args.config or args.config_overrides:
        raise ValueError("prepare qa: --config and --KEY=VALUE settings are ClozeConfig's: they need --cloze")
    print(f"warning: `fa-nlp prepare qa --build` is deprecated: {REPLACED_BY}", file=sys.stderr)
    own = Path(args.build) / PREPARED_DIR
    if (own / MANIFEST).is_file():  # a current build: its arrays are already there
        print(f"note: {own} already holds these arrays (for the build's own dev settings)", file=sys.stderr)
    meta = prepare_qa(args.build, args.out, tokenizer=args.tokenizer, dev_fraction=args.dev_fraction,
                      seed=1234 if args.seed is None else args.seed, max_dev_questions=args.max_dev_questions,
                      check=not args.no_check)
    if args.json:
        print(json.dumps(meta, ensure_ascii=False, indent=2))
    print(f"prepare qa: arrays written to {args.out}")
    return 0


def _prepare_cloze(args: argparse.Namespace) -> int:
    if not args.qa_prepared:
        raise ValueError("prepare qa --cloze: give --qa-prepared DIR (its dev/test contexts are kept out)")
    cfg = config_from_args(ClozeConfig, args, aliases={"seed": "seed"})
    counts = prepare_cloze(args.text, resolve_prepared(args.qa_prepared), args.out, cfg,
                           max_questions=args.max_questions, max_docs=args.max_docs, lenient=args.lenient,
                           held_out=args.held_out)
    if args.json:
        print(json.dumps(counts, ensure_ascii=False, indent=2))
    return 0


# ---------------------------------------------------------------- evaluate

EVAL_ALIASES = {"split": "split", "step": "step", "max_questions": "max_questions", "prepared": "prepared",
                "device": "device", "seed": "seed", "null_threshold": "null_threshold",
                "no_attention_plot": "attention_plot=false", "no_progress": "progress=false"}


def add_eval_arguments(p: argparse.ArgumentParser) -> None:
    add_config_arguments(p, "evaluation settings (any QAEvalConfig field, e.g. --n_best=10)")
    p.add_argument("--split", default=None, help="default: test")
    p.add_argument("--step", type=int, default=None, help="checkpoint step (default: latest)")
    p.add_argument("--max-questions", "--max-sentences", dest="max_questions", type=int, default=None,
                   help="first N questions only (0 = all)")
    p.add_argument("--prepared", "--dataset", dest="prepared", default=None,
                   help="prepared QA dir to read the split from (default: the run's data.prepared)")
    p.add_argument("--null-threshold", type=float, default=None,
                   help="fixed no-answer threshold (default: chosen on the dev split)")
    p.add_argument("--device", default=None, help="auto | cpu | cuda")
    p.add_argument("--seed", type=int, default=None, help="seed for the sample questions in report.md")
    p.add_argument("--no-attention-plot", action="store_true")
    p.add_argument("--no-progress", action="store_true")


def evaluate_main(run_dir, args: argparse.Namespace) -> int:
    cfg = config_from_args(QAEvalConfig, args, aliases=EVAL_ALIASES)
    m = evaluate_qa_run(run_dir, cfg)
    print(f"{m['split']}: {m['questions']} questions ({m['windows']} windows) from {m['prepared']}; "
          f"null threshold {m['null_threshold']:.4f} ({m['null_threshold_selection']['chosen_on']})")
    for name, s in {"model": m["model"], **m["baselines"]}.items():
        p = s["persian"]
        print(f"  {name:34s} EM {p['exact']:6.2f}  F1 {p['f1']:6.2f}  HasAns F1 {p['HasAns_f1']:6.2f}  "
              f"NoAns EM {p['NoAns_exact']:6.2f}  (plain EM {s['plain']['exact']:6.2f} F1 {s['plain']['f1']:6.2f})")
    print(f"written: {m['out_dir']}/ (predictions.json, metrics.json, report.md"
          + (", attention.png)" if str(m.get("attention_plot", "")).endswith(".png") else ")"))
    return 0
