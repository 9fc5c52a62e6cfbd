"""`normalize` speed vs hazm, and time linear in input length (issues 20 and 21).

    python benchmarks/bench_normalize.py                 # fa_text sample + 1 vs 5 MiB single line
    python benchmarks/bench_normalize.py --repeat 7 --lines-per-file 100

Speed: chars/s on the same fa_text lines (the first --lines-per-file non-empty lines of every file)
for `fa_nlp.text.normalize` (with offsets), `hazm.Normalizer().normalize` (the baseline: no offsets,
no protected spans) and `normalize_reference` (how `normalize` worked before: hazm per segment, then
alignment). Runs alternate; best of --repeat. Target: normalize >= 2x hazm (aim 5x).

Linearity: one single line of 1 MiB and one of 5 MiB (fa_text lines joined with spaces); the time
per MiB must not grow with length (target: 5 MiB time <= 1.25 x 5 x the 1 MiB time). Before the
compiled rules this took 8.6 s and 164 s (issue 20). Writes benchmarks/results/normalize-<UTC>.json.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _record import record

from fa_nlp.settings import data_root
from fa_nlp.text import _hazm, normalize
from fa_nlp.text.normalize_reference import normalize_reference

MIN_RATIO = 2.0
MAX_GROWTH = 1.25


def sample_lines(per_file: int) -> list[str]:
    """The first `per_file` non-empty lines of every fa_text file, in file order."""
    root = data_root(required=True) / "fa_text"
    out: list[str] = []
    for path in sorted(p for p in root.rglob("*.txt") if p.is_file()):
        with path.open(encoding="utf-8", errors="replace") as f:
            got = 0
            for line in f:
                line = line.rstrip("\n")
                if line.strip():
                    out.append(line)
                    got += 1
                    if got == per_file:
                        break
    return out


def best_rates(fns: dict, texts: list[str], repeat: int) -> dict[str, float]:
    """chars/s of each function over the same texts; runs alternate so machine noise hits all alike."""
    n_chars = sum(map(len, texts))
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeat):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            for t in texts:
                fn(t)
            best[name] = min(best[name], time.perf_counter() - t0)
    return {name: n_chars / s for name, s in best.items()}


def long_line(lines: list[str], n_chars: int) -> str:
    base = " ".join(lines)
    return (base * (n_chars // len(base) + 1))[:n_chars]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="timing runs (best is kept)")
    ap.add_argument("--lines-per-file", type=int, default=60)
    ap.add_argument("--mib", type=float, nargs=2, default=(1.0, 5.0), help="the two single-line sizes")
    args = ap.parse_args(argv)

    load_before = os.getloadavg()  # the box may be shared: the record says how busy it was
    lines = sample_lines(args.lines_per_file)
    hazm_norm = _hazm.normalizer().normalize
    normalize("گرم کردن")  # build the cached rules and hazm's word lists before timing
    normalize_reference("گرم کردن")
    rates = best_rates(
        {"fa_nlp": normalize, "hazm": hazm_norm, "reference": normalize_reference}, lines, args.repeat
    )
    ratio = rates["fa_nlp"] / rates["hazm"]
    n_chars = sum(map(len, lines))
    print(f"{len(lines):,} fa_text lines, {n_chars:,} chars, best of {args.repeat}")
    for name, r in rates.items():
        print(f"  {name:<10} {r:>12,.0f} chars/s   {r / rates['hazm']:.2f}x hazm")

    small, big = (int(m * 2**20) for m in args.mib)
    timings = {}
    for size in (small, big):
        text = long_line(lines, size)
        t0 = time.perf_counter()
        n = normalize(text)
        timings[size] = time.perf_counter() - t0
        assert len(n.offsets) == len(n.text) + 1
        print(f"  one line of {size / 2**20:.1f} MiB: {timings[size]:.2f} s ({timings[size] / (size / 2**20):.2f} s/MiB)")
    growth = (timings[big] / big) / (timings[small] / small)
    print(f"  time per char, {args.mib[1]:g} MiB vs {args.mib[0]:g} MiB: {growth:.2f}x (1.0 = linear)")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    targets = {
        f"normalize >= {MIN_RATIO}x hazm": ratio >= MIN_RATIO,
        f"per-char time growth <= {MAX_GROWTH}": growth <= MAX_GROWTH,
    }
    for what, ok in targets.items():
        print(f"target {what:<32} {'met' if ok else 'NOT MET'}")
    record(
        "normalize",
        {
            "baseline": "hazm 0.12 Normalizer().normalize (defaults; no offsets)",
            "data": f"fa_text: first {args.lines_per_file} non-empty lines of each file",
            "lines": len(lines),
            "chars": n_chars,
            "chars_per_s": {k: round(v) for k, v in rates.items()},
            "ratio_vs_hazm": round(ratio, 3),
            "reference_ratio_vs_hazm": round(rates["reference"] / rates["hazm"], 3),
            "single_line_s": {f"{s / 2**20:g}MiB": round(t, 2) for s, t in timings.items()},
            "per_char_growth": round(growth, 3),
            "peak_rss_mib": round(peak_mib),
            "load_avg_1_5_15": {"before": [round(x, 2) for x in load_before],
                                "after": [round(x, 2) for x in os.getloadavg()]},
            "targets": targets,
            "args": vars(args),
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
