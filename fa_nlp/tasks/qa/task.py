"""The extractive QA task for the training loop: windows of `fa-nlp build qa` (BUILD/prepared) → start/end logits.

Model kind `span` (`fa_nlp.models.span.SpanModel`: the BERT-style encoder + a start/end head).
Loss per window = cross-entropy of the start position + cross-entropy of the end position
(summed; `n_targets` = 2 per window), the target being [CLS] (position 0) when the window does
not hold the answer or the question has none: `run_qa.py`'s labels, as `build qa` wrote them.
Label smoothing is not applied to span targets (it would spread mass over padding and question
tokens). Dev metrics: EM/F1 of the first `log.dev_metric_sentences` held-out dev questions through
the real post-processing (`postprocess_predictions`, null threshold 0) and Persian-aware scoring;
`f1_best_thresh` is the F1 the best null threshold on those questions would give.

    [data]
    prepared = "build/qa/pquad/prepared"   # written by fa-nlp build qa
    dev_split = "dev"
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from fa_nlp.data.prepared import copy_tokenizer
from fa_nlp.io import write_json
from fa_nlp.metrics.qa import qa_scores
from fa_nlp.tasks.base import Task
from fa_nlp.tasks.qa import predictor
from fa_nlp.tasks.qa.batches import window_batch
from fa_nlp.tasks.qa.build import QABuildConfig
from fa_nlp.tasks.qa.inference import best_null_threshold, predict_split, references
from fa_nlp.tasks.qa.prepare import load_qa_prepared
from fa_nlp.training.config import resolve_model_config


class QATask(Task):
    name = "qa"
    kind = "span"
    help = "extractive question answering (SQuAD v2 style): encoder + start/end span head"
    model_kinds = ("span",)
    build_config = QABuildConfig
    verbs_module = "fa_nlp.tasks.qa.verbs"  # build / prepare / evaluate
    predictor_class = "fa_nlp.tasks.qa.predictor:QAPredictor"
    export_function = "fa_nlp.export:export_run"  # arch="bert" runs are plain transformers BERT


    def load(self, cfg) -> None:
        if not cfg.data.prepared:
            raise ValueError("data.prepared is empty: point it at the prepared/ folder of a `fa-nlp build qa` output")
        self.cfg = cfg
        self.data = load_qa_prepared(cfg.data.prepared)
        if cfg.data.train_split not in self.data.splits:
            raise ValueError(f"{self.data.path}: no split {cfg.data.train_split!r} (has {sorted(self.data.splits)})")
        if cfg.model.kind not in (None, *self.model_kinds):
            raise ValueError(f"task qa trains model kind 'span', not {cfg.model.kind!r}")

    def model_config(self, cfg):
        fixed = {"kind": self.kind}
        if cfg.model.n_segments is None:
            fixed["n_segments"] = 2  # question / context
        meta = {k: self.data.meta[k] for k in ("vocab_size", "pad_id", "max_len")}
        return resolve_model_config(cfg.model, meta, **fixed)

    def has_split(self, split: str) -> bool:
        return split in self.data.splits

    def lengths(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        sp = self.data.splits[split]
        return np.asarray(sp.lengths, dtype=np.int64), np.zeros(len(sp), dtype=np.int64)

    def batch(self, split: str, indices: list[int], epoch: int, train: bool = True) -> dict[str, Any]:
        return window_batch(self.data.splits[split], indices)

    def loss(self, model, batch: dict[str, Any], label_smoothing: float = 0.0):
        import torch.nn.functional as F

        start, end = model(batch["input_ids"], batch["token_type_ids"])
        return (F.cross_entropy(start, batch["start_positions"], reduction="sum")
                + F.cross_entropy(end, batch["end_positions"], reduction="sum"))

    def dev_metrics(self, model, max_examples: int) -> dict[str, float]:
        split = self.cfg.data.dev_split
        if split not in self.data.splits or max_examples <= 0:
            return {}
        sp = self.data.splits[split]
        exs = sp.examples()[:max_examples]
        preds = predict_split(model, sp, len(exs), max_tokens=self.cfg.data.max_tokens, null_threshold=0.0)
        refs = references(exs)
        s = qa_scores({k: p.text for k, p in preds.items()}, refs)
        _, best = best_null_threshold(exs, preds)
        return {"em": round(s.exact, 3), "f1": round(s.f1, 3), "has_f1": round(s.HasAns_f1, 3),
                "noans_em": round(s.NoAns_exact, 3), "f1_best_thresh": round(best["f1"], 3)}

    def write_run_files(self, run_dir: Path) -> None:
        copy_tokenizer(self.data.path, run_dir)
        # the window length/overlap and normalization, so `fa-nlp predict` needs no prepared data
        write_json(Path(run_dir) / predictor.WINDOWS_FILE, predictor.window_settings(self.data.meta))
