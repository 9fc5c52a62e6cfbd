"""Benchmark record of the QA recipe (`make qa-train qa-eval`): PQuAD Test EM/F1 of the pretrained span
model and of the same model from random weights at equal QA budget and at equal total compute, beside
the always-null and lexical baselines of the same evaluation.

    python benchmarks/record_qa_runs.py --recipe runs/qa-pquad-cpu --scratch runs/qa-pquad-scratch-cpu \
        --scratch-long runs/qa-pquad-scratch-long-cpu --pretrain runs/mlm-fa_text-cpu runs/qa-cloze-cpu

Reads each RUN/config.json, RUN/metrics.jsonl and RUN/eval-<split>/metrics.json; copies the reports
under benchmarks/results/qa-pquad-cpu/ and writes one JSON record with the machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
from pathlib import Path

from _record import RESULTS_DIR, record

from fa_nlp.io import read_metrics


def _rows(run: Path) -> list[dict]:
    return read_metrics(run)


def training(run: Path) -> dict:
    rows, cfg = _rows(run), json.loads((run / "config.json").read_text(encoding="utf-8"))["config"]
    speed = [r["tokens_per_s"] for r in rows if "tokens_per_s" in r][1:]
    busy = [r["cpu_cores_busy"] for r in rows if "cpu_cores_busy" in r][1:]
    # core-minutes = wall-clock training minutes x threads (every CPU run here is single-threaded)
    minutes = max((r.get("elapsed_s", 0) for r in rows), default=0) / 60
    return {"steps": rows[-1]["step"] if rows else 0, "threads": cfg.get("threads"),
            "core_minutes": round(minutes * (cfg.get("threads") or 1), 1),
            "max_minutes": cfg["optim"].get("max_minutes"), "init_from": cfg.get("init_from") or None,
            "tokens_per_s_median": statistics.median(speed) if speed else None,
            "cpu_cores_busy_median": statistics.median(busy) if busy else None,
            "last_dev": next(({k: v for k, v in r.items() if k.startswith("dev_")} for r in reversed(rows)
                              if any(k.startswith("dev_") for k in r)), {})}


def row(scores: dict) -> dict:
    p = scores["persian"]
    return {k: round(p[k], 2) for k in ("exact", "f1", "HasAns_exact", "HasAns_f1", "NoAns_exact") if k in p}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--recipe", required=True, help="the pretrained span run evaluated on --split")
    ap.add_argument("--scratch", required=True, help="the same model from random weights, same QA budget")
    ap.add_argument("--scratch-long", default=None, help="from random weights, pretraining + QA budget")
    ap.add_argument("--pretrain", nargs="+", required=True, help="the pretraining runs, in order")
    ap.add_argument("--split", default="test")
    ap.add_argument("--name", default="qa-pquad-cpu")
    args = ap.parse_args()
    runs = {"recipe": Path(args.recipe), "scratch": Path(args.scratch)}
    if args.scratch_long:
        runs["scratch_long"] = Path(args.scratch_long)
    metrics = {k: json.loads((r / f"eval-{args.split}" / "metrics.json").read_text(encoding="utf-8"))
               for k, r in runs.items()}
    pretrain = [Path(p) for p in args.pretrain]
    trained = {**{f"pretraining:{p.name}": training(p) for p in pretrain}, **{k: training(r) for k, r in runs.items()}}
    pre_min = sum(trained[f"pretraining:{p.name}"]["core_minutes"] for p in pretrain)
    labels = {"scratch": "span model, random init, equal QA budget",
              "scratch_long": "span model, random init, equal total compute",
              "recipe": "span model, pretrained (" + " -> ".join(p.name for p in pretrain) + ")"}
    table = {f"baseline:{k}": row(v) for k, v in metrics["recipe"]["baselines"].items()}
    for k in ("scratch", "scratch_long", "recipe"):
        if k in runs:
            cm = trained[k]["core_minutes"] + (pre_min if k == "recipe" else 0.0)
            table[labels[k]] = {**row(metrics[k]["model"]), "core_minutes": round(cm, 1)}
    null_f1 = table.get("baseline:always_null", {}).get("f1")
    lexical = max((v["f1"] for k, v in table.items() if k.startswith("baseline:lexical")), default=None)
    results = {
        "split": args.split, "questions": metrics["recipe"]["questions"], "table": table,
        "signatures": {k: v.get("signature") for k, v in metrics["recipe"]["model"].items() if isinstance(v, dict)},
        "null_threshold": {k: m["null_threshold_selection"] for k, m in metrics.items()},
        "training": trained,
        "targets": {"f1_at_least_null_plus_10": (null_f1 + 10) if null_f1 is not None else None,
                    "best_lexical_f1": lexical,
                    "recipe_f1": table[labels["recipe"]]["f1"], "scratch_f1": table[labels["scratch"]]["f1"]},
    }
    out_dir = RESULTS_DIR / args.name
    out_dir.mkdir(parents=True, exist_ok=True)
    for f in out_dir.iterdir():  # this run's files only
        f.unlink()
    for tag, run in [*runs.items(), *((p.name, p) for p in pretrain)]:
        for f in (run / f"eval-{args.split}" / "report.md", run / f"eval-{args.split}" / "metrics.json",
                  run / "curves.png", run / "config.json", run / f"eval-{args.split}" / "attention.png"):
            if f.is_file():
                shutil.copy2(f, out_dir / f"{tag}-{f.name}")
    record(args.name, results)
    print(json.dumps(table, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
