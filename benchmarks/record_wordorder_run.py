"""Benchmark record of a word-order training run + its evaluation, with ratios against the n-gram LM
of the same evaluation run (what `make wordorder-cpu` ends with).

    python benchmarks/record_wordorder_run.py runs/wordorder-pointer-cpu --split test --name wordorder-pointer-cpu

Reads RUN/config.json, RUN/metrics.jsonl and RUN/eval-<split>/metrics.json; copies the report, the
curves and the metrics beside the JSON record under benchmarks/results/<name>/.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
from pathlib import Path

from _record import RESULTS_DIR, record

from fa_nlp.io import read_metrics


def words_per_target(cfg: dict) -> float | None:
    """Share of the pointer's targets that are words (each sentence adds one end step), from the train split."""
    if cfg["model_config"].get("kind") != "pointer":
        return None
    from fa_nlp.config import from_dict
    from fa_nlp.tasks.wordorder.task import WordOrderTask
    from fa_nlp.training.config import TrainConfig

    task = WordOrderTask()
    task.load(from_dict(TrainConfig, cfg["config"]))
    _, targets = task.lengths("train")
    return float((targets - 1).sum() / targets.sum())


def training_summary(run: Path) -> dict:
    rows = read_metrics(run)
    # readings right after an evaluation include its time; the first one includes start-up
    after_eval = {rows[i + 1]["step"] for i in range(len(rows) - 1) if "dev_loss" in rows[i]}
    speed = [r for r in rows if "tokens_per_s" in r and r["step"] not in after_eval][1:]
    cfg = json.loads((run / "config.json").read_text(encoding="utf-8"))
    median = lambda k: statistics.median(r[k] for r in speed) if speed and all(k in r for r in speed) else None
    share = words_per_target(cfg)
    tps = median("tokens_per_s")
    return {"steps": rows[-1]["step"] if rows else 0, "final_loss": next((r["loss"] for r in reversed(rows) if "loss" in r), None),
            "last_dev": next(({k: v for k, v in r.items() if k.startswith("dev_")} for r in reversed(rows) if "dev_loss" in r), {}),
            "targets_per_s_median": tps, "target_words_per_s_median": round(tps * share, 1) if share and tps else None,
            "cpu_cores_busy_median": median("cpu_cores_busy"),
            "threads": cfg["config"].get("threads"), "max_minutes": cfg["config"]["optim"].get("max_minutes"),
            "num_parameters": _num_parameters(cfg["model_config"]), "train_minutes": _train_minutes(run),
            "model_config": cfg["model_config"]}


def _num_parameters(model_config: dict) -> int:
    import torch

    from fa_nlp.models import ModelConfig, build_model

    with torch.device("meta"):
        return build_model(ModelConfig(**model_config)).num_parameters()


def _train_minutes(run: Path) -> float | None:
    """Wall minutes of the training loop: the `elapsed_s` of the last log row, else from the run dir's
    file times (config.json is written at the start, the last checkpoint at the end)."""
    rows = read_metrics(run)
    if rows and "elapsed_s" in rows[-1]:
        return round(rows[-1]["elapsed_s"] / 60, 2)
    cks = sorted((run / "checkpoints").glob("step-*"))
    return round((cks[-1].stat().st_mtime - (run / "config.json").stat().st_mtime) / 60, 2) if cks else None


def ratios(metrics: dict) -> dict:
    lm = next((v for k, v in metrics["baselines"].items() if k.startswith("ngram") and "em" in v), None)
    if lm is None:
        return {}
    out = {"ngram": {"em": lm["em"], "bleu": lm["bleu"]}}
    for name, s in metrics["systems"].items():
        out[name] = {"em": s["em"], "bleu": s["bleu"], "bleu_vs_ngram": round(s["bleu"] / max(lm["bleu"], 1e-9), 3),
                     "em_vs_ngram": round(s["em"] / max(lm["em"], 1e-9), 3)}
    model_only = [v for k, v in out.items() if k not in ("ngram",) and not k.endswith("+lm")]
    best = max((v for k, v in out.items() if k != "ngram"), key=lambda v: v["bleu"])
    out["summary"] = {"model_alone_best_bleu_vs_ngram": max(v["bleu_vs_ngram"] for v in model_only),
                      "best_system_bleu_vs_ngram": best["bleu_vs_ngram"], "best_system_em_vs_ngram": best["em_vs_ngram"]}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run")
    ap.add_argument("--split", default="test")
    ap.add_argument("--name", required=True, help="record name (and folder for the copied report)")
    ap.add_argument("--command", default="", help="the command that produced the run (stored in the record)")
    args = ap.parse_args()
    run = Path(args.run)
    metrics = json.loads((run / f"eval-{args.split}" / "metrics.json").read_text(encoding="utf-8"))
    results = {"run": str(run), "command": args.command, "training": training_summary(run),
               "evaluation": {"split": metrics["split"], "n": metrics["n"], "fusion": metrics.get("fusion"),
                              "signatures": metrics["signatures"]},
               "ratios_vs_ngram": ratios(metrics)}
    out_dir = RESULTS_DIR / args.name
    out_dir.mkdir(parents=True, exist_ok=True)
    for src in (run / f"eval-{args.split}" / "report.md", run / f"eval-{args.split}" / "metrics.json",
                run / f"eval-{args.split}" / "by_length.png", run / "curves.png", run / "metrics.jsonl",
                run / "config.json", run / "fusion.json"):
        if src.is_file():
            shutil.copy2(src, out_dir / src.name)
    record(args.name, results)
    print(json.dumps(results["ratios_vs_ngram"].get("summary", {}), indent=2))


if __name__ == "__main__":
    main()
