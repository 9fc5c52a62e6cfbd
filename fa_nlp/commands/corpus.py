"""`fa-nlp corpus`: the corpora catalog from the command line.

    fa-nlp corpus list [--group fa_text] [--tier A --tier B]
    fa-nlp corpus info pquad
    fa-nlp corpus fetch pquad [--dest DIR] [--offline]
    fa-nlp corpus read fa_text:A+B --limit 5 [--lenient]     # JSONL documents on stdout
    fa-nlp corpus read plain-blank:my_notes.txt              # any file, with a reader kind

fa_nlp modules at the top; heavy third-party packages load inside the library functions that need them.
"""

from __future__ import annotations

import argparse
import sys

from fa_nlp.data import corpora
from fa_nlp.data.readers import read_documents
from fa_nlp.io import sha256_file
from fa_nlp.report import SkipReport


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("corpus", help="list, inspect, fetch and read known corpora")
    sub = p.add_subparsers(dest="corpus_command", metavar="ACTION", required=True)

    ls = sub.add_parser("list", help="table of catalog entries (name, kind, tier, licence, files, fetched?)")
    ls.add_argument("--group", help="only this group (qa, sbd, fa_text, sample)")
    ls.add_argument("--tier", action="append", help="only these fa_text tiers (A, B, C, D); repeatable")
    ls.set_defaults(func=_list)

    info = sub.add_parser("info", help="description, licence, citation and files (with sha256) of one corpus")
    info.add_argument("name")
    info.set_defaults(func=_info)

    fetch = sub.add_parser(
        "fetch", help="make a corpus available locally (mirror first, else download), verified"
    )
    fetch.add_argument("name", help="a corpus name or a selection such as fa_text:A+B")
    fetch.add_argument(
        "--dest", help="copy/download the files into this directory (default: use the mirror or cache)"
    )
    fetch.add_argument(
        "--offline", action="store_true", help="never download; fail if the files are not local"
    )
    fetch.set_defaults(func=_fetch)

    read = sub.add_parser("read", help="print documents as JSONL {id, text, source}; skip summary on stderr")
    read.add_argument("source", help="a corpus name, a selection (fa_text:A+B), a file, a directory (its *.txt "
                      "files), a quoted glob, or KIND:PATH")
    read.add_argument("--limit", type=int, default=None, help="stop after N documents")
    read.add_argument("--lenient", action="store_true", help="skip bad records (counted) instead of failing")
    read.set_defaults(func=_read)


def _list(args: argparse.Namespace) -> int:
    entries = corpora.select(group=args.group, tier=args.tier)
    rows = [("name", "kind", "tier", "licence", "files", "fetched")]
    for e in entries:
        where = corpora.locate(e)
        fetched = (
            "no"
            if where is None
            else (
                "repo" if e.root == "repo" else "mirror" if where == corpora._mirror_dir(e, None) else "cache"
            )
        )
        licence = e.licence if len(e.licence) <= 40 else e.licence[:39] + "…"
        rows.append((e.name, e.kind, e.tier or "-", licence, str(len(e.files)), fetched))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for k, r in enumerate(rows):
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        if k == 0:
            print("  ".join("-" * w for w in widths))
    print(f"{len(entries)} corpora", file=sys.stderr)
    return 0


def _info(args: argparse.Namespace) -> int:
    e = corpora.get(args.name)
    where = corpora.locate(e)
    print(f"name:        {e.name}")
    print(f"description: {e.description}")
    print(f"group:       {e.group}" + (f"   tier: {e.tier}" if e.tier else ""))
    print(f"reader:      {e.kind}")
    print(f"licence:     {e.licence}")
    print(f"citation:    {e.citation}")
    print(f"source:      {e.source}")
    if e.language:
        print(f"language:    {e.language}")
    if e.notes:
        print(f"notes:       {e.notes}")
    print(f"local:       {where if where else 'not fetched'}")
    print("files:")
    for f in e.files:
        sha = f.sha256
        if not sha and where is not None and (where / f.path).is_file():
            sha = f"(not pinned; now {sha256_file(where / f.path)})"
        size = f"{f.bytes:,} B" if f.bytes is not None else ""
        extra = "  ".join(x for x in (f.split and f"split={f.split}", f.kind and f"kind={f.kind}", size) if x)
        print(f"  {f.path}  {extra}")
        print(f"    sha256 {sha or '(not pinned)'}")
        if f.url:
            print(f"    url    {f.url}")
    return 0


def _fetch(args: argparse.Namespace) -> int:
    from pathlib import Path

    entries = corpora.resolve(args.name)
    for e in entries:
        # one corpus: straight into DEST; a selection: DEST/<entry dir>, so file names cannot clash
        dest = None if args.dest is None else Path(args.dest) / e.dir if len(entries) > 1 else Path(args.dest)
        where = corpora.fetch(e, dest=dest, urls=not args.offline)
        print(f"{e.name}\t{where}")
    return 0


def _read(args: argparse.Namespace) -> int:
    import json

    report = SkipReport()
    n = 0
    out = sys.stdout
    try:
        if args.limit is None or args.limit > 0:
            for doc in read_documents(args.source, lenient=args.lenient, report=report):
                out.write(
                    json.dumps({"id": doc.id, "text": doc.text, "source": doc.source}, ensure_ascii=False)
                    + "\n"
                )
                n += 1
                if args.limit is not None and n >= args.limit:
                    break
    except BrokenPipeError:  # `| head`: stop quietly
        sys.stderr.close()
        return 0
    limited = " (stopped at --limit)" if args.limit is not None and n >= args.limit else ""
    print(f"{n} documents; {report.summary()}{limited}", file=sys.stderr)
    return 0
