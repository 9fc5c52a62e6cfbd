"""Benchmark record of the QA recipe (`make qa-train qa-eval`): PQuAD Test EM/F1 of the pretrained and
the from-scratch span model, beside the always-null and lexical baselines of the same evaluation.

    python benchmarks/record_qa_runs.py runs/qa-pquad-cpu runs/qa-pquad-scratch-cpu --pretrain runs/mlm-fa_text-cpu

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


def _rows(run: Path) -> list[dict]:
    return [json.loads(ln) for ln in (run / "metrics.jsonl").read_text(encoding="utf-8").splitlines() if ln.strip()]


def training(run: Path) -> dict:
    rows, cfg = _rows(run), json.loads((run / "config.json").read_text(encoding="utf-8"))["config"]
    speed = [r["tokens_per_s"] for r in rows if "tokens_per_s" in r][1:]
    busy = [r["cpu_cores_busy"] for r in rows if "cpu_cores_busy" in r][1:]
    return {"steps": rows[-1]["step"] if rows else 0, "threads": cfg.get("threads"),
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
    ap.add_argument("pretrained")
    ap.add_argument("scratch")
    ap.add_argument("--pretrain", required=True, help="the MLM run the pretrained one started from")
    ap.add_argument("--split", default="test")
    ap.add_argument("--name", default="qa-pquad-cpu")
    args = ap.parse_args()
    pre, scr = Path(args.pretrained), Path(args.scratch)
    m_pre = json.loads((pre / f"eval-{args.split}" / "metrics.json").read_text(encoding="utf-8"))
    m_scr = json.loads((scr / f"eval-{args.split}" / "metrics.json").read_text(encoding="utf-8"))
    table = {f"baseline:{k}": row(v) for k, v in m_pre["baselines"].items()}
    table["span model, random init"] = row(m_scr["model"])
    table["span model, MLM-pretrained"] = row(m_pre["model"])
    null_f1 = table.get("baseline:always_null", {}).get("f1")
    results = {
        "split": args.split, "questions": m_pre["questions"], "table": table,
        "signatures": {k: v.get("signature") for k, v in m_pre["model"].items() if isinstance(v, dict)},
        "null_threshold": {"pretrained": m_pre["null_threshold_selection"], "scratch": m_scr["null_threshold_selection"]},
        "training": {"pretraining": training(Path(args.pretrain)), "pretrained": training(pre), "scratch": training(scr)},
        "targets": {"f1_at_least_null_plus_10": (null_f1 + 10) if null_f1 is not None else None,
                    "pretrained_f1": table["span model, MLM-pretrained"]["f1"],
                    "scratch_f1": table["span model, random init"]["f1"]},
    }
    out_dir = RESULTS_DIR / args.name
    out_dir.mkdir(parents=True, exist_ok=True)
    for run, tag in ((pre, "pretrained"), (scr, "scratch"), (Path(args.pretrain), "mlm")):
        for f in (run / f"eval-{args.split}" / "report.md", run / f"eval-{args.split}" / "metrics.json",
                  run / "curves.png", run / "config.json", run / f"eval-{args.split}" / "attention.png"):
            if f.is_file():
                shutil.copy2(f, out_dir / f"{tag}-{f.name}")
    record(args.name, results)
    print(json.dumps(table, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
