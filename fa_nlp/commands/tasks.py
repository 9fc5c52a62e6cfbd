"""The verbs generated from the task registry: `fa-nlp build TASK`, `prepare TASK`, `evaluate RUN`,
`predict RUN`, `export RUN --out DIR`.

    fa-nlp build wordorder --corpus sample --out build/wordorder/sample
    fa-nlp prepare mlm --text fa_text:A+B --tokenizer build/tok/qa --out build/mlm/prepared
    fa-nlp evaluate runs/qa-pquad-cpu --split test       # flags: the run's task's (`fa-nlp evaluate RUN -h`)
    fa-nlp predict runs/wordorder-pointer-cpu "خانه به رفتم من"
    fa-nlp export runs/qa-pquad-cpu --out hf/qa-pquad

Why generated: a task (built in, `register_task`-ed or from a `fa_nlp.tasks` entry point) gets every
verb it implements without an edit here. The RUN verbs read the task recorded in the run and take
exactly that task's flags: a flag its task does not take is an argparse error (exit 2), never
silently ignored; a verb the task does not implement is an error naming both (exit 1).

`fa_nlp.cli.main` hands these verbs their whole argument list (the sub-parser needs the task, which
the TASK or RUN argument names, before it knows its flags); `register` only lists them in `--help`.
The old verbs `prepare` (word order), `prepare-qa`, `prepare-mlm` and `prepare-cloze` still work for
one release and say on stderr what replaces them.
"""

from __future__ import annotations

import argparse
import sys

from fa_nlp.config import take_overrides
from fa_nlp.tasks.base import make_task, run_task, task_class, task_names

TASK_VERBS = {
    "build": "build a task's dataset from corpora (manifest, dataset card): fa-nlp build TASK ...",
    "prepare": "a task's dataset → the arrays `fa-nlp train` reads: fa-nlp prepare TASK ...",
}
RUN_VERBS = {
    "evaluate": "score a trained run on a split (RUN/eval-<split>/: metrics.json, report.md, ...)",
    "predict": "answer your own inputs with a trained run (text in, JSON out)",
    "export": "write a trained run as a Hugging Face folder (config, weights, tokenizer, model card)",
}
# verb -> (method adding its flags, method running it)
_METHODS = {"build": ("add_build_arguments", "build_main"), "prepare": ("add_prepare_arguments", "prepare_main"),
            "evaluate": ("add_eval_arguments", "evaluate_main"), "predict": ("add_predict_arguments", "predict_main"),
            "export": ("add_export_arguments", "export")}
# old verb -> its replacement (one release)
DEPRECATED = {"prepare-qa": ("prepare", "qa"), "prepare-mlm": ("prepare", "mlm"),
              "prepare-cloze": ("prepare", "qa", "--cloze")}
_HELP = ("-h", "--help")


def register(sub: argparse._SubParsersAction) -> None:
    """List the verbs in `fa-nlp --help` (they are run by `dispatch`, which `fa_nlp.cli.main` calls first)."""
    for verb, text in {**TASK_VERBS, **RUN_VERBS}.items():
        sub.add_parser(verb, help=text, add_help=False)
    for old, new in DEPRECATED.items():
        sub.add_parser(old, help=f"deprecated: fa-nlp {' '.join(new)}", add_help=False)


def handles(argv: list[str]) -> bool:
    return bool(argv) and argv[0] in {**TASK_VERBS, **RUN_VERBS, **DEPRECATED}


def dispatch(argv: list[str]) -> int:
    """Run `argv` (= [verb, ...]); returns the exit code (argparse errors exit 2 through SystemExit)."""
    verb, rest = argv[0], list(argv[1:])
    if verb in DEPRECATED:
        verb, *prefix = DEPRECATED[verb]
        print(f"fa-nlp: note: `{argv[0]}` is deprecated and goes in the next release: use "
              f"`fa-nlp {' '.join([verb, *prefix])}` (same flags)", file=sys.stderr)
        rest = [*prefix, *rest]
    elif verb == "prepare" and rest and rest[0].startswith("-") and rest[0] not in _HELP:
        print("fa-nlp: note: `fa-nlp prepare --dataset ...` is deprecated and goes in the next release: use "
              "`fa-nlp prepare wordorder --dataset ...` (same flags)", file=sys.stderr)
        rest = ["wordorder", *rest]
    if not rest or rest[0] in _HELP:
        return _verb_help(verb, missing=not rest)
    target, rest = rest[0], rest[1:]
    if verb in TASK_VERBS:
        task, prog = make_task(target), f"fa-nlp {verb} {target}"
    else:
        task, prog = make_task(run_task(target)), f"fa-nlp {verb} RUN"
    if not task.supports(verb):
        have = [v for v in _METHODS if task.supports(v)]
        print(f"fa-nlp: error: task {task.name!r} has no {verb} (it has: {', '.join(have) or 'training only'})",
              file=sys.stderr)
        return 1
    add, run = (getattr(task, m) for m in _METHODS[verb])
    parser = argparse.ArgumentParser(prog=prog, allow_abbrev=False, description=_description(verb, task, target))
    if verb == "export":
        parser.add_argument("--out", required=True, metavar="DIR", help="folder to write (replaced atomically)")
        parser.add_argument("--step", type=int, default=None, help="checkpoint step (default: latest)")
    add(parser)
    args = _parse(parser, rest)
    if verb in TASK_VERBS:
        return int(run(args) or 0)
    if verb == "export":
        options = {k: v for k, v in vars(args).items() if k not in ("out", "config", "config_overrides")}
        print(f"export: {run(target, args.out, **options)}")
        return 0
    return int(run(target, args) or 0)


def _parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """Strict parse: `--key=value` settings only where the task's parser takes a config; anything else unknown
    is an argparse error."""
    args, extra = parser.parse_known_args(argv)
    extra = take_overrides(args, extra)
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def _description(verb: str, task, target: str) -> str:
    head = task.help or task.name
    if verb in RUN_VERBS:
        return f"{RUN_VERBS[verb]}. {target} is a run of task {task.name!r} ({head}); the flags below are its."
    return f"{TASK_VERBS[verb].split(':')[0]}: task {task.name!r} ({head})."


def _verb_help(verb: str, missing: bool) -> int:
    """`fa-nlp VERB -h` (or a missing TASK/RUN): what the verb does and which tasks implement it."""
    what = "TASK" if verb in TASK_VERBS else "RUN"
    print(f"usage: fa-nlp {verb} {what} [flags of its task]" + (" --out DIR" if verb == "export" else ""))
    print(f"\n{TASK_VERBS.get(verb) or RUN_VERBS[verb]}\n")
    print(f"tasks with `{verb}` (flags: fa-nlp {verb} {'TASK' if what == 'TASK' else 'RUN'} -h):")
    for name in task_names():
        try:
            cls = task_class(name)
        except (ImportError, TypeError, AttributeError) as e:  # a broken third-party task must not hide the others
            print(f"  {name:12s} (not loadable: {e})")
            continue
        if cls().supports(verb):
            print(f"  {name:12s} {cls.help}")
    if missing:
        print(f"\nfa-nlp {verb}: error: give a {what}", file=sys.stderr)
        return 2
    return 0
