"""`fa-nlp evaluate RUN` for a QA run: windows → start/end logits → post-processing → EM/F1 + report.

    fa-nlp evaluate runs/qa-pquad-cpu --split test
    from fa_nlp.tasks.qa.evaluate import QAEvalConfig, evaluate_qa_run
    m = evaluate_qa_run("runs/qa-pquad-cpu", QAEvalConfig(split="test"))

Steps: the run's latest (or `--step`) checkpoint; logits of every window of the split (batched by
a padded-token budget, no grad); `postprocess_predictions` (n-best spans per window, the example's
null score = min over its windows of [CLS] start+end) — the NULL THRESHOLD is chosen on the
prepared `dev` split (the held-out training contexts; never on test) as the value that maximises
dev F1, as the official SQuAD v2 script's `find_best_thresh` does; answers are put back on the
ORIGINAL context; gold answers are taken from the original context too.

Written to RUN/eval-<split>/: `predictions.json` (SQuAD format, id → answer text, "" = no answer),
`metrics.json` (EM/F1 overall / HasAns / NoAns with the Persian-aware normalization of
`fa_nlp.metrics.qa` and with the official SQuAD v2 ("plain") normalization, each with its
signature; the threshold and how it was chosen; baselines), `report.md` (scores, 5 seeded random
questions with gold, prediction and baseline answers) and `attention.png` (last layer, mean of
heads, first window of the first sample question; needs matplotlib).

Parts: inference (`inference.py`: logits, post-processing, the null threshold), baselines
(`baselines.py`), scores (`fa_nlp.metrics.qa`), the report (`report.py`); this module runs them in order.
"""

from __future__ import annotations

import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from fa_nlp.io import atomic_dir, write_json, write_jsonl, write_text
from fa_nlp.metrics.qa import qa_scores, squad_v2_scores
from fa_nlp.tasks.qa.baselines import lexical_baselines
from fa_nlp.tasks.qa.inference import apply_threshold, best_null_threshold, predict_split, references
from fa_nlp.tasks.qa.prepare import load_qa_prepared
from fa_nlp.tasks.qa.report import attention_png, report_markdown, sample
from fa_nlp.training import checkpoint
from fa_nlp.training.distributed import resolve_device


def score_all(predictions: dict[str, str], refs: dict[str, list[str]]) -> dict[str, Any]:
    """Both scorings: Persian-aware (`qa_scores`) and the official SQuAD v2 one (`squad_v2_scores`)."""
    return {"persian": qa_scores(predictions, refs).to_dict(), "plain": squad_v2_scores(predictions, refs).to_dict()}


# ---------------------------------------------------------------------------------------------
# the command


@dataclass
class QAEvalConfig:
    split: str = "test"
    step: int | None = None  # checkpoint step (None: latest)
    prepared: str | None = None  # prepared QA dir (default: the run's data.prepared)
    dev_split: str = "dev"  # where the null threshold is chosen (never the evaluated test split)
    null_threshold: float | None = None  # fixed threshold instead of choosing it on dev_split
    max_questions: int = 0  # 0 = the whole split (else the first N)
    max_tokens: int = 16384  # padded tokens per inference batch
    device: str = "auto"  # auto | cpu | cuda
    n_best: int = 20
    max_answer_length: int = 30  # tokens
    samples: int = 5  # seeded random questions shown in report.md
    seed: int = 1234
    attention_plot: bool = True
    progress: bool = True


def evaluate_qa_run(run_dir: str | Path, cfg: QAEvalConfig | None = None) -> dict[str, Any]:
    """Evaluate a QA run on `cfg.split`; writes RUN/eval-<split>/ and returns metrics.json's content."""
    import torch

    cfg = cfg or QAEvalConfig()
    started = time.time()
    run_dir = Path(run_dir)
    device = torch.device(resolve_device(cfg.device))
    model, train_cfg = checkpoint.load_model(run_dir, cfg.step, device=device)
    ck = checkpoint.resolve(run_dir, cfg.step)
    base = run_dir if (run_dir / "config.json").is_file() or not (run_dir / "state.json").is_file() else ck.parent.parent
    prepared = cfg.prepared or train_cfg.get("data", {}).get("prepared")
    if not prepared:
        raise ValueError(f"{run_dir}: no data.prepared in the run's config; pass --dataset PREPARED_DIR")
    data = load_qa_prepared(prepared)
    if cfg.split not in data.splits:
        raise ValueError(f"{prepared}: no split {cfg.split!r} (has {sorted(data.splits)})")
    kw = {"max_tokens": cfg.max_tokens, "n_best": cfg.n_best, "max_answer_length": cfg.max_answer_length,
          "device": device}

    # 1. the null threshold, on dev
    if cfg.null_threshold is not None:
        threshold, how = cfg.null_threshold, {"chosen_on": "given (--null_threshold)"}
    elif cfg.dev_split in data.splits and cfg.dev_split != cfg.split:
        dev = data.splits[cfg.dev_split]
        dev_preds = predict_split(model, dev, 0, **kw)
        threshold, best = best_null_threshold(dev.examples(), dev_preds)
        zero = score_all(apply_threshold(dev_preds, 0.0), references(dev.examples()))["persian"]
        how = {"chosen_on": cfg.dev_split, "dev_questions": best["n"], "dev_f1_at_threshold": round(best["f1"], 3),
               "dev_em_at_threshold": round(best["em"], 3), "dev_f1_at_0": round(zero["f1"], 3)}
    else:
        threshold = 0.0
        how = {"chosen_on": "none: no separate dev split, threshold 0 (HF default)"}

    # 2. the split
    sp = data.splits[cfg.split]
    exs = sp.examples()[: cfg.max_questions] if cfg.max_questions else sp.examples()
    raw = predict_split(model, sp, len(exs), **kw)
    preds = apply_threshold(raw, threshold)
    refs = references(exs)
    scores = score_all(preds, refs)
    base_preds = lexical_baselines(exs)
    baselines = {name: score_all(p, refs) for name, p in base_preds.items()}

    out = base / f"eval-{cfg.split}"
    per_ex = [{"id": ex.id, "prediction": preds[ex.id], "gold": refs[ex.id],
               "score_diff": None if raw[ex.id].original_span is None else round(float(raw[ex.id].score_diff), 4)}
              for ex in exs]
    rng = random.Random(cfg.seed)
    picks = sorted(rng.sample(range(len(exs)), min(cfg.samples, len(exs))))
    samples = [sample(exs[i], preds, refs, base_preds) for i in picks]
    with atomic_dir(out) as tmp:  # a reader never sees half an evaluation
        write_json(tmp / "predictions.json", preds)
        write_jsonl(tmp / "predictions.jsonl", per_ex)
        plot_note = attention_png(model, sp, exs[picks[0]].id if picks else None, data, tmp / "attention.png",
                                   device) if cfg.attention_plot else "off"
        metrics = {
            "run": str(base), "checkpoint": str(ck), "step": checkpoint.read_state(ck).get("step"),
            "split": cfg.split, "prepared": str(prepared), "questions": len(exs),
            "windows": int(len(sp.windows_of(len(exs)))),
            "null_threshold": threshold, "null_threshold_selection": how,
            "model": scores, "baselines": baselines,
            "settings": asdict(cfg), "seconds": round(time.time() - started, 2),
            "attention_plot": plot_note.replace(str(tmp), str(out)), "out_dir": str(out),
        }
        write_json(tmp / "metrics.json", metrics)
        write_text(tmp / "report.md", report_markdown(metrics, samples))
    return metrics
