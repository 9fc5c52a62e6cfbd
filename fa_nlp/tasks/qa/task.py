"""The extractive QA task for the training loop: windows of `fa-nlp prepare-qa` → start/end logits.

Model kind `span` (`fa_nlp.models.span.SpanModel`: the BERT-style encoder + a start/end head).
Loss per window = cross-entropy of the start position + cross-entropy of the end position
(summed; `n_targets` = 2 per window), the target being [CLS] (position 0) when the window does
not hold the answer or the question has none: `run_qa.py`'s labels, as `build qa` wrote them.
Label smoothing is not applied to span targets (it would spread mass over padding and question
tokens). Dev metrics: EM/F1 of the first `log.dev_metric_sentences` held-out dev questions through
the real post-processing (`postprocess_predictions`, null threshold 0) and Persian-aware scoring;
`f1_best_thresh` is the F1 the best null threshold on those questions would give.

    [data]
    prepared = "build/qa/prepared"   # fa-nlp prepare-qa
    dev_split = "dev"
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np

from fa_nlp.tasks.base import Task


class QATask(Task):
    name = "qa"
    kind = "span"

    def load(self, cfg) -> None:
        from fa_nlp.tasks.qa.prepare import load_qa_prepared

        if not cfg.data.prepared:
            raise ValueError("data.prepared is empty: point it at a directory written by `fa-nlp prepare-qa`")
        self.cfg = cfg
        self.data = load_qa_prepared(cfg.data.prepared)
        if cfg.data.train_split not in self.data.splits:
            raise ValueError(f"{self.data.path}: no split {cfg.data.train_split!r} (has {sorted(self.data.splits)})")
        if cfg.model.kind not in ("span", "seq2seq"):  # seq2seq = the section's default: not chosen
            raise ValueError(f"task qa trains model kind 'span', not {cfg.model.kind!r}")

    def model_config(self, cfg):
        from fa_nlp.training.config import resolve_model_config

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
        from fa_nlp.metrics.qa import qa_scores
        from fa_nlp.tasks.qa.evaluate import best_null_threshold, predict_split, references

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
        if self.data.tokenizer_dir is not None:
            shutil.copytree(self.data.tokenizer_dir, Path(run_dir) / "tokenizer", dirs_exist_ok=True)


def window_batch(sp, indices) -> dict[str, Any]:
    """Collate windows `indices` of a `QASplit`, trimmed to the longest one."""
    import torch

    idx = np.asarray(indices, dtype=np.int64)
    width = int(sp.lengths[idx].max()) if len(idx) else 1
    ids = torch.from_numpy(np.asarray(sp.input_ids[idx, :width], dtype=np.int64))
    seg = torch.from_numpy(np.asarray(sp.token_type_ids[idx, :width], dtype=np.int64))
    return {"input_ids": ids, "token_type_ids": seg,
            "start_positions": torch.from_numpy(np.asarray(sp.start_positions[idx], dtype=np.int64)),
            "end_positions": torch.from_numpy(np.asarray(sp.end_positions[idx], dtype=np.int64)),
            "n_targets": 2 * len(idx)}
