"""Masked-LM pretraining for the training loop: rows of `fa-nlp prepare mlm` → the `mlm` model kind.

Why: the QA data is small (PQuAD Validation: ~8k questions); pretraining the same encoder on plain
text first gives it Persian before it sees questions. The MLM and span models share the encoder
tensor for tensor, so `init_from = "runs/mlm-..."` in a QA config starts from it.

Masking (BERT): each real token (not [CLS]/[SEP]/[PAD]) is chosen with probability 15% (at least
one per row); of the chosen, 80% become [MASK], 10% a random non-special token, 10% stay. The loss
is the summed cross-entropy at the chosen positions (`n_targets` = their number). Masks are drawn
per batch from a generator seeded by (seed, epoch, the batch's rows), so a resumed run sees the
same masks; dev batches use fixed masks. Segments: all 0 (the question segment of QA).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from fa_nlp.data.prepared import copy_tokenizer
from fa_nlp.io import write_json
from fa_nlp.tasks.base import Task
from fa_nlp.tasks.mlm import predictor
from fa_nlp.tasks.mlm.prepare import load_mlm_prepared
from fa_nlp.training.config import resolve_model_config

MASK_PROB = 0.15


def mask_tokens(ids: np.ndarray, lengths: np.ndarray, rng: np.random.Generator, mask_id: int, n_special: int,
                vocab_size: int, special: tuple[int, ...], prob: float = MASK_PROB):
    """ids [B,S] → (corrupted ids, chosen bool [B,S], labels [N]) with BERT's 80/10/10 rule."""
    b, s = ids.shape
    real = np.arange(s)[None, :] < lengths[:, None]
    cand = real & ~np.isin(ids, np.asarray(special))
    chosen = cand & (rng.random((b, s)) < prob)
    for r in np.flatnonzero(~chosen.any(1) & cand.any(1)):  # at least one target per row
        chosen[r, rng.choice(np.flatnonzero(cand[r]))] = True
    labels = ids[chosen]
    out = ids.copy()
    u = rng.random(len(labels))
    repl = np.where(u < 0.8, mask_id, np.where(u < 0.9, rng.integers(n_special, vocab_size, len(labels)), labels))
    out[chosen] = repl
    return out, chosen, labels


class MLMTask(Task):
    name = "mlm"
    kind = "mlm"
    help = "masked-LM pretraining of the encoder on plain text (then init_from in a QA config)"
    model_kinds = ("mlm",)
    verbs_module = "fa_nlp.tasks.mlm.verbs"  # prepare only (no build: the text corpora are read as they are)
    predictor_class = "fa_nlp.tasks.mlm.predictor:MLMPredictor"  # fill-mask
    export_function = "fa_nlp.export:export_run"  # arch="bert" runs are plain transformers BERT


    def load(self, cfg) -> None:
        if not cfg.data.prepared:
            raise ValueError("data.prepared is empty: point it at a directory written by `fa-nlp prepare mlm`")
        if cfg.model.kind not in (None, *self.model_kinds):
            raise ValueError(f"task mlm trains model kind 'mlm', not {cfg.model.kind!r}")
        self.cfg = cfg
        self.meta, self.splits = load_mlm_prepared(cfg.data.prepared)
        self.path = Path(cfg.data.prepared)
        m = self.meta
        self.special = tuple(int(m[k]) for k in ("pad_id", "cls_id", "sep_id", "mask_id"))
        self.n_special = max(int(m[k]) for k in ("pad_id", "unk_id", "cls_id", "sep_id", "mask_id")) + 1

    def model_config(self, cfg):
        fixed = {"kind": self.kind}
        if cfg.model.n_segments is None:
            fixed["n_segments"] = 2  # as the span model, so the encoders match tensor for tensor
        return resolve_model_config(cfg.model, {k: self.meta[k] for k in ("vocab_size", "pad_id", "max_len")}, **fixed)

    def has_split(self, split: str) -> bool:
        return split in self.splits

    def lengths(self, split: str):
        lens = np.asarray(self.splits[split][1], dtype=np.int64)
        return lens, np.zeros_like(lens)

    def batch(self, split: str, indices: list[int], epoch: int, train: bool = True) -> dict[str, Any]:
        import torch

        rows, lens = self.splits[split]
        idx = np.asarray(indices, dtype=np.int64)
        ln = np.asarray(lens[idx], dtype=np.int64)
        width = int(ln.max())
        ids = np.asarray(rows[idx, :width], dtype=np.int64)
        key = [self.cfg.seed, epoch, *idx[:8].tolist(), len(idx)] if train else [0, *idx[:8].tolist(), len(idx)]
        out, chosen, labels = mask_tokens(ids, ln, np.random.default_rng(key), int(self.meta["mask_id"]),
                                          self.n_special, int(self.meta["vocab_size"]), self.special)
        return {"input_ids": torch.from_numpy(out), "select": torch.from_numpy(chosen),
                "labels": torch.from_numpy(labels), "n_targets": int(len(labels))}

    def loss(self, model, batch: dict[str, Any], label_smoothing: float = 0.0):
        import torch
        import torch.nn.functional as F

        ids = batch["input_ids"]
        logits = model(ids, torch.zeros_like(ids), select=batch["select"])
        return F.cross_entropy(logits.float(), batch["labels"], reduction="sum", label_smoothing=label_smoothing)

    def dev_metrics(self, model, max_examples: int) -> dict[str, float]:
        """Masked-token accuracy on the first `max_examples` validation rows (fixed masks)."""
        import torch

        split = self.cfg.data.dev_split
        if split not in self.splits or max_examples <= 0:
            return {}
        device = next(model.parameters()).device
        n = min(max_examples, len(self.splits[split][1]))
        right = total = 0
        with torch.no_grad():
            for lo in range(0, n, 32):
                b = self.batch(split, list(range(lo, min(n, lo + 32))), 0, train=False)
                ids = b["input_ids"].to(device)
                logits = model(ids, torch.zeros_like(ids), select=b["select"].to(device))
                right += int((logits.argmax(-1).cpu() == b["labels"]).sum())
                total += len(b["labels"])
        return {"mlm_acc": round(100.0 * right / max(total, 1), 3)}

    def write_run_files(self, run_dir: Path) -> None:
        copy_tokenizer(self.path, run_dir)
        # whether the text was normalized, so `fa-nlp predict` needs no prepared data
        write_json(Path(run_dir) / predictor.TEXT_FILE, predictor.text_settings(self.meta))
