"""`fa-nlp` command line: each subcommand parses its arguments and calls one library function.

    fa-nlp --help
    python -m fa_nlp split corpora/sample/docs/*.txt

Subcommands live in `fa_nlp.commands.*`, one module per area; each module has
`register(subparsers)`. fa_nlp's own modules are imported at the top of each file; heavy third-party
packages (torch, hazm, datasets, matplotlib) load only inside the handlers, so `--help` stays fast.
Commands that run from a config take `--config FILE` and `--section.key=value` overrides
(`fa_nlp.config.add_config_arguments`); `main` hands them the `--key=value` arguments.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from fa_nlp import __version__
from fa_nlp.commands import tasks as task_verbs
from fa_nlp.config import take_overrides
from fa_nlp.report import InputError

COMMAND_MODULES = (
    "fa_nlp.commands.corpus",
    "fa_nlp.commands.text",
    "fa_nlp.commands.tasks",
    "fa_nlp.commands.qa",
    "fa_nlp.commands.tokenizer",
    "fa_nlp.commands.model",
    "fa_nlp.commands.evaluate",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fa-nlp", description="Persian NLP data-and-training toolkit")
    parser.add_argument("--version", action="version", version=f"fa-nlp {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name == name:
                continue  # area not installed in this build
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if task_verbs.handles(argv):  # build/prepare TASK, evaluate/predict/export RUN: flags depend on the task
        return _guarded(lambda: task_verbs.dispatch(argv))
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # `--key=value` settings go to commands that run from a config; anything else is an error
        extra = take_overrides(args, extra)
        if extra:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return _guarded(lambda: args.func(args))


def _guarded(run) -> int:
    """Run a command; expected failures (bad input, missing files) become one `fa-nlp: error:` line, exit 1."""
    try:
        return int(run() or 0)
    except InputError as e:
        print(f"fa-nlp: error: {e}", file=sys.stderr)
        return 1
    except (FileNotFoundError, ValueError) as e:
        print(f"fa-nlp: error: {e}", file=sys.stderr)
        return 1
    except IsADirectoryError as e:  # any command, any reader: a folder given where a file is read
        print(f"fa-nlp: error: {e.filename} is a directory, not a file: give a file inside it", file=sys.stderr)
        return 1
    except PermissionError as e:
        print(f"fa-nlp: error: {e.filename}: permission denied", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0

if __name__ == "__main__":
    sys.exit(main())
