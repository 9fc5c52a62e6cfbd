"""Differential run over all of fa_text: `normalize` (compiled rules) vs `normalize_reference` (hazm).

    python benchmarks/bench_normalize_diff.py               # every line of every fa_text file (~8 min)
    python benchmarks/bench_normalize_diff.py --limit 500   # first 500 lines of each file
    python benchmarks/bench_normalize_diff.py --from-record benchmarks/results/normalize_diff-X.json
        # re-explain the changed lines of an earlier full run (after adding a reason; seconds)

hazm stays the reference: every line whose normalized text differs between the two is listed with
the reason that accounts for it (`fa_nlp.text.normalize_reference.DIFFERENCES`), and lines no reason
explains are counted as unexplained (target: 0). Also checks that every offset map is well formed
(monotone, in range), counts lines a second `normalize` pass still changes (target: 0), and
compares every line with `normalize` without its shortcuts (issue 21's quick test that skips hazm's
rules, and the mapped run straight after it): text, offsets and ends must be the same (target: 0).
Writes benchmarks/results/normalize_diff-<UTC>.json with every changed line.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _record import record

from fa_nlp.data.readers import iter_lines
from fa_nlp.report import InputError, SkipReport
from fa_nlp.settings import data_root
from fa_nlp.text import _hazm_rules, normalize
from fa_nlp.text.normalize import NormalizeOptions
from fa_nlp.text.normalize_reference import DIFFERENCES, explain_difference, normalize_reference


def _map_ok(n) -> bool:
    o, e = n.offsets, n.ends
    return (
        len(o) == len(n.text) + 1
        and o[-1] == len(n.original)
        and all(a <= b for a, b in zip(o, o[1:], strict=False))
        and all(a <= b for a, b in zip(e, e[1:], strict=False))
        and all(0 <= a <= b <= len(n.original) for a, b in zip(o, e, strict=False))
    )


def _without_shortcuts(line: str):
    """`normalize` with the quick test off: every segment through the plain run, then the mapped
    replay of the steps that changed something (the path before issue 21)."""
    rules = _hazm_rules.rules(**NormalizeOptions().hazm_flags())  # the cached instance normalize uses
    quiet, rules.quiet = rules.quiet, None
    try:
        return normalize(line)
    finally:
        rules.quiet = quiet


def reexplain(path: Path) -> int:
    """The changed lines of an earlier run, explained again with the current reasons (the texts are
    the run's own; nothing is normalized again except the reference's second pass in `settled`)."""
    import json

    old = json.loads(path.read_text(encoding="utf-8"))["results"]
    reasons: Counter = Counter()
    for c in old["changed"]:
        c["reason"] = explain_difference(c["reference"], c["new"])
        reasons[c["reason"] or "UNEXPLAINED"] += 1
    for why, k in reasons.most_common():
        print(f"  {k:>6}  {why}: {DIFFERENCES.get(why, 'no reason applies')}")
    unexplained = reasons["UNEXPLAINED"]
    print(f"lines whose text differs from the reference: {len(old['changed'])} (unexplained: {unexplained})")
    old.update(
        reexplained_from=path.name,
        unexplained=unexplained,
        by_reason=dict(reasons),
        reasons=DIFFERENCES,
        targets={"0 unexplained": unexplained == 0, "0 malformed maps": old["malformed_offset_maps"] == 0},
    )
    record("normalize_diff", old)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=0, help="lines per file (0: all)")
    ap.add_argument("--from-record", type=Path, help="re-explain the changed lines of this earlier record")
    args = ap.parse_args(argv)
    if args.from_record:
        return reexplain(args.from_record)

    root = data_root(required=True) / "fa_text"
    files = sorted(p for p in root.rglob("*.txt") if p.is_file())
    report = SkipReport()
    reasons: Counter = Counter()
    changed: list[dict] = []
    n_lines = n_chars = bad_maps = not_idempotent = shortcut_mismatch = 0
    shortcut_examples: list[dict] = []
    t_new = t_ref = 0.0
    for path in files:
        rel = str(path.relative_to(root))
        for lineno, line in iter_lines(path, lenient=True, report=report):
            if args.limit and lineno > args.limit:
                break
            if isinstance(line, InputError) or not line.strip():
                continue
            n_lines += 1
            n_chars += len(line)
            t0 = time.perf_counter()
            new = normalize(line)
            t1 = time.perf_counter()
            ref = normalize_reference(line).text
            t_ref += time.perf_counter() - t1
            t_new += t1 - t0
            bad_maps += not _map_ok(new)
            not_idempotent += new.text != line and normalize(new.text).text != new.text
            old = _without_shortcuts(line)
            if (new.text, new.offsets, new.ends) != (old.text, old.offsets, old.ends):
                shortcut_mismatch += 1
                if len(shortcut_examples) < 20:
                    shortcut_examples.append({"file": rel, "line": lineno, "without": old.text, "with": new.text})
            if new.text != ref:
                why = explain_difference(ref, new.text)
                reasons[why or "UNEXPLAINED"] += 1
                changed.append({"file": rel, "line": lineno, "reference": ref, "new": new.text, "reason": why})
    unexplained = reasons["UNEXPLAINED"]
    print(f"{n_lines:,} lines ({n_chars:,} chars) in {len(files)} files; reader: {report.summary()}")
    print(f"time: normalize {t_new:.0f} s, normalize_reference {t_ref:.0f} s ({t_ref / max(t_new, 1e-9):.2f}x)")
    print(f"lines whose text differs from the reference: {len(changed)} (unexplained: {unexplained})")
    for why, k in reasons.most_common():
        print(f"  {k:>6}  {why}: {DIFFERENCES.get(why, 'no reason applies')}")
    for c in changed:
        print(f"{c['file']}:{c['line']} [{c['reason'] or 'UNEXPLAINED'}]\n  ref: {c['reference']!r}\n  new: {c['new']!r}")
    print(f"malformed offset maps: {bad_maps}; lines a second pass changes: {not_idempotent}")
    print(f"lines whose text or offsets differ without the shortcuts: {shortcut_mismatch}")
    record(
        "normalize_diff",
        {
            "data": "fa_text/**/*.txt, one line = one input",
            "reference": "fa_nlp.text.normalize_reference (hazm 0.12 Normalizer per segment + alignment)",
            "limit_per_file": args.limit or None,
            "lines": n_lines,
            "chars": n_chars,
            "changed_lines": len(changed),
            "unexplained": unexplained,
            "by_reason": dict(reasons),
            "reasons": DIFFERENCES,
            "changed": changed,
            "malformed_offset_maps": bad_maps,
            "changed_on_second_pass": not_idempotent,
            "differ_without_shortcuts": shortcut_mismatch,
            "differ_without_shortcuts_examples": shortcut_examples,
            "normalize_s": round(t_new, 1),
            "reference_s": round(t_ref, 1),
            "targets": {
                "0 unexplained": unexplained == 0,
                "0 malformed maps": bad_maps == 0,
                "0 differ without shortcuts": shortcut_mismatch == 0,
            },
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
