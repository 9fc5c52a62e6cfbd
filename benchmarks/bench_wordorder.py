"""Benchmark: the word-order build, 1 process (baseline) vs N processes, on the real fa_text data.

    .venv/bin/python benchmarks/bench_wordorder.py                          # fa_text:A+B, 1 vs 2 processes
    .venv/bin/python benchmarks/bench_wordorder.py --corpus fa_text --procs 1,2
    .venv/bin/python benchmarks/bench_wordorder.py --corpus fa_text/parsinlu --corpus fa_text/farstail  # subset

Each build runs in a fresh child process (so memory and hazm start-up are measured per run) with
`--force`, into a temp directory. Reported per run: wall seconds, sentences/s (sentence spans read,
i.e. the work done) and examples/s (rows written), peak RSS of the build process and of its
largest worker (getrusage; Linux ru_maxrss in KiB), and whether the Parquet files are
byte-identical to the baseline's. The ratio is baseline wall time / this run's wall time.
Writes a JSON record via benchmarks/_record.py.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _child(args: argparse.Namespace) -> None:
    """One build in this process; prints a JSON line with timings and memory."""
    from _build_child import measure_build

    from fa_nlp.tasks.wordorder.build import WordOrderConfig

    cfg = WordOrderConfig(corpora=args.corpus, num_proc=args.num_proc, test_min_words=5, test_max_words=15)
    print(json.dumps(measure_build(cfg, args.out)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", action="append", default=None, help="catalog name/selection or file (repeatable)")
    ap.add_argument("--procs", default="1,2", help="process counts; the first is the baseline")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--num-proc", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.corpus = args.corpus or ["fa_text:A+B"]
    if args.child:
        _child(args)
        return 0

    from _record import record

    runs = []
    with tempfile.TemporaryDirectory(prefix="bench_wordorder_") as tmp:
        for n in [int(p) for p in args.procs.split(",")]:
            cmd = [sys.executable, __file__, "--child", "--num-proc", str(n), "--out", f"{tmp}/p{n}"]
            cmd += [x for c in args.corpus for x in ("--corpus", c)]
            t0 = time.perf_counter()
            out = subprocess.run(cmd, check=True, capture_output=True, text=True)
            res = json.loads(out.stdout.strip().splitlines()[-1])
            res["process_wall_s"] = time.perf_counter() - t0  # includes interpreter + hazm start-up
            res["num_proc"] = n
            res["sentences_per_s"] = res["sentences_read"] / res["wall_s"]
            res["examples_per_s"] = res["examples"] / res["wall_s"]
            runs.append(res)
            print(f"num_proc={n}: {res['wall_s']:.1f} s, {res['sentences_per_s']:.0f} sentences/s, "
                  f"{res['examples_per_s']:.0f} examples/s, peak RSS main {res['peak_rss_main_mib']:.0f} MiB, "
                  f"largest worker {res['peak_rss_largest_worker_mib']:.0f} MiB", flush=True)
    base = runs[0]
    for r in runs:
        r["speedup_vs_baseline"] = base["wall_s"] / r["wall_s"]
        r["parquet_identical_to_baseline"] = r["parquet_sha256"] == base["parquet_sha256"]
        print(f"num_proc={r['num_proc']}: {r['speedup_vs_baseline']:.2f}x vs num_proc={base['num_proc']} "
              f"(baseline); parquet identical: {r['parquet_identical_to_baseline']}")
    record("wordorder_build", {
        "corpus": args.corpus,
        "baseline": f"num_proc={base['num_proc']}",
        "config": "defaults + test_min_words=5, test_max_words=15",
        "runs": runs,
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
