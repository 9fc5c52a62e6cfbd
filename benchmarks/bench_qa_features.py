"""Benchmark: QA feature building, fa_nlp (`fa_nlp.tasks.qa.windows`) vs the run_qa.py reference, same tokenizer, same run.

    .venv/bin/python benchmarks/bench_qa_features.py                 # PQuAD Validation, 384/128 and 128/32
    .venv/bin/python benchmarks/bench_qa_features.py --repeats 3 --vocab-size 16000

A WordPiece tokenizer is trained on the PQuAD Validation contexts (`fa_nlp.tokenization.train_qa_tokenizer`).
For each (max_length, overlap): train features and eval features, built by
  * the reference: `benchmarks/_run_qa_reference.py` (run_qa.py's functions, transformers fast tokenizer),
  * ours: `prepare_train_features` / `prepare_eval_features` (`tokenizers.Tokenizer`),
both on the whole split as one batch (function level), plus the end-to-end path to a `datasets.Dataset`
(reference: `Dataset.map(batched=True)` as run_qa.py does; ours: `fa_nlp.tasks.qa.features.feature_tables`).
Every output is compared in full (mismatches must be 0). Reported: examples/s, windows/s, best of
`--repeats`, ratio = reference time / our time (goal >= 2), peak Python+numpy heap (tracemalloc,
separate run; Rust-side tokenizer memory is not included) and the process's peak RSS.
Writes a JSON record via benchmarks/_record.py. TOKENIZERS_PARALLELISM is the same for both.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")


def _best(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        gc.collect()
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def _peak(fn) -> float:
    gc.collect()
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return round(peak / 2**20, 1)


def _mismatches(mine, theirs, columns) -> int:
    n = 0
    for col in columns:
        a = [x.tolist() if hasattr(x, "tolist") else x for x in mine[col]]
        b = [x.tolist() if hasattr(x, "tolist") else x for x in theirs[col]]
        if col == "offset_mapping":
            b = [[None if o is None else list(o) for o in row] for row in b]
        n += sum(x != y for x, y in zip(a, b)) + abs(len(a) - len(b))
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", default="Validation", help="PQuAD file stem (Validation or Test)")
    ap.add_argument("--settings", default="384/128,128/32", help="max_length/overlap pairs")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--vocab-size", type=int, default=8000)
    ap.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs")
    args = ap.parse_args()

    from datasets import Dataset

    from benchmarks import _run_qa_reference as ref
    from benchmarks._record import record
    from fa_nlp.settings import data_root
    from fa_nlp.tasks.qa.build import QABuildConfig
    from fa_nlp.tasks.qa.examples import as_columns, read_qa_examples
    from fa_nlp.tasks.qa.features import feature_tables
    from fa_nlp.tasks.qa.windows import (
        EVAL_COLUMNS,
        TRAIN_COLUMNS,
        prepare_eval_features,
        prepare_train_features,
    )
    from fa_nlp.tokenization import load_fast_tokenizer, train_qa_tokenizer

    path = data_root(required=True) / "pquad" / f"{args.split}.json"
    examples, report = read_qa_examples(path, normalize=False)
    cols = as_columns(examples)
    keys = ("id", "question", "context", "answers")
    tmp = Path(tempfile.mkdtemp(prefix="bench_qa_"))
    train_qa_tokenizer(sorted({e.context for e in examples}), tmp, vocab_size=args.vocab_size)
    tok, hf = load_fast_tokenizer(tmp), load_fast_tokenizer(tmp, hf=True)
    n = len(examples)
    print(f"PQuAD {args.split}: {n} questions ({report.summary()}); WordPiece vocab {args.vocab_size}; "
          f"TOKENIZERS_PARALLELISM={os.environ['TOKENIZERS_PARALLELISM']}")

    def batch():
        return {k: list(cols[k]) for k in keys}

    results = {"dataset": f"pquad/{args.split}", "questions": n, "vocab_size": args.vocab_size,
               "repeats": args.repeats, "baseline": "HF run_qa.py prepare_*_features (benchmarks/_run_qa_reference.py)",
               "runs": []}
    for setting in args.settings.split(","):
        max_length, overlap = (int(x) for x in setting.split("/"))
        cases = {
            "train": (lambda m=max_length, o=overlap: ref.prepare_train_features(batch(), hf, m, o),
                      lambda m=max_length, o=overlap: prepare_train_features(batch(), tok, m, o), TRAIN_COLUMNS),
            "eval": (lambda m=max_length, o=overlap: ref.prepare_validation_features(batch(), hf, m, o),
                     lambda m=max_length, o=overlap: prepare_eval_features(batch(), tok, m, o), EVAL_COLUMNS),
        }
        for kind, (ref_fn, our_fn, columns) in cases.items():
            t_ref, out_ref = _best(ref_fn, args.repeats)
            t_our, out_our = _best(our_fn, args.repeats)
            windows = len(out_ref["input_ids"])
            row = {
                "level": "function", "features": kind, "max_length": max_length, "overlap": overlap,
                "windows": windows, "mismatches": _mismatches(out_our, out_ref, columns),
                "reference_s": round(t_ref, 3), "ours_s": round(t_our, 3),
                "reference_examples_per_s": round(n / t_ref, 1), "ours_examples_per_s": round(n / t_our, 1),
                "reference_windows_per_s": round(windows / t_ref, 1), "ours_windows_per_s": round(windows / t_our, 1),
                "ratio": round(t_ref / t_our, 2),
            }
            if not args.no_memory and max_length == 384:
                row["reference_peak_heap_mib"] = _peak(ref_fn)
                row["ours_peak_heap_mib"] = _peak(our_fn)
            results["runs"].append(row)
            print(f"{kind:5s} {max_length}/{overlap} function: ref {t_ref:.2f}s ({n / t_ref:,.0f} ex/s, "
                  f"{windows / t_ref:,.0f} win/s)  ours {t_our:.2f}s ({n / t_our:,.0f} ex/s, "
                  f"{windows / t_our:,.0f} win/s)  ratio {t_ref / t_our:.2f}x  mismatches {row['mismatches']}"
                  + (f"  heap MiB ref {row['reference_peak_heap_mib']} ours {row['ours_peak_heap_mib']}"
                     if "ours_peak_heap_mib" in row else ""))
        # end to end: run_qa's Dataset.map vs our Arrow builder, train features
        ds = Dataset.from_dict(batch())
        cfg = QABuildConfig(max_length=max_length, overlap=overlap)
        t_ref, d_ref = _best(
            lambda d=ds, m=max_length, o=overlap: ref.map_features(d, ref.prepare_train_features, hf, m, o),
            args.repeats,
        )
        t_our, (table, _) = _best(lambda c=cfg: feature_tables(examples, tok, c, "train"), args.repeats)
        d_our = Dataset(table)
        same = all(d_our[c] == d_ref[c] for c in TRAIN_COLUMNS)
        windows = len(d_ref)
        results["runs"].append({
            "level": "dataset", "features": "train", "max_length": max_length, "overlap": overlap,
            "windows": windows, "identical": same, "reference_s": round(t_ref, 3), "ours_s": round(t_our, 3),
            "reference_examples_per_s": round(n / t_ref, 1), "ours_examples_per_s": round(n / t_our, 1),
            "reference_windows_per_s": round(windows / t_ref, 1), "ours_windows_per_s": round(windows / t_our, 1),
            "ratio": round(t_ref / t_our, 2),
        })
        print(f"train {max_length}/{overlap} Dataset:  ref {t_ref:.2f}s (Dataset.map)  ours {t_our:.2f}s "
              f"(feature_tables)  ratio {t_ref / t_our:.2f}x  identical {same}")
    results["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    bad = [r for r in results["runs"] if r.get("mismatches", 0) or r.get("identical") is False]
    results["all_identical"] = not bad
    out = record("qa_features", results)
    print(f"peak RSS {results['peak_rss_mib']} MiB; all outputs identical: {not bad}; wrote {out}")
    if bad:
        sys.exit(1)


if __name__ == "__main__":
    main()
