"""`fa-nlp split | normalize | eval-sbd`: the fa_nlp.text functions on files or stdin.

fa-nlp split corpora/sample/documents.txt --doc-mode blank --format jsonl --stats
echo "سلام. خوبی؟" | fa-nlp split
fa-nlp normalize notes.txt > notes.norm.txt
fa-nlp eval-sbd --gold ../shared/data/ud_fa_sbd/seraji_test.jsonl --json sbd.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from fa_nlp.data.readers import read_plain
from fa_nlp.data.records import iter_lines
from fa_nlp.io import write_json
from fa_nlp.metrics.sbd import SYSTEMS, errors, read_gold, score
from fa_nlp.report import InputError, SkipReport
from fa_nlp.text import NormalizeOptions, normalize, sentence_spans


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("split", help="split Persian text into sentences (offsets into the input)")
    p.add_argument("files", nargs="*", default=["-"], help="input files, '-' for stdin (default)")
    p.add_argument(
        "--format",
        choices=("lines", "jsonl"),
        default="lines",
        help="lines: one sentence per line, blank line between docs; jsonl: offsets per doc",
    )
    p.add_argument(
        "--doc-mode",
        choices=("line", "blank", "file"),
        default="line",
        help="what a document is: each line, blank-line-separated blocks (a first line "
        "'# id: NAME' names the block, as in corpora/sample), or the whole file",
    )
    p.add_argument(
        "--line-breaks",
        choices=("split", "paragraph"),
        default="split",
        help="split (default): every line break ends a sentence (headings, list items, one paragraph "
        "per line); paragraph: hard-wrapped text, only blank lines and list items end sentences",
    )
    p.add_argument("--lenient", action="store_true", help="skip and count undecodable lines instead of stopping")
    p.add_argument("--stats", action="store_true", help="print a summary (documents, sentences, words) to stderr")
    p.set_defaults(func=_split)

    p = subparsers.add_parser(
        "normalize", help="normalize Persian text line by line (hazm + protected spans)"
    )
    p.add_argument("files", nargs="*", default=["-"], help="input files, '-' for stdin (default)")
    p.add_argument("--latin-digits", action="store_true", help="keep 0-9 instead of converting to ۰-۹")
    p.add_argument(
        "--no-protect",
        action="store_true",
        help="let hazm touch numbers, dates, URLs, e-mails, file names, abbreviations",
    )
    p.set_defaults(func=_normalize)

    p = subparsers.add_parser("eval-sbd", help="sentence-boundary P/R/F1 against gold JSONL, fa_nlp vs hazm")
    p.add_argument("--gold", nargs="+", required=True, help="gold JSONL file(s) (ud_fa_sbd format)")
    p.add_argument("--systems", nargs="+", default=["fa_nlp", "hazm"], choices=("fa_nlp", "hazm"))
    p.add_argument("--json", dest="json_out", help="also write all scores to this JSON file")
    p.add_argument("--errors", type=int, default=0, metavar="N", help="print up to N fa_nlp errors per file")
    p.set_defaults(func=_eval_sbd)


def _path(name: str) -> str:
    """'-' is stdin; the readers open it by name so stdin gets the same located errors as files."""
    return "/dev/stdin" if name == "-" else name


def iter_docs(name: str, mode: str, lenient: bool = False, report=None) -> Iterator[tuple[str, str]]:
    """(doc id, text) for one input under a --doc-mode, read by `fa_nlp.data.readers`."""
    path = _path(name)
    if mode == "file":
        lines = []
        for _, line in iter_lines(path, lenient, report):
            if isinstance(line, InputError):  # lenient: the file is one document, dropped (and counted) once
                if report is not None:
                    report.skip("invalid_utf8", str(line))
                return
            lines.append(line)
        text = "\n".join(lines)
        if not text.strip():
            if report is not None:
                report.skip("empty", path)
            return
        if report is not None:
            report.keep()
        yield ("stdin" if name == "-" else Path(name).name), text
        return
    for doc in read_plain(path, mode=mode, lenient=lenient, report=report):
        yield doc.id, doc.text


def _split(args: argparse.Namespace) -> int:
    out = sys.stdout
    first = True
    report = SkipReport()
    n_docs = n_sents = n_words = 0
    for name in args.files:
        for doc_id, text in iter_docs(name, args.doc_mode, args.lenient, report):
            spans = sentence_spans(text, line_breaks=args.line_breaks)
            n_docs += 1
            n_sents += len(spans)
            n_words += sum(len(text[s:e].split()) for s, e in spans)
            if args.format == "jsonl":
                row = {
                    "doc": doc_id,
                    "sentences": [{"start": s, "end": e, "text": text[s:e]} for s, e in spans],
                }
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            else:
                if not first:
                    out.write("\n")
                for s, e in spans:
                    out.write(" ".join(text[s:e].split("\n")) + "\n")
            first = False
    if args.stats:
        per = n_words / n_sents if n_sents else 0.0
        print(f"split: {n_docs} documents, {n_sents} sentences, {n_words} words ({per:.1f} words/sentence); "
              f"reader: {report.summary()}", file=sys.stderr)
    elif report.n_skipped:  # --lenient skips are never silent
        print(f"split: reader: {report.summary()}", file=sys.stderr)
    return 0


def _normalize(args: argparse.Namespace) -> int:
    opts = NormalizeOptions(persian_digits=not args.latin_digits, protect=not args.no_protect)
    report = SkipReport()
    for name in args.files:
        for _, line in iter_lines(_path(name), report=report):  # strict: a bad line stops with file:line
            sys.stdout.write(normalize(line, opts).text + "\n")
    if report.fixed:  # control characters removed by the reader: said, as every reader does
        print(f"normalize: reader: fixed {', '.join(f'{k}={v}' for k, v in sorted(report.fixed.items()))}",
              file=sys.stderr)
    return 0


def _eval_sbd(args: argparse.Namespace) -> int:
    rows = []
    for path in args.gold:
        docs = read_gold(path)
        for system in args.systems:
            rows.append({"file": Path(path).name, "system": system, **score(docs, SYSTEMS[system]).to_dict()})
        if args.errors:
            for err in errors(docs, SYSTEMS["fa_nlp"])[: args.errors]:
                print(f"  {Path(path).name} {err['doc']} {err['kind']}: {err['context']}")
    header = f"{'file':<22} {'system':<7} {'P':>7} {'R':>7} {'F1':>7} {'F1inner':>7} {'paraEM':>7}"
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['file']:<22} {r['system']:<7} {r['precision']:>7.2f} {r['recall']:>7.2f} {r['f1']:>7.2f} "
            f"{r['f1_inner']:>7.2f} {r['paragraph_em']:>7.2f}"
        )
    print("F1 counts every sentence end (doc-final ends included); F1inner excludes each doc's final end.")
    if args.json_out:
        write_json(
            args.json_out,
            {"metric": "boundary = sentence end offset; f1 includes doc-final ends", "results": rows},
        )
    return 0
