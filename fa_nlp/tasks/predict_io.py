"""What every task's `fa-nlp predict RUN` shares: reading inputs, counted skips, writing results.

    fa-nlp predict RUN "words as arguments"       # one input
    fa-nlp predict RUN --input FILE --format jsonl  # one per line (or JSONL rows), results in order
    cat lines.txt | fa-nlp predict RUN              # lines on stdin

Why here (below the task folders): the three predict commands must read files, number lines,
report skips and print results the same way; no task imports another. Bad input given as an
argument is an error; in a file or on stdin it is a counted skip naming the line (the other lines
are still answered), and the output keeps one row per input line (an empty line, or a JSONL row
with `skipped`), so output line i answers input line i.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fa_nlp.report import InputError, SkipReport
from fa_nlp.training import checkpoint
from fa_nlp.training.distributed import resolve_device

# Persian (and Arabic-script) letters: a text with none of them is not something our models read
_PERSIAN_LETTER = re.compile("[\u0621-\u063a\u0641-\u064a\u0671-\u06d3\u06fa-\u06ff\ufb50-\ufdff\ufe70-\ufefc]")


def has_persian_letters(text: str) -> bool:
    return _PERSIAN_LETTER.search(text) is not None


@dataclass
class Item:
    """One input: where it came from (`FILE:LINE`, `<stdin>:LINE` or `argument`) and its value."""

    where: str
    value: Any
    problem: str | None = None  # why it is skipped (None = answered)


@dataclass
class Inputs:
    items: list[Item] = field(default_factory=list)
    from_file: bool = False  # a file or stdin: bad lines are skipped, not fatal
    skips: SkipReport = field(default_factory=SkipReport)

    def check(self, why_bad: Callable[[Any], str | None]) -> None:
        """Mark each item `why_bad` objects to; an argument that is bad is an InputError."""
        for it in self.items:
            if it.problem is None:
                it.problem = why_bad(it.value)
            if it.problem is None:
                self.skips.keep()
                continue
            if not self.from_file:
                raise InputError(None, None, it.problem)
            self.skips.skip(it.problem.split(":")[0], f"{it.where}: {it.problem}")

    @property
    def good(self) -> list[Item]:
        return [it for it in self.items if it.problem is None]


def text_problem(text: str) -> str | None:
    """The checks every text input gets: not empty, has Persian letters."""
    if not text.strip():
        return "empty line"
    if not has_persian_letters(text):
        return "no Persian letters"
    return None


def _lines(path: str | None) -> Iterator[tuple[str, str]]:
    if path in (None, "-"):
        for n, line in enumerate(sys.stdin, start=1):
            yield f"<stdin>:{n}", line.rstrip("\r\n")
        return
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: no such input file")
    with open(p, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            yield f"{p}:{n}", line.rstrip("\r\n")


def read_inputs(path: str | None, parse_json: Callable[[dict, str], Any] | None = None,
                as_json: bool | None = None) -> Inputs:
    """Lines of `path` (None/"-" = stdin) as Items. JSONL (`as_json`, or a `.jsonl` file, or a first
    line starting with `{`): each line parsed and handed to `parse_json(row, where)`; a line that
    is not JSON is a skip naming the line."""
    out = Inputs(from_file=True)
    json_mode = as_json
    for where, line in _lines(path):
        if json_mode is None:
            json_mode = parse_json is not None and (str(path).endswith(".jsonl") or line.lstrip().startswith("{"))
        if not json_mode:
            out.items.append(Item(where, line))
            continue
        if not line.strip():
            out.items.append(Item(where, None, "empty line"))
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError("a JSON object is expected")
            out.items.append(Item(where, parse_json(row, where)))
        except (ValueError, KeyError, TypeError) as e:
            out.items.append(Item(where, None, f"not a valid JSON row: {e}"))
    return out


def from_arguments(values: Iterable[Any]) -> Inputs:
    return Inputs([Item("argument", v) for v in values], from_file=False)


def add_common_arguments(parser, what: str) -> None:
    """--input/--format/--batch-size/--device/--step/--no-progress, each unless the generic
    `fa-nlp predict` verb already added it."""
    have = set(getattr(parser, "_option_string_actions", {}))

    def add(flag, **kw):
        if flag not in have:
            parser.add_argument(flag, **kw)

    add("--input", default=None, metavar="FILE", help=f"{what}, one per line (or JSONL); '-' = stdin")
    add("--format", default="text", choices=("text", "jsonl"), help="plain text (default) or one JSON row per input")
    add("--batch-size", type=int, default=32, help="inputs per model call")
    add("--device", default="auto", help="auto | cpu | cuda")
    add("--step", type=int, default=None, help="checkpoint step (default: the latest)")
    add("--no-progress", action="store_true", help="no progress bar on files")


def progress_wanted(args, inputs: Inputs) -> bool:
    return inputs.from_file and not getattr(args, "no_progress", False) and len(inputs.good) > 1


def emit(inputs: Inputs, results: list[dict], args, as_text: Callable[[dict], str], out=None) -> int:
    """Print one row per input (skipped ones included, see module docstring); report skips on stderr.
    Returns the exit code: 1 when nothing could be answered."""
    out = out or sys.stdout
    it = iter(results)
    for item in inputs.items:
        if item.problem is not None:
            row = {"where": item.where, "skipped": item.problem}
            out.write((json.dumps(row, ensure_ascii=False) if args.format == "jsonl" else "") + "\n")
            continue
        r = next(it)
        out.write((json.dumps({"where": item.where, **r}, ensure_ascii=False) if args.format == "jsonl"
                   else as_text(r)) + "\n")
    s = inputs.skips
    if s.n_skipped:
        reasons = "; ".join(f"{k}: {v} (e.g. {s.examples[k][0]})" for k, v in s.skipped.most_common())
        print(f"predict: {s.read} inputs, {s.kept} answered, {s.n_skipped} skipped — {reasons}", file=sys.stderr)
    return 0 if s.kept or not s.read else 1


def load_run_model(run_dir: str | Path, step: int | None = None, device: str = "auto"):
    """(model in eval mode, the run's train config, the device name) of a finished run, with a clear
    error when the folder is not a run (no checkpoints) or has no tokenizer/."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise FileNotFoundError(f"{run_dir}: no such run directory")
    if not (run_dir / "tokenizer").is_dir():
        raise FileNotFoundError(f"{run_dir}: no tokenizer/ directory: not a run written by `fa-nlp train`")
    dev = resolve_device(device)
    model, train_cfg = checkpoint.load_model(run_dir, step, device=dev)
    return model, train_cfg, dev


def checked_list(inputs, single_type: type, problem: Callable[[Any], str | None]) -> tuple[bool, list]:
    """(whether `inputs` is one input of `single_type`, the inputs as a list), each checked by `problem`:
    `Predictor.predict` takes one input or a list, and a bad one is a ValueError naming its position
    (and the start of a text input), before any model call."""
    single = isinstance(inputs, single_type)
    items = [inputs] if single else list(inputs)
    for i, it in enumerate(items):
        bad = problem(it)
        if bad:
            raise ValueError(f"input {i + 1}: {bad}" + (f": {it[:60]!r}" if isinstance(it, str) else ""))
    return single, items


def batch_starts(n: int, batch_size: int, progress: bool, desc: str) -> Iterable[int]:
    """The first index of each batch of `batch_size` over `n` inputs, through a progress bar when asked."""
    starts = range(0, n, batch_size)
    if progress:
        from tqdm.auto import tqdm

        return tqdm(starts, desc=desc, unit="batch")
    return starts


def predict_command(args, problem: Callable[[Any], str | None], arguments: list | None,
                    read: Callable[[str | None], Inputs], hint: str,
                    answer: Callable[[list, bool], list[dict]], as_text: Callable[[dict], str]) -> int:
    """What every task's `predict_main` does once its predictor is loaded: the inputs given as
    `arguments` (None = none: then --input FILE or stdin, through `read`; `hint` is the error when
    neither is given on a terminal), checked by `problem` (see `Inputs.check`), the good ones
    answered by `answer(values, progress)`, one output row per input (`emit`)."""
    if arguments is not None:
        inputs = from_arguments(arguments)
    else:
        if args.input is None and sys.stdin.isatty():
            raise ValueError(hint)
        inputs = read(args.input)
    inputs.check(problem)
    good = [it.value for it in inputs.good]
    results = answer(good, progress_wanted(args, inputs)) if good else []
    return emit(inputs, results, args, as_text)
