"""Normalization idempotence on the real fa_text corpus: normalize(normalize(x)) == normalize(x)?

    python benchmarks/bench_normalize_idempotence.py               # every line of every fa_text file
    python benchmarks/bench_normalize_idempotence.py --limit 2000  # first 2000 lines of each file

Reads every `*.txt` file under $FA_NLP_DATA/fa_text line by line (with the toolkit's reader, so
undecodable lines are counted, not fatal), normalizes each non-empty line once and then again, and
counts the lines whose second pass changes them (target: 0). Prints the count, up to --examples
changed lines (first pass → second pass) and writes a JSON record via benchmarks/_record.py.
One process; lines equal to their first pass are not normalized again (the function is pure).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _record import record

from fa_nlp.settings import data_root


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=0, help="lines per file (0: all)")
    ap.add_argument("--examples", type=int, default=10, help="changed lines to print and record")
    args = ap.parse_args(argv)

    from fa_nlp.data.readers import iter_lines
    from fa_nlp.report import InputError, SkipReport
    from fa_nlp.text import normalize

    root = data_root(required=True) / "fa_text"
    files = sorted(p for p in root.rglob("*.txt") if p.is_file())
    report = SkipReport()
    changed: Counter = Counter()
    examples: list[dict] = []
    n_lines = n_chars = 0
    t0 = time.perf_counter()
    for path in files:
        rel = str(path.relative_to(root))
        for lineno, line in iter_lines(path, lenient=True, report=report):
            if args.limit and lineno > args.limit:
                break
            if isinstance(line, InputError):
                report.skip("invalid_utf8", str(line))
                continue
            if not line.strip():
                continue
            report.keep()
            n_lines += 1
            n_chars += len(line)
            once = normalize(line).text
            if once == line:
                continue
            twice = normalize(once).text
            if twice != once:
                changed[rel] += 1
                if len(examples) < args.examples:
                    examples.append({"file": rel, "line": lineno, "input": line, "once": once, "twice": twice})
    wall = time.perf_counter() - t0
    total = sum(changed.values())
    print(f"{n_lines:,} lines ({n_chars:,} chars) in {len(files)} files, {wall:.0f} s; "
          f"reader: {report.summary()}")
    print(f"lines changed by a second normalize pass: {total}")
    for rel, k in changed.most_common():
        print(f"  {k:>6}  {rel}")
    for ex in examples:
        a, b = ex["once"], ex["twice"]
        i = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
        lo = max(0, i - 40)
        print(f"\n{ex['file']}:{ex['line']} (first difference at char {i})\n"
              f"  input: {ex['input'][lo:i + 40]!r}\n  once:  {a[lo:i + 40]!r}\n  twice: {b[lo:i + 40]!r}")
    record(
        "normalize_idempotence",
        {
            "data": "fa_text/**/*.txt, one line = one input",
            "limit_per_file": args.limit or None,
            "lines": n_lines,
            "chars": n_chars,
            "files": len(files),
            "reader": report.to_dict(),
            "changed_on_second_pass": total,
            "changed_by_file": dict(changed.most_common()),
            "examples": examples,
            "wall_s": round(wall, 1),
            "target": "0 lines changed",
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
